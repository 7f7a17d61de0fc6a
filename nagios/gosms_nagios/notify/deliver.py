"""Sending one composed alert within the notification's time, and queueing what cannot go now.

The core does the work: :class:`gosms.Client` sends (rate budget, retries, de-duplication after a
lost answer) and :func:`gosms.delivery.queued_send.send_or_queue` queues each number whose send failed for a
reason that passes.  This module only fits the client's timeouts and retry deadline into the
notifier's ``--timeout`` (the check's :class:`~.budget.Budget` does the same for a check) and words
the outcome for the daemon's log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Optional

from gosms.clients.sync import Client
from gosms.delivery.failures import is_transient
from gosms.delivery.outbox import Outbox
from gosms.delivery.queued_send import send_or_queue
from gosms.transports.stdlib import StdlibHTTP
from gosms.wire.config import Token
from gosms.wire.errors import ConfigError
from gosms.wire.outcomes import BulkResult, plan_send
from gosms.wire.routes import DEFAULT_DELIVER_WITHIN, Route

from ..common.budget import Budget, budget_for_timeout

__all__ = ["Outcome", "deliver"]

SOURCE = "notify_gosms"
"""Names the notifier in outbox entries (``gosms outbox`` shows where an alert came from)."""


@dataclasses.dataclass
class Outcome:
    code: int
    """0 sent to all or queued for the rest, 1 some number refused for good (or not queued)."""
    lines: list[str]


def _words(result: BulkResult, queued: Sequence[str], unqueued: Optional[Mapping[str, str]] = None) -> Outcome:
    """One line per number: sent (with its id), queued, or not sent and why; a partial failure
    keeps the ids of what went out, so no one resends those."""
    lines: list[str] = []
    refused = False
    for recipient in result.results:
        if unqueued and recipient.phone_number in unqueued:
            refused = True
            lines.append(f"NOT sent to {recipient.phone_number}: GoSMS could not take it in time ({recipient.error}), "
                         f"and it could not be queued: {unqueued[recipient.phone_number]} Fix: name a folder this "
                         "user owns with --outbox or GOSMS_OUTBOX.")
        elif recipient.ok:
            lines.append(f"sent to {recipient.phone_number}: {', '.join(recipient.ids)}")
        elif recipient.phone_number in queued:
            lines.append(f"queued for {recipient.phone_number}: GoSMS could not take it in time ({recipient.error}). "
                         "It waits in the outbox: 'gosms outbox flush' sends it.")
        else:
            refused = True
            lines.append(f"NOT sent to {recipient.phone_number}: {recipient.error}")
    if refused:
        return Outcome(1, lines)
    return Outcome(0, lines)


def deliver(numbers: Sequence[str], text: str, *, api_url: str, token: Token, allow_insecure_http: bool,
            timeout: float, queue: bool, outbox_dir: Optional[str], routes: Sequence[Route] = (),
            deliver_within: Optional[float] = None) -> Outcome:
    """Send ``text`` to ``numbers`` (already valid) within ``timeout`` seconds; queue what cannot go now.

    With ``routes``, the alert goes in the outbox to be followed to the handset and failed over
    between them (:mod:`gosms.delivery.follow`); the runner follows it on after this process ends."""
    client = Client(token, api_url=api_url, allow_insecure_http=allow_insecure_http, transport=StdlibHTTP())
    with client:
        Budget(budget_for_timeout(timeout)).arm(client)
        if routes:
            return _follow(client, numbers, text, routes, deliver_within, outbox_dir, timeout)
        if not queue:
            result = client.send(list(numbers), text)
            still = [r.phone_number for r in result.failed if r.error is not None and is_transient(r.error)]
            outcome = _words(result, [])
            if still:
                outcome.lines.append("not queued (--no-queue): send it again later")
            return outcome
        outbox = Outbox(outbox_dir)
        try:
            queued = send_or_queue(client, outbox, list(numbers), text, source=SOURCE)
        except (OSError, ConfigError) as exc:  # the outbox cannot be written: say so, and what to do
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return Outcome(1, [f"NOT sent: GoSMS could not take it in time, and it could not be queued: {reason} "
                               "Fix: name a folder this user can write with --outbox or GOSMS_OUTBOX."])
        return _words(queued, queued.queued_numbers, queued.unqueued)


def _follow(client: Client, numbers: Sequence[str], text: str, routes: Sequence[Route],
            deliver_within: Optional[float], outbox_dir: Optional[str], timeout: float) -> Outcome:
    from gosms.delivery.follow import followed, start_following

    outbox = Outbox(outbox_dir)
    plan = plan_send(list(numbers), text)
    try:
        entries, sent_here = start_following(client, outbox, plan, list(routes),
                                             DEFAULT_DELIVER_WITHIN if deliver_within is None else deliver_within,
                                             source=SOURCE, lock_wait=max(0.5, timeout / 2))
    except (OSError, ConfigError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Outcome(1, [f"NOT sent: the outbox, where routed alerts are followed, cannot be written: {reason} "
                           "Fix: name a folder this user can write with --outbox or GOSMS_OUTBOX."])
    lines, code = [], 0
    for entry in entries:
        record = followed(entry)
        if record.verdict == "undelivered":
            code = 1
            lines.append(f"NOT sent to {entry.phone_number}: no route could take it: {record.story()}")
        else:
            lines.append(f"sent to {entry.phone_number}, followed to the handset: {record.story()}")
    if not sent_here:
        lines.append(f"the outbox {outbox.directory} was busy: its runner sends these alerts")
    if not outbox.runner_alive():
        lines.append(f"no runner drains {outbox.directory}: start 'gosms outbox run', or nobody follows these "
                     "alerts to the handset")
    return Outcome(code, lines)
