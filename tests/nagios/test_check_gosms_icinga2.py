"""A real Icinga 2 daemon runs the shipped CheckCommand and drop-in against the emulator.

The daemon runs in the foreground from a configuration in a temporary folder (every path it writes
is moved there with ``-D`` constants) that includes ``nagios/icinga2/gosms.conf`` unchanged and sets
``PluginDir`` to ``nagios/``, so it executes the shipped ``nagios/check_gosms`` through its own
``#!/usr/bin/env python3`` line (the test venv is first on the daemon's PATH).  The states are read
from what Icinga itself recorded:

- a PerfdataWriter whose service template writes Icinga's own view of every check result (state id,
  state, state type, output, parsed perfdata), rotated every second;
- the state file Icinga writes on shutdown (the service's last check result);
- its debug log (the command line it ran, which must not carry the token).

Icinga 2 must be installed (``scripts/setup.sh --icinga``): the test fails, not skips, without it.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from daemon_support import ICINGA2, stop_group
from nagios_support import REPO, SECRET, VENV_BIN, send_messages

from gosms.emulator import Emulator
from gosms.wire.errors import TABLE

COMMAND_CONF = REPO / "nagios" / "icinga2" / "gosms.conf"
PLUGIN_DIR = REPO / "nagios"
HOST = "gosms-gateway"
SERVICE = "gosms"
MARK = "GOSMS_RESULT"
FIELDS = ("last_check", "state_id", "state", "state_type", "output", "perfdata")


@dataclass
class CheckResult:
    last_check: float
    state_id: int
    state: str
    state_type: str
    output: str
    perfdata: str


class Icinga:
    """One foreground ``icinga2 daemon`` with all its files under ``root``."""

    def __init__(self, root: Path, emu: Emulator, device_id: str) -> None:
        self.root = root
        for name in ("etc", "log", "cache", "data", "run", "spool", "perfdata"):
            (root / name).mkdir(parents=True, exist_ok=True)
        self.config = root / "etc" / "icinga2.conf"
        self.perfdata = root / "perfdata"
        self.debug_log = root / "log" / "debug.log"
        self.console_log = root / "log" / "console.log"
        self.state_path = root / "data" / "icinga2.state"
        self.proc: subprocess.Popen[bytes] | None = None
        self.config.write_text(self._config(emu, device_id))

    @property
    def defines(self) -> list[str]:
        r = self.root
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        constants = {
            "LogDir": r / "log", "CacheDir": r / "cache", "DataDir": r / "data", "InitRunDir": r / "run",
            "SpoolDir": r / "spool", "StatePath": self.state_path, "ObjectsPath": r / "cache" / "icinga2.debug",
            "VarsPath": r / "cache" / "icinga2.vars", "PidPath": r / "run" / "icinga2.pid",
            "ModAttrPath": r / "data" / "modified-attributes.conf", "RunAsUser": user, "RunAsGroup": group,
        }
        return [f"-D{name}={value}" for name, value in constants.items()]

    def _config(self, emu: Emulator, device_id: str) -> str:
        template = "\\t".join([MARK] + [f"$service.{field}$" for field in FIELDS])
        return f"""
const PluginDir = "{PLUGIN_DIR}"

include "{COMMAND_CONF}"

object CheckerComponent "checker" {{ }}

object FileLogger "debug-file" {{
  path = "{self.debug_log}"
  severity = "debug"
}}

object PerfdataWriter "gosms-results" {{
  service_perfdata_path = "{self.perfdata}/service-perfdata"
  service_temp_path = "{self.perfdata}/service-perfdata.tmp"
  host_perfdata_path = "{self.perfdata}/host-perfdata"
  host_temp_path = "{self.perfdata}/host-perfdata.tmp"
  service_format_template = "{template}"
  rotation_interval = 1s
}}

object Host "{HOST}" {{
  check_command = "gosms"
  enable_active_checks = false
}}

object Service "{SERVICE}" {{
  host_name = "{HOST}"
  check_command = "gosms"
  check_interval = 1s
  retry_interval = 1s
  max_check_attempts = 1

