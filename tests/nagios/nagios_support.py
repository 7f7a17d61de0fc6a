"""Running check_gosms the way Nagios and Icinga do: a subprocess, stdout, exit code.

Three ways to run it, all against the emulator over loopback HTTP:

- ``console``: the console script installed in the venv running the tests (``.venv/bin/check_gosms``);
- ``dropin``: the shipped drop-in ``nagios/check_gosms``, executed through its own
  ``#!/usr/bin/env python3`` line with that venv first on PATH (as a plugin directory runs it);
- ``py39``: the drop-in under ``.venv39``'s Python 3.9, the oldest supported one;
- ``pyz``: the single file ``check_gosms.pyz`` built by ``scripts/build_single_files.py``, run through
  its ``#!/usr/bin/python3`` line with only the distribution's packages (Debian 12: requests 2.28,
  nagiosplugin 1.3.2) and no virtualenv on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from gosms import Client

REPO = Path(__file__).resolve().parents[2]
DROP_IN = REPO / "nagios" / "check_gosms"
VENV_BIN = Path(sys.executable).parent
CONSOLE = VENV_BIN / "check_gosms"
VENV39_PYTHON = REPO / ".venv39" / "bin" / "python"

SECRET = "nagios-Tok3n-" + "b7e1c0ffee5ecret9d2a"
"""The check's token in these tests: long and unusual, so finding it in any output is no accident."""

RUNNERS = ("console", "dropin", "py39", "pyz")
SYSTEM_PYTHON = Path("/usr/bin/python3")
BUILD_SCRIPT = REPO / "scripts" / "build_single_files.py"

STATUS_LINE = re.compile(r"^GOSMS (OK|WARNING|CRITICAL|UNKNOWN) - \S")
STATE_CODES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
# Monitoring Plugins guidelines: 'label'=value[UOM];[warn];[crit];[min];[max]
PERF_ITEM = re.compile(
    r"^(?P<label>'[^'=]+'|[^'= ]+)=(?P<value>-?[0-9.]+|U)(?P<uom>s|%|B|KB|MB|TB|c)?"
    r"(;(?P<warn>[~@0-9.:-]*))?(;(?P<crit>[~@0-9.:-]*))?(;(?P<min>-?[0-9.]*))?(;(?P<max>-?[0-9.]*))?$"
)


@dataclass
class Run:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def status(self) -> str:
        return self.lines[0] if self.lines else ""

    @property
    def state(self) -> str:
        match = STATUS_LINE.match(self.status)
        return match.group(1) if match else ""

    @property
    def perfdata(self) -> dict[str, re.Match[str]]:
        """Every perfdata item, whether on the status line or on the last line (with -v)."""
        items: dict[str, re.Match[str]] = {}
        for line in self.lines:
            if "|" not in line:
                continue
            for item in line.split("|", 1)[1].split():
                match = PERF_ITEM.match(item)
                assert match, f"perfdata item {item!r} does not follow the guidelines' format"
                items[match.group("label").strip("'")] = match
        return items

    def __str__(self) -> str:
        return (f"$ {' '.join(self.argv)}\nexit {self.returncode} in {self.seconds:.2f}s\n"
                f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}")


def staged_nagiosplugin(cache: Path) -> Optional[Path]:
    """A PYTHONPATH entry with nagiosplugin for .venv39 when that venv lacks it (pure Python, 3.9-ready).

    The setup puts the check's own extra into .venv only; until .venv39 gets it too, the copy from
    .venv (the same pinned 1.4.0) is put on PYTHONPATH for the 3.9 runs.
    """
    probe = subprocess.run([str(VENV39_PYTHON), "-c", "import nagiosplugin"], capture_output=True)
    if probe.returncode == 0:
        return None
    import nagiosplugin

    source = Path(nagiosplugin.__file__).parent
    target = cache / "nagiosplugin"
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return cache


class Checker:
    """Runs check_gosms one way (console, dropin, py39) with a clean environment."""

    def __init__(self, runner: str, home: Path, pythonpath: Optional[Path] = None,
                 single_files: Optional[Path] = None) -> None:
        self.runner = runner
        self.home = home
        self.pythonpath = pythonpath
        self.single_files = single_files

    def command(self) -> list[str]:
        if self.runner == "console":
            return [str(CONSOLE)]
        if self.runner == "dropin":
            return [str(DROP_IN)]
        if self.runner == "py39":
            return [str(VENV39_PYTHON), str(DROP_IN)]
        if self.runner == "pyz" and self.single_files is not None:
            return [str(self.single_files / "check_gosms.pyz")]
        raise ValueError(self.runner)

    def environment(self, token: Optional[str], extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
        env = {
            "PATH": "/usr/bin:/bin" if self.runner == "pyz" else f"{VENV_BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / "cache"),
        }
        if token is not None:
            env["GOSMS_TOKEN"] = token
        if self.runner == "py39" and self.pythonpath is not None:
            env["PYTHONPATH"] = str(self.pythonpath)
        env.update(extra or {})
        return env

    def run(self, *args: str, api_url: Optional[str] = None, token: Optional[str] = SECRET,
            env: Optional[Mapping[str, str]] = None, timeout: float = 60) -> Run:
        argv = self.command() + ([f"--api-url={api_url}"] if api_url else []) + list(args)
        started = time.monotonic()
        proc = subprocess.run(argv, env=self.environment(token, env), capture_output=True, text=True,
                              timeout=timeout, cwd=self.home)
        return Run(argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)

    def spawn(self, *args: str, api_url: Optional[str] = None, token: Optional[str] = SECRET) -> subprocess.Popen[str]:
        argv = self.command() + ([f"--api-url={api_url}"] if api_url else []) + list(args)
        return subprocess.Popen(argv, env=self.environment(token), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.home)


def build_single_files(out: Path) -> Path:
    """The .pyz files, built from this checkout as a packager would (bytecode for the system Python)."""
    subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(out), "--python", str(SYSTEM_PYTHON)],
                   check=True, capture_output=True)
    return out


def fast_lifecycle(emu: Any) -> None:
    """Messages settle at once and seeding is not rate-limited."""
    emu.set_scenario(rate_limit=0, lifecycle={"waiting": 0, "processing": 0, "sent": 0})


def send_messages(emu: Any, count: int, phone: str = "79990000001") -> list[str]:
    """Create messages through the API itself (the test sends; the check never does)."""
    fast_lifecycle(emu)
    with Client(emu.token, api_url=emu.url, rate_limit=0) as client:
        return [client.send(phone, f"test message {i}").ids[0] for i in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def trickling_server(interval: float = 0.3) -> Iterator[str]:
    """An HTTP server that answers one header line every ``interval`` seconds, forever.

    No single read ever times out, so only the plugin's own timeout can end the check: the way a
    broken proxy can hold a connection open.
    """
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(interval):
                    conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def endpoints_called(emu: Any) -> list[str]:
    return [str(entry.get("endpoint")) for entry in emu.requests()]


def assert_no_secret(*texts: str, secret: str = SECRET) -> None:
    for text in texts:
        assert secret not in text, "the token appears in the output"


def args_for(devices: Sequence[str] = ()) -> list[str]:
    out: list[str] = []
    for device in devices:
        out += ["--device", device]
    return out
