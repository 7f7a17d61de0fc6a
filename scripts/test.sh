#!/usr/bin/env bash
# Run every suite: two lanes side by side (the machine has 2 cores and most suites wait on
# sockets and daemons, not on the CPU), then the benchmarks alone, so their figures are not
# measured on a busy machine. Always prints a summary with each stage's seconds.
#   scripts/test.sh                 everything (what CI runs through .ci/run)
#   scripts/test.sh STAGE...        only these stages; a word matches a stage by name or prefix
#                                   (core = core-py3.13 and core-py3.9, ansible = ansible-*)
#   scripts/test.sh --quick         lint, mypy and the core suite on 3.13: a minute or two
#   scripts/test.sh --list          the stages, by lane
# Environment:
#   GOSMS_TEST_BUDGET  seconds for the whole run (default 5100 = 85 min); each
#                      stage is killed when the budget runs out, so a hang fails
#                      here with a summary instead of being cut off from outside.
#   GOSMS_PYTEST_TIMEOUT  seconds per single pytest test (default 300).
#   GOSMS_KEEP_GOING=1 local use: record a red stage and go on with the next
#                      ones in its lane (the run still exits 1). CI leaves it unset.
#   GOSMS_LANES=1      run the lanes one after the other (a slower, quieter machine).
set -uo pipefail
# shellcheck source=scripts/_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$GOSMS_ROOT" || exit 1

# A stage whose folder is missing fails: every part of the product has tests.
TOLERATE_MISSING=0

# pytest flags.
# Every pytest run in .venv autoloads Home Assistant's test plugin (entry point
# "homeassistant"). At import it installs HA's event loop policy and basic
# logging, and before every test it calls pytest_socket.disable_socket(), which
# blocks all non-unix sockets, loopback included. "-p no:socket" alone does not
# help (the HA plugin calls pytest_socket directly): the HA plugin itself must be
# kept out. pytest-sugar (also pulled in by HA's harness) would replace pytest's
# standard closing line, so it is off everywhere. pytest-timeout (in both venvs)
# turns a hung test into a failure instead of eating the run's time budget.
PYTEST_COMMON=(-p no:sugar "--timeout=${GOSMS_PYTEST_TIMEOUT:-300}" --durations=8)
PYTEST_NON_HA=(-p no:homeassistant -p no:socket)
PYTEST_HA=(--cov=custom_components.gosms --cov-report=term-missing --cov-fail-under=95)

BUDGET=${GOSMS_TEST_BUDGET:-5100}
T0=$SECONDS
STAGES=()   # "STATUS|name|seconds|note" in run order

banner() { printf '\n========== %s ==========\n' "$*"; }

summary() {
    local line status name secs note
    printf '\n========== summary (%ss total) ==========\n' "$((SECONDS - T0))"
    for line in "${STAGES[@]}"; do
        IFS='|' read -r status name secs note <<<"$line"
        printf '  %-12s %-26s %6ss  %s\n' "$status" "$name" "$secs" "$note"
    done
}

FAILED=""
LANE=""          # set inside a lane: its stages go to $LANE_DIR/$LANE.stages
finish_fail() {
    FAILED="$FAILED $1"
    if [ "${GOSMS_KEEP_GOING:-0}" = 1 ] && [ "$1" != setup ] && [ "$1" != interrupted ]; then
        return 1
    fi
    if [ -n "$LANE" ]; then
        lane_done
        exit 1
    fi
    summary
    printf '\ntest.sh: FAILED at stage "%s"\n' "$1"
    exit 1
}

lane_done() {
    : >"$LANE_DIR/$LANE.stages"
    [ "${#STAGES[@]}" = 0 ] || printf '%s\n' "${STAGES[@]}" >"$LANE_DIR/$LANE.stages"
}

