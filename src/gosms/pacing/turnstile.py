"""The start-up turnstile: commands started together load a few at a time, not all at once.

Why: an alert storm starts hundreds of ``gosms send`` or ``notify_gosms`` processes in the same
second.  Each needs about a tenth of a second of CPU to load and check its input before it can
take its place in the account's queue (:func:`gosms.pacing.budget.queue_to_send`).  The kernel shares
the CPU evenly, so all of them finish loading together, seconds later, and only then does the
first SMS leave, although the budget would have let ten a second go from the start.  Through the
turnstile, as many processes load at a time as the machine has CPUs, each at full speed, and they
take their places in a steady stream faster than the API's rate; the others wait asleep.

A process holds the turnstile only while it loads and checks its input: it leaves once it has its
place in the queue, before anything that may block (reading the message from stdin), and in any
case when it ends, however it ends (the kernel drops a dead process's locks).  A waiter keeps
waiting while the queue moves (each process leaving marks its place), up to :data:`WAIT`; a place
that does not move for :data:`STALL` seconds has a holder that hangs, and its waiters go on
without the turnstile: a stuck process slows the others down, never stops them.  Giving up on a
fixed clock instead would release every waiter left at the same moment, late in a storm, and
bring back the stampede the turnstile is there to prevent.
If the runtime directory cannot be used, there is no turnstile and nothing else changes.

Standard library only, and no more of it than a process needs before its first lock: the point
is what a process spends *before* it gets here.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress

from .runtime import runtime_dir

TYPE_CHECKING = False  # not typing's: see gosms/__init__
if TYPE_CHECKING:
    from typing import Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no turnstile
    fcntl = None  # type: ignore[assignment]

__all__ = ["WAIT", "enter", "entered_at", "leave"]

WAIT = 30.0
"""The longest a process waits for its turn to load, however well the queue moves (in a storm of
200 on 2 CPUs the last one waits about 15 s).  Past it, or past :data:`STALL`, a process loads
alongside the others, as without a turnstile."""
STALL = 5.0
"""A place nobody passed through for this long is held by a process that hangs: stop waiting."""

_held: list[int] = []
_entered: list[float] = []


class _Expired(Exception):
    pass


def enter(wait: float = WAIT, slots: int = 0, stall: float = STALL) -> bool:
    """Take one of the turnstile's ``slots`` places (default: one per CPU); True once held.

    Returns False, having waited at most ``wait`` seconds (or ``stall`` seconds with nobody
    passing), when no place came free or the runtime directory cannot be used: the caller goes
    on all the same.
    """
    if not _entered:
        _entered.append(time.monotonic())
    if _held:
        return True
    if fcntl is None:
        return False
    directory, _reason = runtime_dir()
    if directory is None:
        return False
    slots = slots or max(1, os.cpu_count() or 1)
    opened: list[int] = []
    try:
        for slot in range(slots):
            fd = os.open(os.path.join(directory, f"start.{slot}"),
                         os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
            opened.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            _held.append(opened.pop())
            return True
        # Every place is taken: queue behind one, chosen so that waiters spread over all of them.
        fd = opened[os.getpid() % len(opened)]
        if _wait(fd, wait, stall):
            opened.remove(fd)
            _held.append(fd)
            return True
        return False
    except OSError:
        return False
    finally:
        for fd in opened:
            os.close(fd)


def entered_at() -> Optional[float]:
    """When this process first came to the turnstile (``time.monotonic``), or None if it never did.

    A command whose time limit counts from its start (a notifier within the daemon's timeout)
    subtracts the wait from it.
    """
    return _entered[0] if _entered else None


def leave() -> None:
    """Let the next process load.  Harmless when not held, and at exit the kernel does it anyway."""
    while _held:
        fd = _held.pop()
        with suppress(OSError):
            os.utime(fd)  # the place moved: whoever waits behind it keeps waiting
        os.close(fd)


def _wait(fd: int, seconds: float, stall: float) -> bool:
    """Block on ``fd``'s lock while its place moves, for ``seconds`` at most; True once held.

    An alarm breaks the wait every ``stall`` seconds to look at the place's mark (its file's
    modification time, set by each process leaving it).
    """
    import signal

    waiting = [True]

    def expire(_signum: int, _frame: object) -> None:
        if waiting[0]:
            raise _Expired

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread: no alarm to bound the wait, so do not wait
        return False
    end = time.monotonic() + seconds
    mark = os.fstat(fd).st_mtime_ns
    try:
        while True:
            step = min(stall, end - time.monotonic())
            if step <= 0:
                return False
            signal.setitimer(signal.ITIMER_REAL, step)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                waiting[0] = False
                return True
            except _Expired:
                moved = os.fstat(fd).st_mtime_ns
                if moved == mark:
                    return False  # nobody passed through this place for a whole stall
                mark = moved
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        waiting[0] = False
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
