"""The ``notify_gosms`` entry point: the start-up turnstile first, then the notifier.

A notification storm starts one notifier per alert and contact at once; each queues at the
turnstile (:mod:`gosms.turnstile`) before it loads the rest, and leaves it once its alert has its
place in the account's queue.  Kept apart from :mod:`.notify`, which is most of what it loads.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: this loads before the turnstile, where every millisecond counts
if TYPE_CHECKING:
    from typing import NoReturn


def notify() -> NoReturn:
    """Run ``notify_gosms`` with the arguments it was started with."""
    from gosms.turnstile import enter

    enter()
    from .notify import main

    main()
