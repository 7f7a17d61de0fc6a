"""How many messages the account created this month, counted from the message list.

The API has no quota endpoint, so usage is counted by paging ``GET /sms`` (newest first) back to the
start of the month.  A busy account would be re-paged on every check, so the count is kept in a
small JSON-able state: the next count only pages through what is newer than last time.

The month is the calendar month in Moscow time (UTC+3, no daylight saving since 2014), where
GoSMS bills its tariffs; pass another ``tz`` where an operator knows better.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Optional

from . import flows
from .config import Token
from .models import Page
from .retry import RetryPolicy

__all__ = ["BILLING_TZ", "MonthUsage", "month_start", "month_usage"]

BILLING_TZ = timezone(timedelta(hours=3), "MSK")
PAGE_SIZE = 100
MAX_PAGES = 1000
"""Bounds one count at 100,000 messages, so a check always ends."""


def month_start(now: Optional[float] = None, tz: tzinfo = BILLING_TZ) -> datetime:
    moment = datetime.fromtimestamp(time.time() if now is None else now, tz=tz)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass
class MonthUsage:
    month: str
    count: int
    newest_time: int = 0
    newest_ids: list[str] = field(default_factory=list)
    pages_read: int = 0

    def as_state(self) -> dict[str, Any]:
        return {"month": self.month, "count": self.count, "newest_time": self.newest_time,
                "newest_ids": self.newest_ids}

    @classmethod
    def from_state(cls, state: Optional[Mapping[str, Any]]) -> Optional[MonthUsage]:
        if not state:
            return None
        try:
            return cls(str(state["month"]), int(state["count"]), int(state.get("newest_time", 0)),
                       [str(i) for i in state.get("newest_ids", [])])
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
    """A :class:`MonthUsage`; pass the previous one's ``as_state()`` to page only what is new."""
    start = month_start(now, tz)
    month = start.strftime("%Y-%m")
    start_ts = int(start.timestamp())
    previous = MonthUsage.from_state(state)
    if previous is None or previous.month != month:
        previous = MonthUsage(month, 0)
    known = set(previous.newest_ids)
    added = 0
    newest_time = previous.newest_time
    newest_ids = list(previous.newest_ids)
    pages = 0
    done = False
    for offset in range(1, MAX_PAGES + 1):
        page: Page = yield from flows.list_page(base_url, token, policy, limit=PAGE_SIZE, offset=offset)
        pages += 1
        for item in page.items:
            if item.time_create < start_ts or item.time_create < previous.newest_time:
                done = True
                break
            if item.id in known:
                continue
            added += 1
            known.add(item.id)
            if item.time_create > newest_time:
                newest_time, newest_ids = item.time_create, [item.id]
            elif item.time_create == newest_time:
                newest_ids.append(item.id)
        if done or len(page.items) < PAGE_SIZE:
            break
    return MonthUsage(month, previous.count + added, newest_time, newest_ids, pages)
