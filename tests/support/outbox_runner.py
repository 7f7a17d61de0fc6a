"""A real ``gosms outbox run`` for a test, and polling for what it does.

The hand-off tests of the CLI, of the Nagios notifier and of the Ansible callback each need the
outbox's runner alive (senders hand over only to a live one) and then wait for its sends.  The
runner is the real command in its own process, started as the suite runs it (the installed console
script, or the single-file build), with a long interval: it must wake on arrivals, not on its timer.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from gosms.delivery.outbox import Outbox

__all__ = ["outbox_runner", "until"]


def until(condition: Callable[[], object], seconds: float, what: str, step: float = 0.1) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` after ``seconds``."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"gave up waiting {seconds:g} s for {what}"
        time.sleep(step)


@contextmanager
def outbox_runner(command: Sequence[str], env: Mapping[str, str], outbox: Path, log: Path,
                  cwd: Path | None = None) -> Iterator[subprocess.Popen[str]]:
    """``command`` (ending in ``outbox run ...``) running for ``outbox`` until the block ends.

    Its output goes to ``log``, shown when it fails to start; it is stopped with SIGTERM, as a
    service manager stops it, and waited for."""
    with log.open("w") as out:
        proc = subprocess.Popen(list(command), env=dict(env), stdout=out, stderr=subprocess.STDOUT, text=True,
                                cwd=cwd)
        try:
            until(lambda: Outbox(outbox).runner_alive() or proc.poll() is not None, 60, "the runner to start")
            assert proc.poll() is None, log.read_text()
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
