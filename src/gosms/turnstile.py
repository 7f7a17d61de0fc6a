"""The start-up turnstile: commands started together load a few at a time, not all at once.

Why: an alert storm starts hundreds of ``gosms send`` or ``notify_gosms`` processes in the same
second.  Each needs about a tenth of a second of CPU to load and check its input before it can
take its place in the account's queue (:func:`gosms.budget.queue_to_send`).  The kernel shares
the CPU evenly, so all of them finish loading together, seconds later, and only then does the
first SMS leave, although the budget would have let ten a second go from the start.  Through the
turnstile, as many processes load at a time as the machine has CPUs, each at full speed, and they
take their places in a steady stream faster than the API's rate; the others wait asleep.

A process holds the turnstile only while it loads and checks its input: it leaves once it has its
place in the queue, before anything that may block (reading the message from stdin), and in any
case when it ends, however it ends (the kernel drops a dead process's locks).  Nobody waits
longer than :data:`WAIT` seconds: a holder that hangs slows the others down, never stops them.
If the runtime directory cannot be used, there is no turnstile and nothing else changes.

Standard library only, and no more of it than a process needs before its first lock: the point
is what a process spends *before* it gets here.
"""

from __future__ import annotations

import os

from .runtime import runtime_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no turnstile
    fcntl = None  # type: ignore[assignment]

__all__ = ["WAIT", "enter", "leave"]

WAIT = 10.0
"""The longest a process waits for its turn to load.  In a storm of 200 on 2 CPUs the last one
waits about that long; past it a process loads alongside the others, as without a turnstile."""

_held: list[int] = []


class _Expired(Exception):
    pass


def enter(wait: float = WAIT, slots: int = 0) -> bool:
    """Take one of the turnstile's ``slots`` places (default: one per CPU); True once held.

    Returns False, having waited at most ``wait`` seconds, when no place came free or the runtime
    directory cannot be used: the caller goes on all the same.
    """
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
        if _wait(fd, wait):
            opened.remove(fd)
            _held.append(fd)
            return True
        return False
    except OSError:
        return False
    finally:
        for fd in opened:
            os.close(fd)


def leave() -> None:
    """Let the next process load.  Harmless when not held, and at exit the kernel does it anyway."""
    while _held:
        os.close(_held.pop())


def _wait(fd: int, seconds: float) -> bool:
    """Block on ``fd``'s lock for at most ``seconds`` (an alarm breaks the wait); True once held."""
    import signal

    waiting = [True]

    def expire(_signum: int, _frame: object) -> None:
        if waiting[0]:
            raise _Expired

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread: no alarm to bound the wait, so do not wait
        return False
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            waiting[0] = False
            return True
        except _Expired:
            return False
        finally:
            waiting[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
