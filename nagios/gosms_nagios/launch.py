"""The ``notify_gosms`` entry point: the start-up turnstile first, then the notifier.

A notification storm starts one notifier per alert and contact at once; each queues at the
turnstile (:mod:`gosms.turnstile`) before it loads the rest, and leaves it once its alert has its
place in the account's queue.  Kept apart from :mod:`.notify`, which is most of what it loads.
"""

from __future__ import annotations

import sys

from gosms.turnstile import WAIT, enter

TYPE_CHECKING = False  # not typing's: this loads before the turnstile, where every millisecond counts
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

DEFAULT_TIMEOUT = 20.0
"""Seconds for the whole delivery: below Nagios' notification_timeout (30 s) and Icinga's (60 s)."""


def time_limit(argv: Sequence[str]) -> float:
    """The ``--timeout`` the notifier was given, read before its arguments are parsed; else the default.

    Only the exact spellings count (``--timeout N``, ``--timeout=N``); anything else leaves the
    default, and the parser proper judges the arguments later.
    """
    for index, arg in enumerate(argv):
        if arg == "--timeout" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--timeout="):
            value = arg.partition("=")[2]
        else:
            continue
        try:
            seconds = float(value)
        except ValueError:
            break
        if seconds > 0:
            return seconds
        break
    return DEFAULT_TIMEOUT


def notify() -> NoReturn:
    """Run ``notify_gosms`` with the arguments it was started with.

    The wait at the turnstile is at most half the notifier's ``--timeout``, which counts from here.
    """
    enter(wait=min(WAIT, time_limit(sys.argv[1:]) / 2))
    from .notify import main

    main()
