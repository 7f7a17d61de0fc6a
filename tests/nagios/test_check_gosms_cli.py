"""UNKNOWN (3) for everything that is not a measurement, output format, and the token kept out of sight."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from nagios_support import (
    DROP_IN,
    SECRET,
    VENV39_PYTHON,
    Checker,
    assert_no_secret,
    send_messages,
    trickling_server,
)

from gosms.emulator import Emulator
from gosms.wire.config import ENV_TOKEN


@pytest.mark.parametrize("args", [
    pytest.param(["--bogus"], id="unknown-option"),
    pytest.param(["-w", "abc", "--quota", "10"], id="bad-range"),
    pytest.param(["--quota", "0"], id="quota-zero"),
    pytest.param(["--device", "not-a-device-id"], id="bad-device-id"),
    pytest.param(["-t", "0"], id="timeout-zero"),
    pytest.param(["--battery-warning", "101"], id="battery-over-100"),
    pytest.param(["--offline-warning", "900", "--offline-critical", "600"], id="offline-critical-below-warning"),
    pytest.param(["extra-positional"], id="positional"),
])
def test_bad_arguments_are_unknown_not_2(check: Checker, emu: Emulator, args: list[str]) -> None:
    run = check.run(*args, api_url=emu.url)
    assert run.returncode == 3, run
    assert run.status.startswith("GOSMS UNKNOWN - invalid arguments: "), run
    assert "usage: check_gosms" in run.stdout
    assert run.stderr == ""


def test_bad_device_id_quotes_the_core_table(console: Checker) -> None:
    from gosms.wire.errors import TABLE

    run = console.run("--device", "xyz")
    assert run.returncode == 3
    assert TABLE[2005].description in run.status


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_unknown_and_lists_every_option(check: Checker, flag: str) -> None:
    run = check.run(flag)
    assert run.returncode == 3, run
    for option in ("--api-url", "--token-file", "--timeout", "--verbose", "--version", "--quota", "--warning",
                   "--critical", "--state-file", "--device", "--offline-warning", "--offline-critical",
                   "--battery-warning", "--battery-critical", "--delivery-window", "--delivery-warning",
                   "--delivery-critical", "GOSMS_TOKEN"):
        assert option in run.stdout, option
    assert "--token " not in run.stdout and "--token\n" not in run.stdout, "the refusing --token stays hidden"


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_unknown(check: Checker, flag: str) -> None:
    import gosms

    run = check.run(flag)
    assert run.returncode == 3, run
    assert run.stdout == f"check_gosms {gosms.__version__} (gosms-ops)\n"


def test_missing_token_is_unknown(check: Checker, emu: Emulator) -> None:
    run = check.run(api_url=emu.url, token=None)
    assert run.returncode == 3, run
    assert run.status.startswith("GOSMS UNKNOWN - No GoSMS token"), run
    assert not emu.requests(), "nothing is asked without a token"


def test_token_file(check: Checker, emu: Emulator) -> None:
    token_file = check.home / "token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o600)
    run = check.run(f"--token-file={token_file}", api_url=emu.url, token=None)
    assert run.returncode == 0, run

    run = check.run(f"--token-file={check.home / 'missing'}", api_url=emu.url, token=None)
    assert run.returncode == 3, run
    assert "Cannot read the token file" in run.status


def test_token_file_from_environment(console: Checker, emu: Emulator) -> None:
    token_file = console.home / "token"
    token_file.write_text(SECRET)
    token_file.chmod(0o600)
    run = console.run(api_url=emu.url, token=None, env={"GOSMS_TOKEN_FILE": str(token_file)})
    assert run.returncode == 0, run


def test_api_url_from_environment_and_unsafe_http(console: Checker, emu: Emulator) -> None:
    run = console.run(env={"GOSMS_API_URL": emu.url})
    assert run.returncode == 0, run
    run = console.run(api_url="http://gosms.example.org/v1")
    assert run.returncode == 3, run
    assert "Refusing plain http" in run.status


def test_token_on_the_command_line_is_refused_without_echoing_it(check: Checker, emu: Emulator) -> None:
    for args in (["--token", SECRET], [f"--token={SECRET}"]):
        run = check.run(*args, api_url=emu.url, token=None)
        assert run.returncode == 3, run
        assert "never given on the command line" in run.status
        assert_no_secret(run.stdout, run.stderr)
    assert not emu.requests()


def test_plugin_timeout_is_unknown(check: Checker) -> None:
    with trickling_server() as url:
        run = check.run("-t", "2", api_url=url)
    assert run.returncode == 3, run
    # The status says the plugin's own timeout ended it; a hang would end in the runner's timeout
    # instead. No clock is read: on a busy machine a process may take seconds to start.
    assert run.status.startswith("GOSMS UNKNOWN - plugin timeout: the check did not finish within 2 s"), run


def test_token_never_in_output_at_any_verbosity(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 3)
    args = ["--quota", "10", "--device", emu.device_id, "--delivery-window", "5"]
    outputs = []
    for verbosity in ([], ["-v"], ["-vv"], ["-vvv"]):
        outputs.append(console.run(*args, *verbosity, api_url=emu.url))
    emu.set_scenario(account_blocked=True)
    outputs.append(console.run(*args, "-vvv", api_url=emu.url))
    emu.set_scenario(account_blocked=False, tokens={SECRET: {"deleted": True}})
    outputs.append(console.run(*args, "-vvv", api_url=emu.url))
    for run in outputs:
        assert_no_secret(run.stdout, run.stderr)
    assert "GET http://127.0.0.1" in outputs[3].stdout, "-vvv shows the requests"


def test_token_not_in_argv_or_state_file_name(console: Checker, emu: Emulator) -> None:
    emu.add_fault("slow", count=1, seconds=1.5)
    proc = console.spawn("--quota", "10", api_url=emu.url)
    try:
        time.sleep(0.8)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        environ_names = [item.split("=", 1)[0] for item in
                         Path(f"/proc/{proc.pid}/environ").read_bytes().decode().split("\0")]
    finally:
        out, err = proc.communicate(timeout=30)
    assert SECRET not in cmdline
    assert ENV_TOKEN in environ_names, "the token travels in the environment"
    assert proc.returncode == 0, out + err
    for path in (console.home / "cache").rglob("*"):
        assert SECRET not in str(path)
        if path.is_file():
            assert SECRET not in path.read_text()


def test_verbose_lines_follow_the_status_line(console: Checker, emu: Emulator) -> None:
    run = console.run("--device", emu.device_id, "-v", api_url=emu.url)
    assert run.returncode == 0, run
    lines = run.lines
    assert lines[0].startswith("GOSMS OK - ") and "|" not in lines[0]
    assert lines[1].startswith("OK: API: answered in ")
    assert lines[-1].startswith("| ") and "api_time=" in lines[-1], "perfdata on the last line with -v"


def test_verbose_lines_never_call_a_failing_api_ok(console: Checker, emu: Emulator) -> None:
    emu.set_scenario(account_blocked=True)
    run = console.run("-v", api_url=emu.url)
    assert run.returncode == 2, run
    assert not [line for line in run.lines if line.startswith("OK: API")], run.lines
    assert "api_time=" in run.lines[-1], "the response time stays in the performance data"


def test_utf8_server_text_survives_a_latin1_locale(console: Checker, emu: Emulator) -> None:
    emu.set_scenario(account_blocked=True)
    run = console.run("-v", api_url=emu.url, env={"LANG": "en_US.ISO-8859-1", "LC_ALL": "C",
                                                   "PYTHONIOENCODING": "latin-1"})
    assert run.returncode == 2, run
    assert "Traceback" not in run.stdout + run.stderr


def test_drop_in_without_gosms_ops_is_a_clear_unknown(tmp_path: Path) -> None:
    """Under a Python that lacks gosms-ops (a bare interpreter), the drop-in says what to install."""
    import subprocess
    import sys

    bare = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for python in (bare, VENV39_PYTHON):
        if not python.exists():
            continue
        proc = subprocess.run([str(python), "-S", str(DROP_IN), "--help"], capture_output=True, text=True,
                              env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path)
        if proc.returncode == 3 and "gosms-ops with its nagios extra is not installed" in proc.stdout:
            assert proc.stdout.startswith("GOSMS UNKNOWN - gosms-ops with its nagios extra is not installed for ")
            assert "pip install 'gosms-ops[nagios]'" in proc.stdout
            return
    pytest.fail("no interpreter without gosms-ops found to run the drop-in under")
