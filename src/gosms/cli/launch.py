"""The ``gosms`` command's entry point: the start-up turnstile first, then the command line.

Kept apart from :mod:`gosms.cli.main` because that module is most of what a command loads: a ``send``
must queue at the turnstile (:mod:`gosms.pacing.turnstile`) before it pays for the rest.  The CLI
leaves the turnstile once the alert has its place in the account's queue.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run ``gosms`` with the arguments it was started with."""
    # Options may come before the command name; a word "send" elsewhere (a message text) only
    # makes another command queue at the turnstile too, and it leaves before its first request.
    if "send" in sys.argv[1:]:
        from ..pacing.turnstile import enter

        enter()
    from .main import main as cli_main

    return cli_main()
