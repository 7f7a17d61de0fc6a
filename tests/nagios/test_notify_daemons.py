"""The shipped notification commands run by the real daemons: a service goes CRITICAL, an SMS lands.

Icinga 2 runs ``nagios/icinga2/gosms.conf`` unchanged (its NotificationCommands and Notification
templates), Nagios Core 4 runs ``nagios/commands.cfg`` unchanged with a contact whose pager is a
number.  Both execute ``notify_gosms`` as the single file under ``/usr/bin/python3`` from their
plugin directory, and the SMS is read back from the emulator: PROBLEM when the service turns
CRITICAL, RECOVERY when it is OK again.  Neither may be skipped: the set-up installs both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from daemon_support import ICINGA2, ICINGA_CONF, NAGIOS4, NAGIOS_COMMANDS, TIMEPERIOD_24X7, Daemon, Flip, wait_until
from nagios_support import SECRET

from gosms.emulator import Emulator

HOST = "web01"
SERVICE = "HTTP"
PAGER = "79991234567"
CRITICAL_OUTPUT = "HTTP CRITICAL - 500 🔥 Internal Server Error ~ retry"
PROBLEM_TEXT = "HTTP CRITICAL - 500 (fire) Internal Server Error"
"""The output as the SMS carries it: the emoji spelled out, so GoSMS accepts it."""
OK_OUTPUT = "HTTP OK - 200 in 0.02 s"
TIME = r"\[[0-9][0-9:./ -]+\]"
STOCK_OBJECTS = Path("/etc/nagios4/objects")
"""The package's templates, time periods, contacts and e-mail commands, which the sample builds on."""


def plugin_dir(root: Path, single_files: Path) -> Path:
    """The daemon's plugin folder: notify_gosms installed as the single file, as the README says."""
    folder = root / "plugins"
    folder.mkdir(parents=True)
    shutil.copy2(single_files / "notify_gosms.pyz", folder / "notify_gosms")
    return folder


def sms_texts(emu: Emulator) -> list[str]:
    return [m["message"] for m in emu.messages() if m["phone_number"] == PAGER]


def expect_problem_then_recovery(daemon: Daemon, flip: Flip, emu: Emulator, logs: list[Path],
                                 problem: str, recovery: str) -> None:
    flip.set(2, CRITICAL_OUTPUT)
    wait_until(lambda: len(sms_texts(emu)) >= 1, daemon, "PROBLEM SMS", logs=logs)
    [first] = sms_texts(emu)
    assert re.fullmatch(problem + " " + TIME, first), first
    flip.set(0, OK_OUTPUT)
    wait_until(lambda: len(sms_texts(emu)) >= 2, daemon, "RECOVERY SMS", logs=logs)
    second = sms_texts(emu)[1]
    assert re.fullmatch(recovery + " " + TIME, second), second
    time.sleep(2)  # a notification sent twice would have arrived by now
    assert len(sms_texts(emu)) == 2, sms_texts(emu)


# -- Icinga 2 ---------------------------------------------------------------------------------------------


def icinga_config(root: Path, plugins: Path, flip: Flip, emu: Emulator) -> str:
    return f"""
const PluginDir = "{plugins}"

include "{ICINGA_CONF}"

object CheckerComponent "checker" {{ }}
object NotificationComponent "notification" {{ }}

object FileLogger "debug-file" {{
  path = "{root / 'log' / 'debug.log'}"
  severity = "debug"
}}

object CheckCommand "flip" {{
  command = [ "{flip.plugin}" ]
}}

object Host "{HOST}" {{
  check_command = "dummy"
  enable_active_checks = false
}}

object CheckCommand "dummy" {{
  command = [ "/bin/true" ]
}}

object Service "{SERVICE}" {{
  host_name = "{HOST}"
  check_command = "flip"
  check_interval = 1s
  retry_interval = 1s
  max_check_attempts = 1
}}

object User "oncall" {{
  pager = "+7 (999) 123-45-67"
}}

apply Notification "sms" to Service {{
  import "gosms-service-notification"
  users = [ "oncall" ]
  interval = 0
  vars.gosms_token = "{SECRET}"
  vars.gosms_api_url = "{emu.url}"
  vars.gosms_outbox = "{root / 'outbox'}"
  assign where service.name == "{SERVICE}"
}}
"""


