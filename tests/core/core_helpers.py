"""Helpers shared by the core tests (a module of its own: test modules cannot import conftest)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
            env: dict[str, str] | None = None, timeout: float = 60.0, wrapper: Sequence[str] = ()) -> CLIResult:
    """Run the installed ``gosms`` in a subprocess; every run is checked for leaks and tracebacks."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
    environ["PYTHONIOENCODING"] = "utf-8"
    if token is not None:
        environ["GOSMS_TOKEN"] = token
    if emu is not None:
        environ["GOSMS_API_URL"] = emu.url
    environ.update(env or {})
    argv = [*wrapper, *_command(), *args]
    done = subprocess.run(argv, input=input, capture_output=True, text=True, encoding="utf-8", env=environ,
                          timeout=timeout, check=False)
    result = CLIResult(done.returncode, done.stdout, done.stderr, argv)
    assert_no_secret(result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# -- a full disk ----------------------------------------------------------------------------------------


@dataclass
class SmallDisk:
    """A folder on a file system that :meth:`fill` makes full, and :meth:`free` frees again.

    A real one where root may mount a small tmpfs (here, a developer machine); where it may not (an
    unprivileged container, as CI's), the command under test runs under ``prlimit --fsize=0``
    instead: the kernel refuses its writes the same way (``EFBIG``, "File too large", instead of
    ``ENOSPC``), and the test's own set-up is not limited.
    """

    root: Path
    mounted: bool
    wrapper: list[str] = field(default_factory=list)
    """What the command runs under: nothing on the full tmpfs, ``prlimit --fsize=0`` otherwise."""

    @property
    def error(self) -> str:
        return "No space left on device" if self.mounted else "File too large"

    def fill(self) -> None:
        if not self.mounted:
            self.wrapper = ["prlimit", "--fsize=0", "--"]
            return
        with open(self.root / ".filler", "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)  # unbuffered: nothing left to fail at close
            except OSError:
                pass

    def free(self) -> None:
        self.wrapper = []
        with contextlib.suppress(FileNotFoundError):
            (self.root / ".filler").unlink()


@contextmanager
def small_disk(where: Path, size: str = "256k") -> Iterator[SmallDisk]:
    """A small tmpfs mounted at ``where`` (unmounted at the end), or the fallback :class:`SmallDisk` says."""
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    try:
        yield SmallDisk(where, mounted=done.returncode == 0)
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(where)], check=False)