  vars.gosms_api_url = "{emu.url}"
  vars.gosms_token = "{SECRET}"
  vars.gosms_quota = 100
  vars.gosms_state_file = "{self.root / 'gosms-usage.json'}"
  vars.gosms_devices = [ "{device_id}" ]
  vars.gosms_delivery_window = 10
  vars.gosms_timeout = 5
}}
"""

    def validate(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ICINGA2, "daemon", "-C", "-c", str(self.config), *self.defines],
                              capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}")
        env.pop("GOSMS_TOKEN", None)
        with self.console_log.open("wb") as out:
            self.proc = subprocess.Popen(
                [ICINGA2, "daemon", "-c", str(self.config), *self.defines, "-x", "notice"],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def stop(self) -> None:
        """TERM the daemon's whole process group (umbrella, worker, spawn helper) and wait for all of it."""
        if self.proc is None:
            return
        stop_group(self.proc)
        self.proc = None

    def results(self) -> list[CheckResult]:
        """Every service check result Icinga recorded so far, oldest first."""
        out = []
        for path in sorted(self.perfdata.glob("service-perfdata*")):
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split("\t")
                if parts[0] != MARK or len(parts) != len(FIELDS) + 1:
                    continue
                values = dict(zip(FIELDS, parts[1:]))
                out.append(CheckResult(float(values["last_check"]), int(float(values["state_id"])),
                                       values["state"], values["state_type"], values["output"], values["perfdata"]))
        return sorted(out, key=lambda result: result.last_check)

    def wait_for(self, state_id: int, text: str, after: float, timeout: float = 60) -> CheckResult:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"icinga2 exited with {self.proc.returncode}:\n{self.tail()}")
            for result in self.results():
                if result.last_check >= after and result.state_id == state_id and text in result.output:
                    return result
            time.sleep(0.3)
        seen = "\n".join(f"{r.state} {r.output}" for r in self.results()[-5:])
        raise AssertionError(f"Icinga recorded no state {state_id} with {text!r} in {timeout}s; last:\n{seen}\n"
                             f"{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        text = ""
        for path in (self.console_log, self.debug_log):
            if path.exists():
                text += f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def saved_service_state(self) -> dict[str, object]:
        """The service's last check result from the state file Icinga writes on shutdown."""
        for item in _netstrings(self.state_path.read_bytes()):
            if item.get("type") == "Service" and item.get("name") == f"{HOST}!{SERVICE}":
                result = item["update"]["last_check_result"]
                assert isinstance(result, dict)
                return result
        raise AssertionError(f"no {HOST}!{SERVICE} in {self.state_path}")


def _netstrings(data: bytes) -> Iterator[dict[str, Any]]:
    """Icinga's state file: JSON objects as netstrings (``LENGTH:PAYLOAD,``), one after the other."""
    position = 0
    while position < len(data):
        colon = data.index(b":", position)
        length = int(data[position:colon])
        payload = data[colon + 1:colon + 1 + length]
        position = colon + 1 + length + 1
        item = json.loads(payload)
        if isinstance(item, dict):
            yield item


@pytest.fixture
def icinga(tmp_path: Path, emu: Emulator) -> Iterator[Icinga]:
    assert Path(ICINGA2).exists(), (
        "icinga2 is not installed: run scripts/setup.sh --icinga (apt-get install icinga2); "
        "this test must not be skipped")
    daemon = Icinga(tmp_path / "icinga2", emu, emu.device_id)
    yield daemon
    daemon.stop()


def test_icinga2_daemon_records_ok_then_account_blocked_then_recovery(icinga: Icinga, emu: Emulator) -> None:
    send_messages(emu, 4)
    emu.set_scenario(rate_limit=10)

    validated = icinga.validate()
    assert validated.returncode == 0, validated.stdout + validated.stderr

    started = time.time()
    icinga.start()
    ok = icinga.wait_for(0, "GOSMS OK - API: answered in", after=started)
    assert ok.state == "OK" and ok.state_type == "HARD", ok
    assert "4.0 % used this month, 4 of 100 SMS" in ok.output
    for label in ("api_time=", "quota_pct=4.0%;80;;0;100", f"battery_{emu.device_id}=87%;20:;;0;100",
                  "delivery_failed=0.0%;20;50;0;100"):
        assert label in ok.perfdata, f"Icinga did not parse {label!r} from: {ok.perfdata}"

    flipped = time.time()
    emu.set_scenario(account_blocked=True)
    blocked = icinga.wait_for(2, "GoSMS error 3000", after=flipped)
    assert blocked.state == "CRITICAL" and blocked.state_type == "HARD", blocked
    assert blocked.output.startswith(f"GOSMS CRITICAL - API: GoSMS error 3000: {TABLE[3000].description}")
    assert f"Fix: {TABLE[3000].remedy}" in blocked.output

    recovered_at = time.time()
    emu.set_scenario(account_blocked=False)
    icinga.wait_for(0, "GOSMS OK", after=recovered_at)

    icinga.stop()
    saved = icinga.saved_service_state()
    assert saved["state"] == 0 and str(saved["output"]).startswith("GOSMS OK - "), saved

    debug = icinga.debug_log.read_text(errors="replace")
    assert f"Running command '{PLUGIN_DIR / 'check_gosms'}'" in debug, "the shipped drop-in ran"
    # The token is in the configuration (where the operator keeps it) and in Icinga's compiled copy
    # of that configuration; nowhere else: not in results, logs, the command line or the state.
    holders = {icinga.config, icinga.root / "cache" / "icinga2.debug"}
    leaks = [path for path in icinga.root.rglob("*")
             if path.is_file() and path not in holders and SECRET in path.read_text(errors="replace")]
    assert not leaks, f"the token leaked into {leaks}"
