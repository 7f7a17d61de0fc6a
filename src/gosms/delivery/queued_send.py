"""Send an alert now, and queue in the outbox each recipient the API could not take yet.

Apart from :mod:`gosms.delivery.outbox` (the spool itself) because only a send needs it: a command that
queues for its turn in a storm loads the outbox's settings first and this, with the send path,
when its turn comes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from ..wire.errors import ConfigError
from ..wire.outcomes import BulkResult, SendPlan, plan_send
from .failures import is_transient
from .outbox import Entry, Outbox
from .spool import crash_point

if TYPE_CHECKING:
    from ..clients.sync import Client

__all__ = ["QueuedSend", "send_or_queue", "send_plan_or_queue"]


@dataclass
class QueuedSend(BulkResult):
    """A :class:`~gosms.wire.outcomes.BulkResult` that also says which failed recipients were queued."""

    queued: list[Entry] = field(default_factory=list)
    outbox: Optional[Outbox] = None
    unqueued: dict[str, str] = field(default_factory=dict)
    """Recipients that were to be queued but the outbox could not keep (a full disk), with why: the
    others' ids are still reported, so a caller that retries does not send them twice."""

    @property
    def queued_numbers(self) -> list[str]:
        return [e.phone_number for e in self.queued]

    @property
    def not_queued(self) -> list[Any]:
        """Recipients that did not get the alert and will not: refused for good, reported now."""
        numbers = set(self.queued_numbers)
        return [r for r in self.failed if r.phone_number not in numbers]

    @property
    def accepted(self) -> bool:
        """Every recipient either got the alert or has it waiting in the outbox."""
        return not self.not_queued

    def summary(self) -> str:
        text = super().summary()
        if self.queued:
            text += (f" Queued in the outbox for {', '.join(self.queued_numbers)}: its next flush "
                     "sends it.")
        for number, why in self.unqueued.items():
            text += f" NOT queued for {number}: {why}"
        return text

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(accepted=self.accepted, queued=[e.describe() for e in self.queued],
                    outbox=str(self.outbox.directory) if self.outbox is not None else None,
                    unqueued=dict(self.unqueued))
        return data


def send_or_queue(client: Client, outbox: Outbox, to: Union[str, Sequence[str]], message: str,
                  **send_options: Any) -> QueuedSend:
    """Send the alert; queue each recipient whose send failed for a transient reason.

    Bad input raises before anything is sent or queued, as :meth:`gosms.Client.send` does.  A
    recipient refused for good (1003, 3000, 2001, ...) is not queued: it is in ``not_queued``,
    with its error, for the caller to report at once.
    """
    source = str(send_options.pop("source", ""))
    return send_plan_or_queue(client, outbox, plan_send(to, message, **send_options), source=source)


def send_plan_or_queue(client: Client, outbox: Outbox, plan: SendPlan, *, source: str = "") -> QueuedSend:
    """:func:`send_or_queue` for a plan checked already (the command line checks its input first)."""
    started = time.time()
    result = client.send_plan(plan)
    crash_point("answered-all")
    queued: list[Entry] = []
    unqueued: dict[str, str] = {}
    for recipient in result.failed:
        error = recipient.error
        if error is None or not is_transient(error):
            continue
        try:
            queued.append(outbox._store(
                client.api_url, client.token, recipient.phone_number, result.parts or plan.parts,
                device_id=plan.device_id, to_sim=plan.to_sim, callback_id=plan.callback_id, sent_ids=recipient.ids,
                attempts=1, last_error=str(error), maybe_sent_since=started if error.maybe_sent else None,
                source=source))
        except ConfigError as exc:  # after others were sent: report each recipient, never "nothing sent"
            unqueued[recipient.phone_number] = str(exc)
    return QueuedSend(result.results, result.parts, queued=queued, outbox=outbox, unqueued=unqueued)
