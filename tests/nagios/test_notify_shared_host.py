"""notify_gosms on a shared host: a token file left open or odd, a full outbox disk, a bug in hand.

The daemon keeps what the notifier prints in its log, which other people read: the token must not
be in it, not even when something crashes, and a partial failure names each number's fate.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from nagios_support import SECRET, VENV_BIN, assert_no_secret
from test_notify_gosms import SERVICE_PROBLEM, notify

from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator

FIRST, SECOND = "79991234567", "79990000002"
OLD_TOKEN = "nagios-0ld-T0ken-9f8e7d6c5b4a"


def run(*args: str, emu: Emulator, home: Path, env: dict[str, str] | None = None,
        token: str | None = SECRET) -> subprocess.CompletedProcess[str]:
    done = notify(*args, emu=emu, home=home, token=token, env=env)
    assert_no_secret(done.stdout, done.stderr)
    assert_no_secret(done.stdout, done.stderr, secret=OLD_TOKEN)
    assert "Traceback" not in done.stderr
    return done


def test_a_token_file_with_an_old_token_on_line_two_is_refused_not_echoed(emu: Emulator, tmp_path: Path) -> None:
    token_file = tmp_path / "gosms.token"
    token_file.write_text(f"{SECRET}\n# old token: {OLD_TOKEN}\n")
    token_file.chmod(0o640)
    done = run("--token-file", str(token_file), "--to", FIRST, *SERVICE_PROBLEM, emu=emu, home=tmp_path, token=None)
    assert done.returncode == 3 and "more than one line" in done.stderr and "Nothing sent" in done.stderr
    assert emu.requests() == []


def test_a_token_file_every_user_can_read_is_refused_with_the_chmod(emu: Emulator, tmp_path: Path) -> None:
    token_file = tmp_path / "gosms.token"
    token_file.write_text(f"{SECRET}\n")
    token_file.chmod(0o644)
    done = run("--token-file", str(token_file), "--to", FIRST, *SERVICE_PROBLEM, emu=emu, home=tmp_path, token=None)
    assert done.returncode == 3 and f"chmod 0640 {token_file}" in done.stderr


def test_a_fifo_token_file_ends_at_once_instead_of_outliving_the_timeout(emu: Emulator, tmp_path: Path) -> None:
    fifo = tmp_path / "gosms.token"
    os.mkfifo(fifo, 0o600)
    done = run("--token-file", str(fifo), "--to", FIRST, *SERVICE_PROBLEM, "--timeout", "5", emu=emu, home=tmp_path,
               token=None)  # the helper's own 60 s limit: the old notifier waited for a writer for ever
    assert done.returncode == 3 and "not a regular file" in done.stderr


def test_a_bug_is_one_line_without_the_token(emu: Emulator, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import gosms.transports.stdlib as s\n"
        "def broken(self, request, *a, **k):\n"
        "    raise ValueError(f'Invalid header value {dict(request.headers)}')\n"
        "s.StdlibHTTP.exchange = broken\n")
    done = run("--to", FIRST, *SERVICE_PROBLEM, emu=emu, home=tmp_path, env={"PYTHONPATH": str(site)})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "unexpected error (ValueError at " in done.stderr
    assert "Invalid header" not in done.stderr


@pytest.fixture
def full_outbox(tmp_path: Path) -> Iterator[tuple[Path, list[str], str]]:
    """An outbox whose writes fail: a small tmpfs filled to the last byte where root may mount one;
    in an unprivileged container (CI's) the notifier runs under ``prlimit --fsize=0`` instead, which
    the kernel enforces the same way (tests/core/core_helpers.SmallDisk says more).

    Yields the outbox, the notifier's argv prefix and the error its writes get.
    """
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    try:
        Outbox(mount / "outbox")._ensure()  # its folders, made as a first queueing would
        if done.returncode != 0:
            yield mount / "outbox", ["prlimit", "--fsize=0", "--"], "File too large"
            return
        with open(mount / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)  # unbuffered: nothing left to fail at close
            except OSError:
                pass
        yield mount / "outbox", [], "No space left on device"
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_partial_failure_names_each_number_sent_or_not(
        emu: Emulator, tmp_path: Path, full_outbox: tuple[Path, list[str], str]) -> None:
    outbox, wrapper, error = full_outbox
    emu.add_fault("http_500", endpoint="send", after=1, count=None)  # the first number gets it, not the second
    environ = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "GOSMS_TOKEN": SECRET,
               "GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(outbox)}
    done = subprocess.run([*wrapper, str(VENV_BIN / "notify_gosms"), "--to", f"{FIRST},{SECOND}", *SERVICE_PROBLEM,
                           "--timeout", "4"], env=environ, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert_no_secret(done.stdout, done.stderr)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (sent,) = emu.messages()
    assert f"sent to {FIRST}: {sent['id']}" in done.stderr
    assert f"NOT sent to {SECOND}" in done.stderr and "could not be queued" in done.stderr and error in done.stderr
