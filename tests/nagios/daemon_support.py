"""Running the real monitoring daemons (Icinga 2, Nagios Core 4) in the foreground for the notification tests.

Each daemon runs as root from a configuration in a temporary folder, with every file it writes kept
there.  Root, because a daemon running as ``nagios`` could neither read pytest's private temporary
folders nor execute a Python under /root; the programs it runs are the single files under
``/usr/bin/python3``, as on a monitoring host.  Its own checks are a tiny shell script whose output
and exit code the test sets, so a service goes CRITICAL and back exactly when the test says.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Optional

from nagios_support import REPO

ICINGA2 = shutil.which("icinga2") or "/usr/sbin/icinga2"
NAGIOS4 = shutil.which("nagios4") or "/usr/sbin/nagios4"
ICINGA_CONF = REPO / "nagios" / "icinga2" / "gosms.conf"
NAGIOS_COMMANDS = REPO / "nagios" / "commands.cfg"

TIMEPERIOD_24X7 = """\
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday          00:00-24:00
    monday          00:00-24:00
    tuesday         00:00-24:00
    wednesday       00:00-24:00
    thursday        00:00-24:00
    friday          00:00-24:00
    saturday        00:00-24:00
}
"""
"""Nagios' always: the time period the test configurations check and notify in."""

FLIP_SCRIPT = """#!/bin/sh
# The service's state, as the test sets it: the first line of STATE is the output, the second the code.
{{ read -r output; read -r code; }} < "{state}"
echo "$output"
exit "$code"
"""


def signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


TERM_AGAIN = 5.0
"""Seconds between TERMs to a daemon that has not stopped yet."""


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM a daemon's whole process group (workers, helpers) and wait for all of it; KILL what stays.

    The TERM is repeated every few seconds while the group lives: Icinga 2's worker was seen to
    miss one (the umbrella logged that it forwarded it, the worker went on checking for 30 s and
    was killed without saving its state).  A daemon already shutting down takes another TERM as
    the same request.
    """
    group = proc.pid
    started = time.monotonic()
    deadline = started + 30
    resend = started
    while time.monotonic() < deadline:
        if time.monotonic() >= resend:
            signal_group(group, signal.SIGTERM)
            resend += TERM_AGAIN
        proc.poll()  # reap the leader: a zombie still counts as a group member
        if not group_alive(group):
            break
        time.sleep(0.2)
    if group_alive(group):
        signal_group(group, signal.SIGKILL)
    proc.wait(timeout=10)


class Flip:
    """A check plugin whose state the test sets: ``flip.set(2, "HTTP CRITICAL - 500")``."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.state = folder / "flip.state"
        self.plugin = folder / "check_flip"
        self.set(0, "HTTP OK - 200 in 0.01 s")
        self.plugin.write_text(FLIP_SCRIPT.format(state=self.state))
        self.plugin.chmod(0o755)

    def set(self, code: int, output: str) -> None:
        tmp = self.state.with_suffix(".tmp")
        tmp.write_text(f"{output}\n{code}\n")
        tmp.replace(self.state)


class Daemon:
    """One foreground daemon in its own process group, its console output in a file."""

    def __init__(self, argv: Sequence[str], log: Path, env: Optional[Mapping[str, str]] = None) -> None:
        self.argv = list(argv)
        self.log = log
        self.env = dict(env or {})
        self.proc: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": str(self.log.parent), **self.env}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, *paths: Path, lines: int = 40) -> str:
        text = ""
        for path in (self.log, *paths):
            if path.exists():
                text += f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text


def wait_until(condition: Callable[[], bool], daemon: Daemon, what: str, timeout: float = 90,
               logs: Sequence[Path] = ()) -> None:
    """Poll ``condition`` until true; fail with the daemon's logs if it never is or the daemon died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if not daemon.alive():
            raise AssertionError(f"the daemon exited while waiting for {what}:\n{daemon.tail(*logs)}")
        time.sleep(0.3)
    raise AssertionError(f"no {what} within {timeout} s:\n{daemon.tail(*logs)}")
