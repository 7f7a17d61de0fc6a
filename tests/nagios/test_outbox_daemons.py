"""``check_gosms --outbox`` under the real daemons: both phones die, an alert reaches no handset, the
service goes CRITICAL naming the number; with one phone left, the alert goes out through it.

Icinga 2 runs the shipped CheckCommand (``nagios/icinga2/gosms.conf``) with ``vars.gosms_outbox``;
Nagios Core 4 runs the shipped ``check_gosms`` command (``nagios/commands.cfg``) as the single file.
The alerts are sent by ``gosms send --via A --via B --wait`` against the emulator's phones, with a
delivery window of a second so each takes seconds.  Neither daemon may be skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from daemon_support import ICINGA2, NAGIOS4, NAGIOS_COMMANDS, TIMEPERIOD_24X7, Daemon, wait_until
from nagios_support import SECRET
from test_check_gosms_icinga2 import Icinga
from test_notify_daemons import nagios_cfg, service_status

from gosms.emulator import Emulator

NUMBER = "79995550101"
TEXT = "PROBLEM: db1/disk is CRITICAL: / at 99 %"


def send_routed(emu: Emulator, outbox: Path, number: str) -> subprocess.CompletedProcess[str]:
    a, b = emu.phones
    gosms = Path(sys.executable).with_name("gosms")
    env = dict(os.environ, GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url, GOSMS_OUTBOX=str(outbox))
    return subprocess.run([str(gosms), "send", "--to", number, "--message", TEXT, "--via", a, "--via", b,
                           "--deliver-within", "1", "--wait", "--wait-interval", "0.3"],
                          env=env, capture_output=True, text=True, timeout=120)


def two_phones(emu: Emulator) -> None:
    emu.add_device(name="Phone B")
    emu.set_scenario(delete_after=0)


def test_icinga2_service_goes_critical_when_both_phones_are_dead(tmp_path: Path, emu: Emulator) -> None:
    assert Path(ICINGA2).exists(), "icinga2 is not installed: run scripts/setup.sh --icinga"
    two_phones(emu)
    outbox = tmp_path / "outbox"
    icinga = Icinga(tmp_path / "icinga2", emu, emu.device_id)
    config = icinga.config.read_text()
    icinga.config.write_text(config.replace("vars.gosms_timeout = 5",
                                            f'vars.gosms_timeout = 5\n  vars.gosms_outbox = "{outbox}"'))
    assert icinga.validate().returncode == 0
    try:
        delivered = send_routed(emu, outbox, "79995550100")  # both phones fine: delivered through A
        assert delivered.returncode == 0, delivered.stderr
        started = time.time()
        icinga.start()
        ok = icinga.wait_for(0, "GOSMS OK", after=started)
        assert "outbox_undelivered=0" in ok.perfdata and "outbox_delivered=1" in ok.perfdata, ok.perfdata
        died = time.time()
        for phone in emu.phones:
            emu.set_phone(phone, "offline")
        lost = send_routed(emu, outbox, NUMBER)
        assert lost.returncode == 1 and f"NOT delivered to {NUMBER}" in lost.stderr, lost.stderr
        critical = icinga.wait_for(2, "reached no handset", after=died)
        assert critical.state == "CRITICAL" and critical.state_type == "HARD"
        assert NUMBER in critical.output and "PROBLEM: db1/disk is CRITICAL" in critical.output
        assert "outbox_undelivered=1" in critical.perfdata
    finally:
        icinga.stop()


def test_nagios4_service_goes_critical_and_the_second_phone_carries_the_alert(tmp_path: Path, emu: Emulator,
                                                                             single_files: Path) -> None:
    assert Path(NAGIOS4).exists(), "nagios4 is not installed: run scripts/setup.sh --icinga (nagios4-core)"
    two_phones(emu)
    root = tmp_path / "nagios4"
    (root / "plugins").mkdir(parents=True)
    shutil.copy2(single_files / "check_gosms.pyz", root / "plugins" / "check_gosms")
    token_file = root / "gosms.token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o640)  # a token file others may read is refused (root:nagios 0640 is the usual set-up)
    outbox = tmp_path / "outbox"
    (root / "objects.cfg").write_text(f"""
{TIMEPERIOD_24X7}define contact {{
    contact_name                    nobody
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify-host-by-gosms
    service_notification_commands   notify-service-by-gosms
}}
define host {{
    host_name               gosms
    contacts                nobody
    address                 127.0.0.1
    max_check_attempts      1
    check_period            24x7
    active_checks_enabled   0
}}
define service {{
    host_name               gosms
    service_description     GoSMS undelivered alerts
    check_command           check_gosms!--outbox {outbox}
    check_interval          1
    retry_interval          1
    max_check_attempts      1
    check_period            24x7
    notifications_enabled   0
    contacts                nobody
    _GOSMS_TOKEN_FILE       {token_file}
}}
""")
    config = root / "nagios.cfg"
    config.write_text(nagios_cfg(root, [NAGIOS_COMMANDS, root / "objects.cfg"]))
    daemon = Daemon([NAGIOS4, str(config)], root / "console.log",
                    {"GOSMS_API_URL": emu.url, "GOSMS_RUNTIME_DIR": str(root / "run")})
    logs = [root / "nagios.log"]
    name = "GoSMS undelivered alerts"

    def state(code: str, text: str) -> bool:
        status = service_status(root / "status.dat").get(name, {})
        return status.get("current_state") == code and text in status.get("plugin_output", "")

    a, b = emu.phones
    daemon.start()
    try:
        emu.set_phone(a, "offline")  # the first phone dies: the alert goes out through the second
        carried = send_routed(emu, outbox, "79995550102")
        assert carried.returncode == 0, carried.stderr
        assert f"delivered to 79995550102 through {b}" in carried.stdout
        wait_until(lambda: state("0", "GOSMS OK"), daemon, "an OK outbox service", logs=logs)
        emu.set_phone(b, "offline")  # now both are dead
        lost = send_routed(emu, outbox, NUMBER)
        assert lost.returncode == 1, lost.stderr
        wait_until(lambda: state("2", "reached no handset"), daemon, "a CRITICAL outbox service", logs=logs)
        output = service_status(root / "status.dat")[name]["plugin_output"]  # gone once Nagios stops
    finally:
        daemon.stop()
    assert NUMBER in output and re.search(r"at \d{4}-\d\d-\d\d \d\d:\d\d UTC", output), output
    assert [c["phone_number"] for c in emu.deliveries()] == ["79995550102"]
