"""Folding in the outbox: each flush asks :mod:`gosms.wire.folding` what to do per recipient.

Called by :meth:`gosms.delivery.outbox.Outbox.flush` before it sends: entries that asked for
folding (``fold_window`` above 0, set by the tool that queued them) are grouped by number; the
alerts past the burst stay in ``new/`` marked ``held`` (or ``flap``, ``reserve``), and when their
window closes one digest entry is written that ``carries`` them, and they move to ``folded/``
with ``folded_into`` naming it.  The digest is sent like any entry, at the account's rate.

Order on disk keeps every alert on record through a crash: the digest is written (with the ids it
carries) before its alerts move to ``folded/``; a flush that finds held alerts already carried by
a digest folds them into that one instead of writing another.  Entries without folding pass
through untouched, unless the quota's reserve is in force: then non-urgent ones fold as well,
with the default window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from ..wire.folding import DEFAULT_POLICY, Alert, FoldPolicy, digest_text, plan_folding
from .outbox import PENDING, Entry

if TYPE_CHECKING:
    from ..clients.sync import Client
    from .outbox import FlushReport, Outbox

__all__ = ["DIGEST", "fold"]

DIGEST = "digest"
"""The ``kind`` and ``source`` of an entry the runner wrote to carry folded alerts."""
_HELD_REASONS = ("held", "flap", "reserve")
_ON_RECORD = ("new", "sending", "folded", "tracking", "sent", "delivered", "undelivered")
"""What the folding looks at: waiting alerts and those that went (expired and failed ones never did)."""


def _alert(entry: Entry) -> Alert:
    return Alert(entry.id, entry.created, entry.message, entry.kind, entry.host, entry.service, entry.severity)


def _policy(entries: Sequence[Entry]) -> FoldPolicy:
    folding = [e for e in entries if e.fold_window > 0]
    if not folding:
        return DEFAULT_POLICY
    latest = max(folding, key=lambda e: e.created)
    return FoldPolicy(max(0, int(latest.fold_burst)), float(latest.fold_window))


def fold(outbox: Outbox, client: Client, report: FlushReport, now: float) -> list[Entry]:
    """The pending entries to send in this flush, oldest first, digests due now among them."""
    everything = outbox._load(_ON_RECORD)
    pending = [e for e in everything if e.state in PENDING]
    reserve = outbox.reserve_in_force()
    mine: dict[str, list[Entry]] = defaultdict(list)
    out: list[Entry] = []
    for entry in pending:
        folds = entry.kind != DIGEST and (entry.fold_window > 0 or (reserve and entry.state == "new")
                                          or entry.fold_reason in _HELD_REASONS)
        if folds and entry.state == "new" and entry.belongs_to(client.api_url, client.token):
            mine[entry.phone_number].append(entry)
        else:
            out.append(entry)
    if not mine:
        return out
    history: dict[str, list[Entry]] = defaultdict(list)
    for entry in everything:
        if (entry.phone_number in mine and entry.state not in PENDING) or entry.kind == DIGEST:
            history[entry.phone_number].append(entry)
    due: list[float] = []
    for number, entries in mine.items():
        out.extend(_fold_number(outbox, client, entries, history[number], now, reserve, due))
    if due:
        report.next_due = min(due)
    return sorted(out, key=lambda e: (e.created, e.id))


def _fold_number(outbox: Outbox, client: Client, entries: list[Entry], history: list[Entry], now: float,
                 reserve: bool, due: list[float]) -> list[Entry]:
    by_id = {e.id: e for e in entries}
    digests = [e for e in history if e.kind == DIGEST]
    carried = {alert_id: d for d in digests for alert_id in d.carries}
    for entry in entries:  # a crash between writing a digest and folding its alerts: finish the move
        if entry.id in carried:
            _fold_into(outbox, entry, carried[entry.id])
    entries = [e for e in entries if e.id not in carried]
    held = [(_alert(e), e.fold_reason) for e in entries if e.fold_reason in _HELD_REASONS]
    fresh = [_alert(e) for e in entries if e.fold_reason not in _HELD_REASONS]
    sent_alone = [e.created for e in history if e.kind != DIGEST and not e.folded_into
                  and e.state not in ("new", "folded")]
    last_digest = max((d.created for d in digests), default=None)
    plan = plan_folding(fresh, held, sent_alone, last_digest, _policy(entries), now, reserve)
    for alert_id, reason in plan.held.items():
        entry = by_id[alert_id]
        entry.fold_reason = reason
        outbox._write(entry, "new")
    send = [by_id[i] for i in plan.alone]
    if plan.digest:
        members = [by_id[i] for i in plan.digest]
        text = digest_text([(_alert(e), e.fold_reason) for e in members])
        first = members[0]
        digest = outbox._store(
            client.api_url, client.token, first.phone_number, [text], device_id=first.device_id,
            to_sim=first.to_sim, source=DIGEST,
            alert={"kind": DIGEST, "fold_burst": first.fold_burst, "fold_window": first.fold_window,
                   "carries": [e.id for e in members]})
        for entry in members:
            _fold_into(outbox, entry, digest)
        send.append(digest)
    elif plan.due is not None:
        due.append(plan.due)
    return send


def _fold_into(outbox: Outbox, entry: Entry, digest: Entry) -> None:
    entry.folded_into = digest.id
    entry.fold_reason = entry.fold_reason or "held"
    outbox._write(entry, "folded")


def carrier_of(entry: Entry, digests: dict[str, Entry]) -> Optional[Entry]:
    """The entry whose SMS carried ``entry``: itself, or the digest it was folded into."""
    if entry.folded_into:
        return digests.get(entry.folded_into)
    return entry