# stage NAME "PATH [PATH...]" COMMAND... : run COMMAND if every PATH exists.
stage() {
    local name=$1 paths=$2 p missing="" left rc start
    shift 2
    selected "$name" || return 0
    for p in $paths; do
        [ -e "$p" ] || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        if [ "$TOLERATE_MISSING" = 1 ]; then
            banner "stage $name: NOT PRESENT YET (missing:$missing) -- NOT RUN"
            STAGES+=("NOT-PRESENT|$name|0|missing:$missing")
            return 0
        fi
        banner "stage $name: FAILED (missing:$missing)"
        STAGES+=("FAIL|$name|0|missing:$missing")
        finish_fail "$name"; return 1
    fi
    left=$((BUDGET - (SECONDS - T0)))
    if [ "$left" -le 10 ]; then
        STAGES+=("FAIL|$name|0|time budget used up")
        finish_fail "$name"; return 1
    fi
    banner "stage $name"
    CURRENT_STAGE=$name
    start=$SECONDS
    # The stage runs in a fresh copy of this script (timeout cannot call shell
    # functions). timeout makes itself a process-group leader and kills the
    # whole group, so a hung stage dies with everything it started.
    timeout -k 20 "$left" bash "$GOSMS_ROOT/scripts/test.sh" --run-stage "$@" </dev/null &
    STAGE_PID=$!
    wait "$STAGE_PID"
    rc=$?
    STAGE_PID=""
    CURRENT_STAGE=""
    if [ "$rc" = 0 ]; then
        STAGES+=("PASS|$name|$((SECONDS - start))|")
        return 0
    fi
    local note="exit $rc"
    [ "$rc" = 124 ] && note="timed out (budget)"
    [ "$rc" = 5 ] && note="exit 5: no tests collected where tests are expected"
    STAGES+=("FAIL|$name|$((SECONDS - start))|$note")
    finish_fail "$name"; return 1
}

# Every pytest stage runs only when its folder exists, and then tests are
# expected there, so pytest's exit 5 ("no tests collected") stays a failure.
pytest313() { "$VENV/bin/python" -m pytest "${PYTEST_COMMON[@]}" "$@"; }
pytest39() { "$VENV39/bin/python" -m pytest "${PYTEST_COMMON[@]}" "$@"; }
# "python -m pytest" puts the repo root on sys.path, so custom_components and
# ansible_collections import as packages.

# mypy (config in pyproject: strict, python_version 3.9, files src/gosms) runs
# from .venv but resolves imports in .venv39, i.e. libraries as a 3.9 user has
# them; .venv's copies may use 3.10+ syntax that a 3.9 target rejects.
run_mypy() {
    "$VENV/bin/mypy" --python-executable "$VENV39/bin/python" &&
        # The Nagios check runs on 3.9 too; it is read against the core's sources.
        MYPYPATH=src "$VENV/bin/mypy" --strict --python-version 3.9 \
            --python-executable "$VENV39/bin/python" nagios/gosms_nagios &&
        # The Home Assistant integration is strictly typed (quality scale: strict-typing).
        "$VENV/bin/python" -m mypy --config-file tests/ha/mypy.ini -p custom_components.gosms
}

run_lint() {
    local targets=() d
    for d in src tests nagios custom_components ansible_collections scripts benchmarks; do
        [ -e "$d" ] && targets+=("$d")
    done
    "$VENV/bin/ruff" check "${targets[@]}"
}

# ansible-test must run from the collection root with ansible from .venv first on PATH.
COLLECTION=ansible_collections/gosms/sms
run_ansible_sanity() {
    (cd "$COLLECTION" && export PATH="$VENV/bin:$PATH" && ansible-test sanity --local --python 3.13 --color no &&
        ansible-lint --profile production --offline --nocolor)
}
# units use --venv: ansible-test builds its own venv (pytest, xdist, mock, plus
# the collection's tests/unit/requirements.txt) so Home Assistant's pytest
# plugins and pins in .venv stay out of the Ansible unit tests.
run_ansible_units() {
    local n
    n=$(find "$COLLECTION/tests/unit" -name 'test_*.py' | wc -l)
    if [ "$n" = 0 ]; then
        echo "no test_*.py under $COLLECTION/tests/unit: tests are expected there" >&2
        return 5
    fi
    (cd "$COLLECTION" && PATH="$VENV/bin:$PATH" ansible-test units --venv --python 3.13 --color no)
}
run_ansible_pytest() {
    # Real ansible-playbook from .venv; the collection resolves from this checkout.
    PATH="$VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-$GOSMS_ROOT} \
        pytest313 "${PYTEST_NON_HA[@]}" tests/ansible
}