@pytest.fixture
def icinga(tmp_path: Path, emu: Emulator, single_files: Path) -> Iterator[tuple[Daemon, Flip, list[Path]]]:
    assert Path(ICINGA2).exists(), "icinga2 is not installed: run scripts/setup.sh --icinga"
    root = tmp_path / "icinga2"
    for name in ("etc", "log", "cache", "data", "run", "spool"):
        (root / name).mkdir(parents=True)
    flip = Flip(root / "flip")
    config = root / "etc" / "icinga2.conf"
    config.write_text(icinga_config(root, plugin_dir(root, single_files), flip, emu))
    constants = {
        "LogDir": root / "log", "CacheDir": root / "cache", "DataDir": root / "data", "InitRunDir": root / "run",
        "SpoolDir": root / "spool", "StatePath": root / "data" / "icinga2.state",
        "ObjectsPath": root / "cache" / "icinga2.debug", "VarsPath": root / "cache" / "icinga2.vars",
        "PidPath": root / "run" / "icinga2.pid", "ModAttrPath": root / "data" / "modified-attributes.conf",
        "RunAsUser": "root", "RunAsGroup": "root",
    }
    defines = [f"-D{name}={value}" for name, value in constants.items()]
    daemon = Daemon([ICINGA2, "daemon", "-c", str(config), *defines, "-x", "notice"], root / "log" / "console.log")
    daemon.start()
    yield daemon, flip, [root / "log" / "debug.log"]
    daemon.stop()


def test_icinga2_sends_problem_and_recovery_by_sms(icinga: tuple[Daemon, Flip, list[Path]], emu: Emulator) -> None:
    daemon, flip, logs = icinga
    ran = f"Running command '{flip.plugin}'"
    wait_until(lambda: logs[0].exists() and ran in logs[0].read_text(errors="replace"), daemon, "the first check",
               logs=logs)
    expect_problem_then_recovery(
        daemon, flip, emu, logs,
        problem=re.escape(f"PROBLEM: {HOST}/{SERVICE} is CRITICAL: {PROBLEM_TEXT} - retry"),
        recovery=re.escape(f"RECOVERY: {HOST}/{SERVICE} is OK: {OK_OUTPUT}"))
    debug = logs[0].read_text(errors="replace")
    assert "notify_gosms" in debug, "the shipped NotificationCommand ran"
    assert SECRET not in debug, "the token travels in the environment, not on the logged command line"


# -- Nagios Core 4 ------------------------------------------------------------------------------------------


def nagios_config(root: Path, plugins: Path, flip: Flip, emu: Emulator) -> str:
    """nagios.cfg: every file under ``root``, one-second interval unit, the shipped commands.cfg."""
    token_file = root / "gosms.token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o600)
    (root / "objects.cfg").write_text(f"""
{TIMEPERIOD_24X7}define command {{
    command_name    check_flip
    command_line    {flip.plugin}
}}
define contact {{
    contact_name                    oncall-sms
    pager                           {PAGER}
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       d,u,r
    service_notification_options    w,u,c,r
    host_notification_commands      notify-host-by-gosms
    service_notification_commands   notify-service-by-gosms
    _GOSMS_TOKEN_FILE               {token_file}
}}
define host {{
    host_name               {HOST}
    address                 127.0.0.1
    max_check_attempts      1
    check_period            24x7
    active_checks_enabled   0
    contacts                oncall-sms
    notification_interval   0
    notification_period     24x7
}}
define service {{
    host_name               {HOST}
    service_description     {SERVICE}
    check_command           check_flip
    check_interval          1
    retry_interval          1
    max_check_attempts      1
    check_period            24x7
    contacts                oncall-sms
    notification_interval   0
    notification_period     24x7
}}
""")
    return nagios_cfg(root, [NAGIOS_COMMANDS, root / "objects.cfg"])


