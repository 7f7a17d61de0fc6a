"""How many messages the account created this month, counted from the message list.

The API has no quota endpoint, so usage is counted by paging ``GET /sms`` back to the start of the
month.  The documented list is newest first, so the count stops at the first message older than
the month, and a busy account would still be re-paged on every check; the count is therefore kept
in a small JSON-able state, and the next count only pages through what is newer than last time.

A server may list oldest first instead (the docs show only an example).  The order is read from
the ``time_create`` values seen (see :mod:`gosms.wire.paging`); oldest first, neither stop is safe, so
every page is read (up to ``MAX_PAGES``) and every message of this month counted afresh, whatever
the state says.  The state also remembers what ``offset`` turned out to count, so an incremental
count that stops after one page still starts where the list starts.  (Until some count has read
past page 1 and found out, a server counting records from 0 keeps its newest message from a
one-page count; that message is counted by the first count after a newer one arrives.)

The month is the calendar month in Moscow time (UTC+3, no daylight saving since 2014), where
GoSMS bills its tariffs; pass another ``tz`` where an operator knows better.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Optional

from .config import Token
from .paging import OFFSET_MODES, OLDEST_FIRST, Pager
from .retry import RetryPolicy

if TYPE_CHECKING:
    from . import flows

__all__ = ["BILLING_TZ", "MonthUsage", "month_start", "month_usage"]

BILLING_TZ = timezone(timedelta(hours=3), "MSK")
PAGE_SIZE = 100
MAX_PAGES = 1000
"""Bounds one count at 100,000 messages, so a check always ends."""


def month_start(now: Optional[float] = None, tz: tzinfo = BILLING_TZ) -> datetime:
    """The first moment of the billing month ``now`` falls in (the emulator's quota uses it too)."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=tz)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass
class MonthUsage:
    """A month's count, and what the next count needs to page only what is new.

    ``list_offset`` is what the server's ``offset`` counts, once a count found out (see
    :data:`gosms.wire.paging.OFFSET_MODES`); ``list_order`` is the order the last count saw (not kept in
    the state: every count looks again).
    """

    month: str
    count: int
    newest_time: int = 0
    newest_ids: list[str] = field(default_factory=list)
    pages_read: int = 0
    list_offset: str = ""
    list_order: str = ""

    def as_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"month": self.month, "count": self.count, "newest_time": self.newest_time,
                                 "newest_ids": self.newest_ids}
        if self.list_offset:
            state["list_offset"] = self.list_offset
        return state

    @classmethod
    def from_state(cls, state: Optional[Mapping[str, Any]]) -> Optional[MonthUsage]:
        if not state:
            return None
        try:
            offsets = str(state.get("list_offset") or "")
            return cls(str(state["month"]), int(state["count"]), int(state.get("newest_time", 0)),
                       [str(i) for i in state.get("newest_ids", [])],
                       list_offset=offsets if offsets in OFFSET_MODES else "")
        except (KeyError, TypeError, ValueError):
            return None


def month_usage(
    base_url: str,
    token: Token,
    policy: RetryPolicy,
    *,
    state: Optional[Mapping[str, Any]] = None,
    now: Optional[float] = None,
    tz: tzinfo = BILLING_TZ,
) -> flows.Flow:
    """A :class:`MonthUsage`; pass the previous one's ``as_state()`` to page only what is new.

    Two counts run side by side over the same pages, because the order is only known once two
    messages with different times were seen: the incremental one (newest first: stop at the first
    message older than the month or than the state's newest) and the full one (every message of
    this month).  The list's order picks the answer; while it is unknown, paging goes on.
    """
    start = month_start(now, tz)
    month = start.strftime("%Y-%m")
    start_ts = int(start.timestamp())
    previous = MonthUsage.from_state(state)
    offsets = previous.list_offset if previous is not None else ""
    if previous is None or previous.month != month:
        previous = MonthUsage(month, 0)
    pager = Pager(PAGE_SIZE, max_pages=MAX_PAGES, mode=offsets or None, ordered=False)
    # Newest first: what is newer than the previous count.
    known = set(previous.newest_ids)
    added = 0
    newest_time = previous.newest_time
    newest_ids = list(previous.newest_ids)
    stopped = False
    # Any order: every message of this month.
    in_month = 0
    month_newest = 0
    month_newest_ids: list[str] = []
    while not pager.done:
        items = yield from pager.step(base_url, token, policy)
        for item in items:
            if item.time_create >= start_ts:
                in_month += 1
                if item.time_create > month_newest:
                    month_newest, month_newest_ids = item.time_create, [item.id]
                elif item.time_create == month_newest:
                    month_newest_ids.append(item.id)
            if stopped:
                continue
            if item.time_create < start_ts or item.time_create < previous.newest_time:
                stopped = True
                continue
            if item.id in known:
                continue
            added += 1
            known.add(item.id)
            if item.time_create > newest_time:
                newest_time, newest_ids = item.time_create, [item.id]
            elif item.time_create == newest_time:
                newest_ids.append(item.id)
        if stopped and pager.order is not None and pager.order != OLDEST_FIRST:
            break  # newest first: the rest is older than the month or already counted
    learned = pager.mode or ""
    if pager.order == OLDEST_FIRST:
        return MonthUsage(month, in_month, month_newest, month_newest_ids, pager.requests, learned, OLDEST_FIRST)
    return MonthUsage(month, previous.count + added, newest_time, newest_ids, pager.requests, learned,
                      pager.order or "")
