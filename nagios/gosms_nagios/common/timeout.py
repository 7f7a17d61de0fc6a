"""The notifier's time limit, readable before anything else loads.

Both the entry point (:mod:`gosms_nagios.launch`, which waits at the turnstile for at most half of it) and the
notifier proper (:mod:`gosms_nagios.notify.command`, whose ``--timeout`` it is) need it; apart from both, so neither
imports the other.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: this loads before the turnstile, where every millisecond counts
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_TIMEOUT", "time_limit"]

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
