"""``check_gosms --outbox DIR``: alerts that never reached a handset, read from the outbox on disk.

The API only says what it accepted; the outbox says what became of each alert after that
(:mod:`gosms.delivery.outbox`: tracking, delivered, undelivered).  CRITICAL while any alert of the
window (24 h unless ``--outbox-window``) is undelivered, naming number, time and first words, so
the on-call learns who was not paged; WARNING when alerts wait longer than they should (a route's
``deliver_within`` for each of its routes, and a grace) or wait with no runner to drain the outbox
(``Outbox.runner_alive``), or when files in it are not sound entries (set aside in ``corrupt/``,
never sent: ``Outbox.corrupt``).  Local files only: no request, no token needed for this part.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Optional

import nagiosplugin  # type: ignore[import-untyped]
from nagiosplugin import Critical, Metric, Ok, Performance, Result, Warn

from gosms.delivery.outbox import Entry, Outbox

from ..common.text import plain_text

__all__ = ["OutboxContext", "OutboxPart"]

GRACE = 120.0
"""Seconds a followed alert may run past the time its routes get (reads, cancels, a busy machine)."""
NAMED = 3
"""Undelivered alerts named in the status line; the rest are counted."""
FIRST_WORDS = 6


def _when(entry: Entry) -> str:
    return datetime.fromtimestamp(entry.created, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _first_words(entry: Entry) -> str:
    words = plain_text(entry.message).split()
    return " ".join(words[:FIRST_WORDS]) + (" ..." if len(words) > FIRST_WORDS else "")


def _expected(entry: Entry, stale: float) -> float:
    """Seconds this alert may take before it is late."""
    follow = entry.follow or {}
    if entry.state == "tracking":
        routes = max(1, len(follow.get("routes") or []))
        return float(follow.get("deliver_within") or 0) * routes + GRACE
    return stale


class OutboxPart(nagiosplugin.Resource):  # type: ignore[misc]
    """Counts per state over the window, and the undelivered and late alerts themselves."""

    key = "outbox"

    def __init__(self, directory: str, window: float, stale: float) -> None:
        self.outbox = Outbox(directory)
        self.window = window
        self.stale = stale
        self.undelivered: list[Entry] = []
        self.late: list[Entry] = []
        self.runner = False
        self.corrupt: list[Any] = []
        self.delivered = 0
        self.waiting = 0

    @property
    def name(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return f"outbox {self.outbox.directory}"

    def probe(self) -> list[Any]:
        now = time.time()
        entries = [e for e in self.outbox.entries() if now - e.created <= self.window]
        self.undelivered = [e for e in entries if e.state == "undelivered"]
        waiting = [e for e in entries if e.state in ("new", "sending", "tracking")]
        self.late = [e for e in waiting if now - e.created > _expected(e, self.stale)]
        self.runner = self.outbox.runner_alive()
        self.corrupt = self.outbox.corrupt()
        delivered = self.delivered = sum(1 for e in entries if e.state == "delivered")
        self.waiting = len(waiting)
        return [
            Metric("undelivered", len(self.undelivered), min=0, context="outbox"),
            Metric("late", len(self.late), min=0, context="outbox"),
            Metric("unattended", 0 if self.runner or not waiting else len(waiting), min=0, context="outbox"),
            Metric("corrupt", len(self.corrupt), min=0, context="outbox"),
            Metric("waiting", len(waiting), min=0, context="outbox"),
            Metric("delivered", delivered, min=0, context="outbox"),
        ]


class OutboxContext(nagiosplugin.Context):  # type: ignore[misc]
    """Undelivered: CRITICAL; late, no runner while alerts wait, or corrupt files: WARNING; counts as perfdata."""

    def __init__(self) -> None:
        super().__init__("outbox")

    def evaluate(self, metric: Any, resource: Any) -> Any:
        part: OutboxPart = resource
        if metric.name == "undelivered" and metric.value:
            named = "; ".join(f"{e.phone_number} at {_when(e)} '{_first_words(e)}'"
                              for e in part.undelivered[:NAMED])
            more = f" and {len(part.undelivered) - NAMED} more" if len(part.undelivered) > NAMED else ""
            return Result(Critical, f"{metric.value} alert(s) reached no handset on any route: {named}{more}", metric)
        if metric.name == "late" and metric.value:
            oldest = min(part.late, key=lambda e: e.created)
            return Result(Warn, f"{metric.value} alert(s) wait longer than expected, the oldest since "
                                f"{_when(oldest)} to {oldest.phone_number}", metric)
        if metric.name == "unattended" and metric.value:
            return Result(Warn, f"{metric.value} alert(s) wait and no runner drains the outbox: start "
                                "'gosms outbox run' (or its service)", metric)
        if metric.name == "corrupt" and metric.value:
            first = part.corrupt[0]
            return Result(Warn, f"{metric.value} file(s) in the outbox are not sound alerts and were never sent "
                                f"(the first: {first.name}, {first.reason}): see 'gosms outbox list'", metric)
        if metric.name == "undelivered":
            return Result(Ok, f"no alert undelivered in the last {part.window / 3600:g} h, {part.delivered} "
                              f"delivered, {part.waiting} on the way", metric)
        return Result(Ok, None, metric)

    def describe(self, metric: Any) -> Optional[str]:
        return None

    def performance(self, metric: Any, resource: Any) -> Any:
        return Performance(f"outbox_{metric.name}", metric.value, "", None, None, 0)
