#!/usr/bin/env bash
# Demo skeleton: set up, start the GoSMS emulator on loopback, run the demo
# steps against it, stop it on exit (also on error or Ctrl-C).
#   scripts/demo.sh
set -euo pipefail
# shellcheck source=scripts/_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$GOSMS_ROOT"

bash scripts/setup.sh

EMU_PID=""
EMU_OUT=$(mktemp -d)
cleanup() {
    if [ -n "$EMU_PID" ] && kill -0 "$EMU_PID" 2>/dev/null; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
    rm -rf "$EMU_OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The emulator binds 127.0.0.1 on a free port (port 0) by default and prints its
# base URL as the first line on stdout.
mkfifo "$EMU_OUT/stdout"
"$VENV/bin/gosms-emulator" >"$EMU_OUT/stdout" 2>"$EMU_OUT/stderr" &
EMU_PID=$!
exec 3<"$EMU_OUT/stdout"
if ! IFS= read -r -t 30 BASE_URL <&3; then
    echo "emulator did not print its base URL within 30 s; its stderr:" >&2
    cat "$EMU_OUT/stderr" >&2
    exit 1
fi
# Keep draining its stdout so the emulator never blocks on a full pipe.
cat <&3 >/dev/null &
exec 3<&-
export GOSMS_BASE_URL=$BASE_URL
echo "emulator running at $BASE_URL (pid $EMU_PID)"

CONTROL=${BASE_URL%/v1}/_emulator
export GOSMS_API_URL=$BASE_URL
# The emulator's own demo token; a real one comes from API Integration in the control panel.
export GOSMS_TOKEN=demo-token
export ANSIBLE_COLLECTIONS_PATH=$GOSMS_ROOT
export ANSIBLE_PYTHON_INTERPRETER=$VENV/bin/python
PATH=$VENV/bin:$PATH

control() { # METHOD PATH [JSON]: talk to the emulator's control API
    curl -sS -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "$CONTROL/$2"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
shows_exit() { # run a command that is expected to fail and show how it failed
    set +e; "$@"; local rc=$?; set -e
    echo "(exit status $rc)"
}
DEVICE=$(control GET state | "$VENV/bin/python" -c \
    'import json,sys; d=json.load(sys.stdin)["devices"]; print(d[0]["id"])')

step "1. An alert from the command line, waiting for delivery"
gosms send --to "+7 (999) 123-45-67" --normalize \
    --message "web01: disk /var 95% full | act now 🔥" --invalid-chars replace --wait

step "2. The same alert from an Ansible handler (examples/alert.yml)"
ansible-playbook examples/alert.yml -e alert_to=79990000001

step "3. The monitoring check: account, monthly quota and the gateway phone"
shows_exit check_gosms --quota 1000 --device "$DEVICE"

step "4. A lost answer: the gateway takes the SMS, then the connection drops"
control POST faults '{"endpoint": "send", "kind": "reset_after"}' >/dev/null
gosms send --to 79990000002 --message "db01: replication lag 120 s" --verbose 2>&1 |
    grep -v DEBUG || true
echo "messages stored for 79990000002: $(control GET messages | "$VENV/bin/python" -c \
    'import json,sys; print(sum(1 for m in json.load(sys.stdin) if m["phone_number"] == "79990000002"))')"

step "5. Monday morning: the account is blocked"
control POST scenario '{"account_blocked": true}' >/dev/null
shows_exit gosms send --to 79991234567 --message "web01 down"
shows_exit check_gosms --quota 1000 --device "$DEVICE"

step "6. The gateway phone went quiet and flat"
control POST scenario '{"account_blocked": false}' >/dev/null
control POST scenario "{\"devices\": {\"$DEVICE\": {\"battery\": 9, \"charging\": false, \"online\": false, \"last_seen_ago\": 900}}}" >/dev/null
shows_exit check_gosms --quota 1000 --device "$DEVICE"

step "7. Bad input never leaves the machine"
shows_exit gosms send --to 7999123456789012345678901234567 --message 'x'
shows_exit gosms send --to 79991234567 --message 'use `rm -rf`'
echo "requests the emulator saw for these two: $(control GET requests | "$VENV/bin/python" -c \
    'import json,sys; print(sum(1 for r in json.load(sys.stdin) if "rm -rf" in str(r.get("body"))))')"

step "8. GoSMS out of reach for a minute: alerts wait in the outbox, then go out once each"
export GOSMS_OUTBOX=$EMU_OUT/outbox
control POST outage '{"seconds": 60, "mode": "503"}' >/dev/null
for host in web01 db01 mail01; do
    gosms send --queue --deadline 2 --to 79990000003 --message "$host: unreachable" 2>/dev/null
done
gosms outbox
shows_exit gosms outbox flush --deadline 1
control POST clock '{"advance": 60}' >/dev/null   # the minute passes on the emulator's clock
gosms outbox flush
echo "messages stored for 79990000003: $(control GET messages | "$VENV/bin/python" -c \
    'import json,sys; print(sorted(m["message"] for m in json.load(sys.stdin) if m["phone_number"] == "79990000003"))')"

step "9. One phone dies: the alert goes out through the other, and the check says what happened"
export GOSMS_OUTBOX=$EMU_OUT/outbox-routes
SPARE=$(control POST devices '{"name": "Spare phone"}' | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
control POST scenario "{\"delete_after\": 0, \"devices\": {\"$DEVICE\": {\"battery\": 80, \"charging\": true, \"online\": true}}}" >/dev/null
control POST phones "{\"device_id\": \"$DEVICE\", \"behaviour\": \"offline\"}" >/dev/null
gosms send --to 79990000004 --message "web01: disk /var 99% full" --via "$DEVICE" --via "$SPARE" \
    --deliver-within 3 --wait --wait-interval 0.5
check_gosms --outbox "$GOSMS_OUTBOX" || true
control POST phones "{\"device_id\": \"$SPARE\", \"behaviour\": \"offline\"}" >/dev/null
shows_exit gosms send --to 79990000005 --message "db01: down" --via "$DEVICE" --via "$SPARE" \
    --deliver-within 3 --wait --wait-interval 0.5
shows_exit check_gosms --outbox "$GOSMS_OUTBOX"

step "Done: every error above is decoded from the one table (gosms errors lists it)"
