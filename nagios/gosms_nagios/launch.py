"""The ``notify_gosms`` entry point: the start-up turnstile first, then the notifier.

A notification storm starts one notifier per alert and contact at once; each queues at the
turnstile (:mod:`gosms.pacing.turnstile`) before it loads the rest, and leaves it once its alert has its
place in the account's queue.  Kept apart from :mod:`.notify`, which is most of what it loads.
"""

from __future__ import annotations

import sys

from gosms.pacing.turnstile import WAIT, enter

from .timeout import time_limit

TYPE_CHECKING = False  # not typing's: this loads before the turnstile, where every millisecond counts
if TYPE_CHECKING:
    from typing import NoReturn

def notify() -> NoReturn:
    """Run ``notify_gosms`` with the arguments it was started with.

    The wait at the turnstile is at most half the notifier's ``--timeout``, which counts from here.
    """
    enter(wait=min(WAIT, time_limit(sys.argv[1:]) / 2))
    from .notify import main

    main()
