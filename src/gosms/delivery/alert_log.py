"""Every alert on record with the SMS that carried it: ``gosms outbox log``.

Why: folding sends fewer SMS than alerts; the record must still show each alert (who, what, when,
its state) and which SMS carried it, its own or a digest's, so nothing goes missing from the
record even when it was folded.  Read from the outbox's files (kept a day after sending).
"""

from __future__ import annotations

from typing import Any

from .digest import DIGEST
from .outbox import Entry, Outbox

__all__ = ["alert_log"]


def alert_log(outbox: Outbox) -> list[dict[str, Any]]:
    """One record per alert (digests themselves are carriers, not alerts), oldest first."""
    entries = outbox.entries()
    digests = {e.id: e for e in entries if e.kind == DIGEST}
    return [_record(e, digests) for e in entries if e.kind != DIGEST]


def _record(entry: Entry, digests: dict[str, Entry]) -> dict[str, Any]:
    carrier = digests.get(entry.folded_into) if entry.folded_into else entry
    if carrier is None:  # folded into a digest pruned before it: still on record, carrier unknown
        state, ids, sent_at = "folded", [], None
    else:  # the alert's state is its SMS's: a folded alert is sent when its digest is
        state, ids = carrier.state, list(carrier.sent_ids)
        sent_at = carrier.last_attempt if carrier.sent_ids else None
    if entry.state == "new" and entry.fold_reason:
        state = entry.fold_reason  # held, flap or reserve: waiting for its digest
    return {
        "id": entry.id, "phone_number": entry.phone_number, "message": entry.message, "created": entry.created,
        "sent_at": sent_at, "state": state, "kind": entry.kind, "host": entry.host, "service": entry.service,
        "severity": entry.severity, "source": entry.source, "folded": bool(entry.folded_into),
        "fold_reason": entry.fold_reason, "carried_by": entry.folded_into or entry.id, "sms_ids": ids,
    }
