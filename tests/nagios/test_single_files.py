"""The single files for monitoring hosts, run by /usr/bin/python3 with only the distribution's packages.

Every state test of check_gosms also runs the .pyz (the ``pyz`` runner); these are the parts that
are about the files themselves: what the system Python offers, what the files bundle, what they say
when a package is missing, and the notifier and the outbox flush as single files.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from nagios_support import SECRET, SYSTEM_PYTHON, assert_no_secret

from gosms.emulator import Emulator

PROBLEM = ["--type", "PROBLEM", "--host", "web01", "--service", "HTTP", "--state", "CRITICAL",
           "--output", "HTTP CRITICAL - 500", "--time", "2026-12-03 08:45:00"]


def system_env(home: Path, emu: Emulator | None = None) -> dict[str, str]:
    """What a monitoring daemon's plugin sees: system PATH, no virtualenv, no PYTHONPATH."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home), "GOSMS_TOKEN": SECRET,
           "GOSMS_OUTBOX": str(home / "outbox")}
    if emu is not None:
        env["GOSMS_API_URL"] = emu.url
    return env


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd=env["HOME"])


def test_the_system_python_has_the_distribution_packages_of_debian_12(tmp_path: Path) -> None:
    """What the issue targets: Python 3.9+ and nagiosplugin 1.3.2 from dist-packages (set-up)."""
    probe = run([str(SYSTEM_PYTHON), "-c", "import sys, nagiosplugin, importlib.metadata as m; "
                 "print(sys.version_info[:2] >= (3, 9), m.version('nagiosplugin'), nagiosplugin.__file__)"],
                {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert probe.returncode == 0, f"scripts/setup.sh installs python3-nagiosplugin: {probe}"
    newer, nagiosplugin_version, where = probe.stdout.split()
    assert newer == "True"
    assert where.startswith("/usr/lib/python3/dist-packages/"), "the distribution's copy, not a pip one"
    assert nagiosplugin_version == "1.3.2", nagiosplugin_version


def test_the_files_bundle_the_core_and_the_adapter_only(single_files: Path) -> None:
    for name in ("check_gosms", "notify_gosms", "gosms"):
        path = single_files / f"{name}.pyz"
        assert path.read_bytes().startswith(b"#!/usr/bin/python3\n")
        assert path.stat().st_mode & 0o111, "executable"
        names = zipfile.ZipFile(path).namelist()
        assert "__main__.py" in names and "gosms/clients/sync.py" in names and "gosms_nagios/notify/command.py" in names
        assert not [n for n in names if n.startswith(("requests/", "nagiosplugin/", "gosms/emulator/"))], names
        assert "gosms/clients/aio.py" not in names and "gosms/transports/requests_session.py" not in names


def test_check_states_under_the_system_python(single_files: Path, emu: Emulator, tmp_path: Path) -> None:
    check = str(single_files / "check_gosms.pyz")
    ok = run([check, "--device", emu.device_id], system_env(tmp_path, emu))
    assert ok.returncode == 0 and ok.stdout.startswith("GOSMS OK - API: answered in "), ok
    emu.set_scenario(tokens={SECRET: {"permissions": {"devices_read": False}}})
    both = run([check, "--device", emu.device_id, "--quota", "1", "-c", "@0"], system_env(tmp_path, emu))
    assert both.returncode == 2, f"CRITICAL outranks UNKNOWN with nagiosplugin 1.3.2 too: {both}"
    assert both.stdout.startswith("GOSMS CRITICAL - "), both
    assert_no_secret(ok.stdout, ok.stderr, both.stdout, both.stderr)


def test_a_missing_distribution_package_is_a_clear_unknown(single_files: Path, tmp_path: Path) -> None:
    # -S keeps site-packages (and so dist-packages) off the path: a host without python3-nagiosplugin
    done = run([str(SYSTEM_PYTHON), "-S", str(single_files / "check_gosms.pyz")], system_env(tmp_path))
    assert done.returncode == 3, done
    assert done.stdout.startswith("GOSMS UNKNOWN - check_gosms cannot run under /usr/bin/python3: No module named")
    assert "apt install python3-nagiosplugin" in done.stdout


def test_the_notifier_needs_nothing_but_python(single_files: Path, emu: Emulator, tmp_path: Path) -> None:
    """No distribution package at all (-S: not even dist-packages): the notifier speaks HTTP with the stdlib."""
    sent = run([str(SYSTEM_PYTHON), "-S", str(single_files / "notify_gosms.pyz"), "--to", "79991234567", *PROBLEM],
               system_env(tmp_path, emu))
    assert sent.returncode == 0, sent
    assert [m["phone_number"] for m in emu.messages()] == ["79991234567"]
    assert_no_secret(sent.stdout, sent.stderr)


def test_notifier_and_outbox_flush_as_single_files(single_files: Path, emu: Emulator, tmp_path: Path) -> None:
    env = system_env(tmp_path, emu)
    notify = [str(single_files / "notify_gosms.pyz"), "--to", "79991234567", *PROBLEM]
    sent = run(notify, env)
    assert sent.returncode == 0, sent
    emu.outage(None)
    queued = run([*notify, "--timeout", "3", "--time", "2026-12-03 08:50:00"], env)
    assert queued.returncode == 0 and "queued for 79991234567" in queued.stdout, queued
    emu.end_outage()
    flushed = run([str(single_files / "gosms.pyz"), "outbox", "flush"], env)
    assert flushed.returncode == 0, flushed
    assert [m["message"][-21:] for m in emu.messages()] == ["[2026-12-03 08:45:00]", "[2026-12-03 08:50:00]"]
    assert_no_secret(sent.stdout, sent.stderr, queued.stdout, queued.stderr, flushed.stdout, flushed.stderr)
