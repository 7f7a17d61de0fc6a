"""``gosms send --via ... [--wait]``: an alert followed to the handset, and what the command says of it.

The deciding is :mod:`gosms.wire.following`'s and the keeping :mod:`gosms.delivery.follow`'s; this
module turns each recipient's record into the lines a person reads at 3 a.m. (which route failed
how, where a second copy may arrive) and the exit status a script branches on: with ``--wait``, 0
only when every recipient has the alert.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..delivery.follow import followed, start_following, wait_for_verdicts
from ..delivery.outbox import Entry
from ..wire.routes import DELIVERED, TRACKING, UNDELIVERED, Route
from .outbox import outbox_of

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire.outcomes import SendPlan
    from .output import Output

__all__ = ["describe_followed", "send_followed"]

EXIT_OK, EXIT_FAILURE = 0, 1


def send_followed(client: Client, plan: SendPlan, routes: Sequence[Route], deliver_within: float,
                  args: argparse.Namespace, out: Output) -> int:
    outbox = outbox_of(args)
    entries, sent_here = start_following(client, outbox, plan, routes, deliver_within, source="gosms send")
    if args.wait:
        timeout = args.wait_timeout if args.wait_timeout is not None else deliver_within * len(routes) + 60
        entries = wait_for_verdicts(client, outbox, [e.id for e in entries], timeout=timeout,
                                    interval=args.wait_interval)
    code = EXIT_OK
    for entry in entries:
        ok = describe_followed(entry, out, waited=bool(args.wait))
        code = code if ok else EXIT_FAILURE
    if not sent_here:
        out.note(f"the outbox {outbox.directory} was busy; its runner sends and follows these alerts")
    if not args.wait and any(followed(e).verdict == TRACKING for e in entries) and not outbox.runner_alive():
        out.note(f"no runner drains {outbox.directory}: start 'gosms outbox run' (or flush it from cron), or "
                 "nobody follows these alerts to the handset")
    out.document({"ok": code == EXIT_OK, "exit_code": code, "outbox": str(outbox.directory),
                  "alerts": [e.describe() for e in entries]})
    return code


def describe_followed(entry: Entry, out: Output, *, waited: bool) -> bool:
    """Say what became of one recipient's alert; True when that is good enough for the exit status."""
    record = followed(entry)
    sent = [leg for leg in record.legs if leg.ids]
    through = f" through {sent[-1].route.label}" if sent else ""
    if record.verdict == DELIVERED:
        out.line(f"delivered to {entry.phone_number}{through} ({record.story()})")
        if record.possible_double:
            out.note(f"{entry.phone_number}: a copy on an earlier route could not be cancelled; it may arrive "
                     "twice")
        return True
    if record.verdict == UNDELIVERED:
        out.note(f"NOT delivered to {entry.phone_number}: every route was tried: {record.story()}")
        return False
    if waited:
        out.note(f"NOT delivered to {entry.phone_number} yet when the wait ran out: {record.story()}; the "
                 "outbox's runner follows it on")
        return False
    ids = ", ".join(sent[-1].ids) if sent else "not yet"
    out.line(f"sent to {entry.phone_number}{through}: {ids}; followed until delivered ({record.story()})")
    return bool(sent) or not record.legs
