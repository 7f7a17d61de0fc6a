"""Alerts followed to the handset through the outbox: start them, and wait for their verdicts.

The decisions (which route next, when a copy is stuck, what to cancel) are the flow's in
:mod:`gosms.wire.following`; this module gives them the outbox's durability.  Each recipient gets
an entry in ``tracking/`` before anything is sent, and every round runs under the outbox's lock
and stores each change before the request that depends on it, so ``gosms outbox run`` (or a
later flush) carries on with whatever a killed ``gosms send --wait`` was following, and two
followers never act on one alert at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..wire.following import FOLLOW_INTERVAL, start
from ..wire.routes import TRACKING, Followed, Route
from .outbox import LOCK_WAIT, STATES, Entry, Outbox

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire.outcomes import SendPlan

__all__ = ["followed", "reload", "start_following", "wait_for_verdicts"]


def start_following(client: Client, outbox: Outbox, plan: SendPlan, routes: Sequence[Route], deliver_within: float,
                    *, source: str = "", lock_wait: float = LOCK_WAIT) -> tuple[list[Entry], bool]:
    """An entry per recipient in ``tracking/``, then one round that sends each through its first
    usable route.  Returns the entries and whether this process sent them (False: the outbox was
    busy for ``lock_wait`` seconds, and its runner sends them)."""
    with outbox._locked(lock_wait) as held:
        entries = [
            outbox._store(client.api_url, client.token, phone, plan.parts, device_id=plan.device_id,
                          to_sim=plan.to_sim, callback_id=plan.callback_id, source=source, state="tracking",
                          follow=start(phone, list(plan.parts), list(routes), deliver_within,
                                       callback_id=plan.callback_id).as_dict())
            for phone in plan.recipients
        ]
        if held:
            outbox.follow(client, keys=[e.id for e in entries])
    return reload(outbox, [e.id for e in entries]), held


def wait_for_verdicts(client: Client, outbox: Outbox, keys: Sequence[str], *, timeout: float,
                      interval: float = FOLLOW_INTERVAL, lock_wait: float = LOCK_WAIT) -> list[Entry]:
    """Rounds over these entries until each is delivered or undelivered, or ``timeout`` passed."""
    end = time.monotonic() + timeout
    while True:
        entries = reload(outbox, keys)
        if all(followed(e).verdict != TRACKING for e in entries) or time.monotonic() >= end:
            return entries
        time.sleep(max(0.0, min(interval, end - time.monotonic())))
        with outbox._locked(lock_wait) as held:
            if held:
                outbox.follow(client, keys=list(keys))


def reload(outbox: Outbox, keys: Sequence[str]) -> list[Entry]:
    """These entries as stored now, in the order of ``keys``."""
    found = {e.id: e for e in outbox._load(STATES, ids=keys)}
    return [found[k] for k in keys if k in found]


def followed(entry: Entry) -> Followed:
    """The entry's follow record (a fresh one, no route tried, for an entry that has none)."""
    if entry.follow is None:
        return start(entry.phone_number, entry.parts, [Route(entry.device_id, entry.to_sim)], 0.0, key=entry.id)
    return Followed.from_dict(entry.follow)

