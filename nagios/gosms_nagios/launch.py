"""The entry points of ``notify_gosms`` and ``check_gosms``: what must happen before the rest loads.

A notification storm starts one notifier per alert and contact at once; each queues at the
turnstile (:mod:`gosms.pacing.turnstile`) before it loads the rest, and leaves it once its alert has its
place in the account's queue.  Kept apart from :mod:`.notify.command`, which is most of what it loads.

``check_gosms`` needs ``nagiosplugin``, which gosms-ops installs only with its ``nagios`` extra: a
plugin started without it must still answer as a plugin (UNKNOWN on stdout, exit 3) and say what
to install, never end in a traceback the monitoring server shows as garbage.
"""

from __future__ import annotations

import sys

from gosms.pacing.turnstile import WAIT, enter

from .common.timeout import time_limit

TYPE_CHECKING = False  # not typing's: this loads before the turnstile, where every millisecond counts
if TYPE_CHECKING:
    from typing import NoReturn

def notify() -> NoReturn:
    """Run ``notify_gosms`` with the arguments it was started with.

    The wait at the turnstile is at most half the notifier's ``--timeout``, which counts from here.
    With a live runner, :mod:`.notify.quick` hands the alert over and ends the process before argparse and
    the rest of the notifier load; otherwise :mod:`.notify.command` does it all.
    """
    enter(wait=min(WAIT, time_limit(sys.argv[1:]) / 2))
    from .notify.quick import hand_over_quickly

    hand_over_quickly(sys.argv[1:])  # an ordinary notification with a runner alive ends here, exit 0
    from .notify.command import main

    main()


NAGIOS_EXTRA_MISSING = (
    "GOSMS UNKNOWN - check_gosms cannot run under {python}: {error}. Install gosms-ops with its nagios "
    "extra into that Python's environment ({python} -m pip install 'gosms-ops[nagios]'), or use the "
    "single-file check_gosms.pyz with the distribution's python3-nagiosplugin.\n"
)


def check() -> NoReturn:
    """Run ``check_gosms``; without ``nagiosplugin``, an UNKNOWN line that says how to install it."""
    try:
        import nagiosplugin  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as exc:
        sys.stdout.write(NAGIOS_EXTRA_MISSING.format(python=sys.executable, error=exc))
        sys.stdout.flush()
        sys.exit(3)
    from .check.plugin import main

    main()
    sys.exit(3)  # main() always exits; as in ``python -m gosms_nagios.check``, a return is UNKNOWN