def nagios_cfg(root: Path, cfg_files: Sequence[Path]) -> str:
    """nagios.cfg: these object files, every file Nagios writes under ``root``, one-second interval unit.

    ``illegal_macro_output_chars`` as the stock nagios.cfg sets it (commands.cfg relies on it), and a
    query socket of its own, so daemons of parallel test runs do not meet.
    """
    (root / "checkresults").mkdir(exist_ok=True)
    (root / "resource.cfg").write_text(f"$USER1$={root / 'plugins'}\n")
    lines = [f"cfg_file={path}" for path in cfg_files] + [
        f"resource_file={root / 'resource.cfg'}", f"log_file={root / 'nagios.log'}",
        f"status_file={root / 'status.dat'}", f"lock_file={root / 'nagios.lock'}",
        f"object_cache_file={root / 'objects.cache'}", f"precached_object_file={root / 'objects.precache'}",
        f"state_retention_file={root / 'retention.dat'}", "retain_state_information=0",
        f"temp_file={root / 'nagios.tmp'}", f"temp_path={root}", f"check_result_path={root / 'checkresults'}",
        f"command_file={root / 'nagios.cmd'}", f"query_socket={root / 'nagios.qh'}", "check_external_commands=0",
        "nagios_user=root", "nagios_group=root", "interval_length=1", "status_update_interval=1",
        "service_inter_check_delay_method=n", "max_service_check_spread=1", "check_result_reaper_frequency=1",
        "enable_notifications=1", "execute_service_checks=1", "enable_environment_macros=0", "log_notifications=1",
        "notification_timeout=30", "use_syslog=0", "illegal_macro_output_chars=`~$&|'\"<>",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def nagios(tmp_path: Path, emu: Emulator, single_files: Path) -> Iterator[tuple[Daemon, Flip, list[Path]]]:
    assert Path(NAGIOS4).exists(), "nagios4 is not installed: run scripts/setup.sh --icinga (nagios4-core)"
    root = tmp_path / "nagios4"
    root.mkdir()
    flip = Flip(root / "flip")
    config = root / "nagios.cfg"
    config.write_text(nagios_config(root, plugin_dir(root, single_files), flip, emu))
    # The API address and the outbox reach notify_gosms through the environment Nagios passes on.
    env = {"GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(root / "outbox")}
    daemon = Daemon([NAGIOS4, str(config)], root / "console.log", env)
    daemon.start()
    yield daemon, flip, [root / "nagios.log"]
    daemon.stop()


def test_nagios4_sends_problem_and_recovery_by_sms(nagios: tuple[Daemon, Flip, list[Path]], emu: Emulator) -> None:
    daemon, flip, logs = nagios
    expect_problem_then_recovery(
        daemon, flip, emu, logs,
        # Nagios itself drops ~ from plugin output (illegal_macro_output_chars, as the stock nagios.cfg sets)
        problem=re.escape(f"PROBLEM: {HOST}/{SERVICE} is CRITICAL: {PROBLEM_TEXT} retry"),
        recovery=re.escape(f"RECOVERY: {HOST}/{SERVICE} is OK: {OK_OUTPUT}"))
    log = logs[0].read_text(errors="replace")
    assert "SERVICE NOTIFICATION: oncall-sms;web01;HTTP;CRITICAL;notify-service-by-gosms" in log, log[-2000:]
    assert SECRET not in log


def test_nagios4_accepts_the_sample_with_its_dependency_and_contact(tmp_path: Path) -> None:
    """The shipped sample (services, servicedependency, SMS contact) and commands.cfg pass Nagios' own check."""
    assert Path(NAGIOS4).exists(), "nagios4 is not installed: run scripts/setup.sh --icinga (nagios4-core)"
    sample = tmp_path / "gosms.cfg"
    shutil.copy(NAGIOS_COMMANDS.parent / "gosms-service.cfg.sample", sample)
    stock = [STOCK_OBJECTS / name for name in ("templates.cfg", "timeperiods.cfg", "commands.cfg", "contacts.cfg")]
    config = tmp_path / "nagios.cfg"
    config.write_text(nagios_cfg(tmp_path, [*stock, NAGIOS_COMMANDS, sample]))
    done = subprocess.run([NAGIOS4, "-v", str(config)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Total Errors:   0" in done.stdout
    assert "Checked 2 service dependencies" in done.stdout, "quota and phone each wait for the account"
    assert "oncall-sms" in sample.read_text()


def service_status(status_file: Path) -> dict[str, dict[str, str]]:
    """Nagios' status.dat: every service's status block, by service description."""
    services: dict[str, dict[str, str]] = {}
    text = status_file.read_text(errors="replace") if status_file.exists() else ""
    for block in re.findall(r"servicestatus \{\n(.*?)\n\s*\}", text, re.S):
        fields = dict(line.strip().split("=", 1) for line in block.splitlines() if "=" in line)
        services[fields["service_description"]] = fields
    return services


def test_nagios4_sample_sends_one_problem_for_a_blocked_account(tmp_path: Path, emu: Emulator,
                                                                single_files: Path) -> None:
    """The shipped sample under Nagios: the account, quota and phone services all fail, one notification goes out."""
    assert Path(NAGIOS4).exists(), "nagios4 is not installed: run scripts/setup.sh --icinga (nagios4-core)"
    root = tmp_path / "nagios4"
    root.mkdir()
    plugins = plugin_dir(root, single_files)
    shutil.copy2(single_files / "check_gosms.pyz", plugins / "check_gosms")
    token_file = root / "gosms.token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o640)
    # The sample as an operator adapts it: the token file, the phone, the contact on each service.
    sample = (NAGIOS_COMMANDS.parent / "gosms-service.cfg.sample").read_text()
    contact = "    _GOSMS_TOKEN_FILE       /etc/nagios/gosms.token\n"
    sample = sample.replace(contact + "}", contact + "    contacts                oncall-sms\n}")
    sample = sample.replace("/etc/nagios/gosms.token", str(token_file))
    sample = sample.replace("3f0c2b9e-5d4a-4c1e-9b7a-2f6d8e1a4c55", emu.device_id)
    # account, quota, phone and delivery, undelivered alerts (the last reads the outbox on disk only)
    assert sample.count("contacts                oncall-sms") == 4
    (root / "gosms.cfg").write_text(sample)
    stock = [STOCK_OBJECTS / name for name in ("templates.cfg", "timeperiods.cfg", "commands.cfg", "contacts.cfg")]
    config = root / "nagios.cfg"
    config.write_text(nagios_cfg(root, [*stock, NAGIOS_COMMANDS, root / "gosms.cfg"]))
    env = {"GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(root / "outbox"), "XDG_CACHE_HOME": str(root / "cache"),
           "GOSMS_RUNTIME_DIR": str(root / "run")}
    daemon = Daemon([NAGIOS4, str(config)], root / "console.log", env)
    logs = [root / "nagios.log"]
    names = ("GoSMS account", "GoSMS quota", "GoSMS phone and delivery")
    daemon.start()
    try:
        def all_in(state: str, hard: bool) -> bool:
            status = service_status(root / "status.dat")
            return all(name in status and status[name]["has_been_checked"] == "1"
                       and (status[name]["current_state"] == "0") == (state == "OK")
                       and (not hard or status[name]["state_type"] == "1") for name in names)

        wait_until(lambda: all_in("OK", hard=False), daemon, "three OK services", logs=logs)
        emu.set_scenario(account_blocked=True)
        wait_until(lambda: all_in("problem", hard=True), daemon, "three HARD problems", logs=logs)

        def notified_or_held_back() -> bool:
            # every dependent checked again after its first_notification_delay: Nagios decided by then
            status = service_status(root / "status.dat")
            return all(int(status[name]["last_check"]) >= int(status[name]["last_hard_state_change"]) + 6
                       for name in names[1:])

        wait_until(notified_or_held_back, daemon, "the dependents' delayed notifications", logs=logs)
    finally:
        daemon.stop()
    log = logs[0].read_text(errors="replace")
    notified = [line for line in log.splitlines() if "SERVICE NOTIFICATION: oncall-sms;" in line]
    assert len(notified) == 1, "\n".join(notified)
    assert "oncall-sms;gosms;GoSMS account;CRITICAL;notify-service-by-gosms;GOSMS CRITICAL - API: GoSMS error 3000" \
        in notified[0]
    # A blocked account cannot text its own block: the command says so in the daemon's log (exit 1)
    assert "notify_gosms: NOT sent to 79991234567: GoSMS error 3000" in log
    assert not sms_texts(emu)
