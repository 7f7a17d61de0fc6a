"""Helpers shared by the core tests (a module of its own: test modules cannot import conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gosms import RetryPolicy
from gosms.emulator import Emulator

SECRET = "tok-6a1f0c9e2b7d4e58a3c1-SECRET"
"""The test token: long and unique, so finding it in any output means a leak, not a coincidence."""

FAST_RETRY = RetryPolicy(attempts=6, deadline=10.0, base=0.05, factor=2.0, cap=0.5)
"""Real retry logic with short waits, so fault tests stay quick."""

PHONE = "79991234567"


def stored(emu: Emulator, text: str | None = None) -> list[dict[str, Any]]:
    """Messages the emulator created (deleted ones too), optionally only those with this text."""
    return [m for m in emu.messages() if text is None or m["message"] == text]


def api_requests(emu: Emulator, endpoint: str | None = None) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if endpoint is None or r.get("endpoint") == endpoint]


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        assert SECRET not in str(text), f"the token leaked into: {str(text)[:300]}"


# -- the command line ------------------------------------------------------------------------------


@dataclass
class CLIResult:
    code: int
    stdout: str
    stderr: str
    argv: list[str]

    def json(self) -> Any:
        return json.loads(self.stdout)


def _command() -> list[str]:
    script = Path(sys.executable).with_name("gosms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gosms"]


def run_cli(*args: str, emu: Emulator | None = None, token: str | None = SECRET, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 60.0) -> CLIResult:
    """Run the installed ``gosms`` in a subprocess; every run is checked for leaks and tracebacks."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
    environ["PYTHONIOENCODING"] = "utf-8"
    if token is not None:
        environ["GOSMS_TOKEN"] = token
    if emu is not None:
        environ["GOSMS_API_URL"] = emu.url
    environ.update(env or {})
    argv = [*_command(), *args]
    done = subprocess.run(argv, input=input, capture_output=True, text=True, encoding="utf-8", env=environ,
                          timeout=timeout, check=False)
    result = CLIResult(done.returncode, done.stdout, done.stderr, argv)
    assert_no_secret(result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# -- a full disk ----------------------------------------------------------------------------------------


@contextmanager
def small_disk(where: Path, size: str = "256k") -> Iterator[Path]:
    """A small tmpfs mounted at ``where``: a real full disk once :func:`fill` has run (root can mount
    one, as in CI); unmounted at the end."""
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"mounting a small tmpfs needs root: {done.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(mount: Path) -> Path:
    """Fill the file system of ``mount`` to the last byte; remove the returned file to free it."""
    filler = mount / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
        except OSError:
            pass
    return filler