# Every release artifact built once by scripts/dist.sh, then each used by itself in a clean place.
run_release() {
    local out
    out=$(mktemp -d "${TMPDIR:-/tmp}/gosms-dist.XXXXXX")
    GOSMS_DIST=$out bash scripts/dist.sh && GOSMS_DIST=$out pytest313 "${PYTEST_NON_HA[@]}" tests/release
}

run_benchmarks() {
    local f ran=0
    for f in benchmarks/*.py; do
        [ -e "$f" ] || continue
        echo "--- $f"
        local t0=$SECONDS
        "$VENV/bin/python" "$f" || return 1
        echo "--- $f took $((SECONDS - t0)) s"
        ran=1
    done
    [ "$ran" = 1 ] || { echo "no benchmarks/*.py found" >&2; return 1; }
}

# Inner call made by stage(): run one stage command and exit with its status.
if [ "${1:-}" = "--run-stage" ]; then
    shift
    "$@"
    exit $?
fi

STAGE_PID=""
CURRENT_STAGE=""
LANE_PIDS=()
on_signal() {
    # Stages run in their own process group: take it down too; lanes pass the signal on.
    [ -n "$STAGE_PID" ] && kill -TERM -- "-$STAGE_PID" 2>/dev/null
    local pid
    for pid in "${LANE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    STAGES+=("FAIL|${CURRENT_STAGE:-interrupted}|0|interrupted by a signal")
    finish_fail interrupted
}
trap on_signal INT TERM

# --- which stages ---------------------------------------------------------------
# Balanced by the stages' measured seconds (the summary prints them): about 8 minutes each.
# The Ansible stages share the collection's folder and stay in one lane; the daemons' in the other.
LANE_A=(lint mypy core-py3.13 core-py3.9 conformance release ansible-sanity ansible-units ansible-playbook)
LANE_B=(homeassistant homeassistant-live nagios zabbix relay)
ALONE=(benchmarks)
WANTED=()
QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1; WANTED+=(lint mypy core-py3.13) ;;
        --list) printf 'lane 1: %s\nlane 2: %s\nthen:   %s\n' "${LANE_A[*]}" "${LANE_B[*]}" "${ALONE[*]}"; exit 0 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) echo "test.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
        *) WANTED+=("$arg") ;;
    esac
done
selected() { # NAME: is this stage asked for?
    local w
    [ "${#WANTED[@]}" = 0 ] && return 0
    for w in "${WANTED[@]}"; do
        case "$1" in "$w"|"$w"-*) return 0 ;; esac
    done
    return 1
}
if [ "${#WANTED[@]}" -gt 0 ]; then
    for w in "${WANTED[@]}"; do
        known=0
        for n in "${LANE_A[@]}" "${LANE_B[@]}" "${ALONE[@]}"; do
            case "$n" in "$w"|"$w"-*) known=1 ;; esac
        done
        [ "$known" = 1 ] || { echo "test.sh: no stage is called $w (see --list)" >&2; exit 2; }
    done
fi

# --- setup ------------------------------------------------------------------
banner "setup"
start=$SECONDS
if bash scripts/setup.sh --icinga --zabbix; then
    STAGES+=("PASS|setup|$((SECONDS - start))|")
else
    STAGES+=("FAIL|setup|$((SECONDS - start))|")
    finish_fail setup
fi

# --- the stages -------------------------------------------------------------------
run_named() { # one stage by its name
    case "$1" in
        lint) stage lint "." run_lint ;;
        mypy) stage mypy "src/gosms" run_mypy ;;
        # Four workers: most core tests wait on sockets and child processes, not on the CPU.
        core-py3.13) stage core-py3.13 "tests/core" pytest313 "${PYTEST_NON_HA[@]}" -n 4 tests/core ;;
        core-py3.9) stage core-py3.9 "tests/core" pytest39 -n 4 tests/core ;;
        homeassistant) stage homeassistant "tests/ha custom_components/gosms" pytest313 "${PYTEST_HA[@]}" tests/ha \
                           tests/conformance/test_ha_conformance.py ;;
        # A real hass process over real sockets: without HA's pytest plugins.
        homeassistant-live) stage homeassistant-live "tests/ha_live custom_components/gosms" \
                                pytest313 "${PYTEST_NON_HA[@]}" tests/ha_live ;;
        nagios) stage nagios "tests/nagios" pytest313 "${PYTEST_NON_HA[@]}" tests/nagios ;;
        ansible-sanity) stage ansible-sanity "$COLLECTION" run_ansible_sanity ;;
        ansible-units) stage ansible-units "$COLLECTION/tests/unit" run_ansible_units ;;
        ansible-playbook) stage ansible-playbook "tests/ansible $COLLECTION" run_ansible_pytest ;;
        # The CLI, the check, the collection and the client against an independent fake of the API,
        # written from the documentation with the opposite choices wherever it leaves room.
        conformance) stage conformance "tests/conformance" pytest313 "${PYTEST_NON_HA[@]}" tests/conformance ;;
        release) stage release "tests/release scripts/dist.sh" run_release ;;
        zabbix) stage zabbix "tests/zabbix zabbix" pytest313 "${PYTEST_NON_HA[@]}" tests/zabbix ;;
        relay) stage relay "tests/relay" pytest313 "${PYTEST_NON_HA[@]}" tests/relay ;;
        benchmarks) stage benchmarks "benchmarks" run_benchmarks ;;
        *) echo "test.sh: no stage $1" >&2; return 2 ;;
    esac
    return 0
}

run_lane() { # NAME STAGE...: the stages in order, in a lane of their own
    LANE=$1
    shift
    STAGES=()
    trap '[ -n "$STAGE_PID" ] && kill -TERM -- "-$STAGE_PID" 2>/dev/null; STAGES+=("FAIL|${CURRENT_STAGE:-interrupted}|0|interrupted by a signal"); lane_done; exit 1' INT TERM
    local n
    for n in "$@"; do
        run_named "$n" || true
    done
    lane_done
    [ -z "$FAILED" ]
}

LANE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gosms-lanes.XXXXXX")
start_lanes=$SECONDS
if [ "${GOSMS_LANES:-2}" = 1 ] || [ "$QUICK" = 1 ]; then
    (run_lane lane1 "${LANE_A[@]}") && (run_lane lane2 "${LANE_B[@]}")
    for lane in lane1 lane2; do
        [ -f "$LANE_DIR/$lane.stages" ] && mapfile -t -O "${#STAGES[@]}" STAGES <"$LANE_DIR/$lane.stages"
    done
else
    # Each lane prints into its own log, shown whole when the lane ends, so the two never interleave.
    (run_lane lane1 "${LANE_A[@]}") >"$LANE_DIR/lane1.log" 2>&1 &
    LANE_PIDS+=($!)
    (run_lane lane2 "${LANE_B[@]}") >"$LANE_DIR/lane2.log" 2>&1 &
    LANE_PIDS+=($!)
    printf '\n(two lanes started side by side; each one\x27s output follows when it ends)\n'
    for lane in 1 2; do
        wait "${LANE_PIDS[$((lane - 1))]}"
        banner "lane $lane (its output)"
        cat "$LANE_DIR/lane$lane.log"
        [ -f "$LANE_DIR/lane$lane.stages" ] && mapfile -t -O "${#STAGES[@]}" STAGES <"$LANE_DIR/lane$lane.stages"
    done
    LANE_PIDS=()
fi
rm -rf "$LANE_DIR"
STAGES+=("INFO|(both lanes, wall)|$((SECONDS - start_lanes))|")
for line in "${STAGES[@]}"; do
    case "$line" in FAIL*) IFS='|' read -r _ failed_name _ _ <<<"$line"; FAILED="$FAILED $failed_name" ;; esac
done
if [ -n "$FAILED" ] && [ "${GOSMS_KEEP_GOING:-0}" != 1 ]; then
    summary
    printf '\ntest.sh: FAILED stage(s):%s\n' "$FAILED"
    exit 1
fi
[ "$QUICK" = 1 ] || run_named benchmarks

summary
if [ -n "$FAILED" ]; then
    printf '\ntest.sh: FAILED stage(s):%s\n' "$FAILED"
    exit 1
fi
notrun=0
for line in "${STAGES[@]}"; do
    case "$line" in NOT-PRESENT*) notrun=$((notrun + 1)) ;; esac
done
if [ "$notrun" -gt 0 ]; then
    printf '\ntest.sh: OK, but %s stage(s) NOT PRESENT YET and not run\n' "$notrun"
else
    printf '\ntest.sh: OK, all stages green\n'
fi
