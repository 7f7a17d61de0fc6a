"""The outbox's one queue manager: ``gosms outbox run`` flushes when alerts arrive, not once a minute.

Why: with spool-first hand-off (:mod:`gosms.delivery.handoff`), an alert written into ``new/``
waits for the runner; a runner that slept its whole interval would page the on-call a minute late.
So between flushes the runner looks at the names in ``new/`` every :data:`POLL` seconds (a
directory listing, no third-party watcher) and flushes as soon as one appears that the last flush
did not see, when a digest falls due, or after ``interval`` anyway (retries after an outage).
The names are compared, not the folder's modification time, whose clock ticks coarsely enough for
an alert written just after a flush began to go unnoticed.

Sending keeps to the account's rate through the client's budget; the quota's reserve, when a
tariff is given, is judged from the month's count (``client.month_usage``, the state file
``gosms usage`` and ``check_gosms --quota`` keep) plus what this runner sent since.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from ..wire.errors import GoSMSError
from ..wire.folding import reserve_in_force
from .digest import fold
from .handoff import advertise
from .outbox import FlushReport, Outbox

if TYPE_CHECKING:
    from ..clients.sync import Client

__all__ = ["POLL", "QuotaReserve", "Runner"]

log = logging.getLogger("gosms")

POLL = 0.05
"""Seconds between looks at ``new/``: an alert handed over waits at most this long for the runner."""
RETRY_AFTER = 10.0
"""Seconds before the next try once a flush found the API out of reach (at most ``interval``)."""
USAGE_REFRESH = 300.0
"""Seconds between counts of the month's messages on the server while the runner lives."""


def arrivals(outbox: Outbox) -> frozenset[str]:
    """The names in ``new/`` now (empty when the folder does not exist yet)."""
    try:
        return frozenset(os.listdir(outbox.directory / "new"))
    except OSError:
        return frozenset()


class QuotaReserve:
    """Whether less than ``reserve`` (a fraction) of the month's ``quota`` is left."""

    def __init__(self, client: Client, quota: int, reserve: float, state_path: Optional[str] = None) -> None:
        self.client, self.quota, self.reserve = client, quota, reserve
        self.state_path = state_path
        self.counted: Optional[int] = None
        self.sent_since = 0
        self._counted_at = -USAGE_REFRESH
        self.note = ""

    def refresh(self, now: Optional[float] = None) -> None:
        """Count the month on the server again (pages only what is new), keeping the shared state."""
        from .usage_state import StateFile, default_state_path

        moment = time.monotonic() if now is None else now
        if moment - self._counted_at < USAGE_REFRESH:
            return
        self._counted_at = moment
        store = StateFile(self.state_path or default_state_path(self.client.api_url, self.client.token),
                          self.client.api_url)
        try:
            usage = self.client.month_usage(store.load())
        except GoSMSError as exc:
            self.note = f"could not count this month's messages ({exc}); the reserve is judged from the last count"
            return
        store.save(usage.as_state())
        self.counted, self.sent_since, self.note = usage.count, 0, ""

    def used(self) -> Optional[int]:
        return None if self.counted is None else self.counted + self.sent_since

    def in_force(self) -> bool:
        self.refresh()
        used = self.used()
        return used is not None and reserve_in_force(used, self.quota, self.reserve)


class Runner:
    """Flush ``outbox`` whenever there is work, until ``stop`` says so."""

    def __init__(self, outbox: Outbox, client: Client, interval: float,
                 reserve: Optional[QuotaReserve] = None) -> None:
        self.outbox, self.client, self.interval, self.reserve = outbox, client, interval, reserve
        outbox.folding = fold
        if reserve is not None:
            outbox.reserve_in_force = reserve.in_force

    def run(self, stop: Callable[[], bool], show: Callable[[FlushReport], None],
            failed: Callable[[GoSMSError], None]) -> None:
        """Call while holding :meth:`Outbox.as_runner`: senders hand alerts over from then on."""
        try:
            advertise(self.outbox, self.client.api_url, self.client.token)
        except (OSError, GoSMSError) as exc:  # senders then send themselves: slower in a storm, nothing lost
            log.warning("outbox: cannot say which account this runner serves (%s); alerts are not handed over", exc)
        while not stop():
            seen = arrivals(self.outbox)
            try:
                report = self.outbox.flush(self.client, wait=self.interval, stop=stop)
            except GoSMSError as exc:  # the next round may do better; a service must not die of it
                failed(exc)
                report = FlushReport()
            else:
                if self.reserve is not None:
                    self.reserve.sent_since += sum(len(e.sent_ids) for e in report.sent)
                show(report)
            self._wait(stop, seen, report)

    def _wait(self, stop: Callable[[], bool], seen: frozenset[str], report: FlushReport) -> None:
        """Until a name appears in ``new/`` that the flush did not see, a digest or a round of following
        is due, or ``interval``."""
        end = time.monotonic() + self.interval
        if report.follow_again is not None:  # alerts followed to the handset: their next round
            end = min(end, time.monotonic() + report.follow_again)
        if report.next_due is not None:
            end = min(end, time.monotonic() + max(0.0, report.next_due - time.time()))
        if report.follow_again is not None:  # alerts followed to the handset: within their window
            end = min(end, time.monotonic() + report.follow_again)
        if report.stopped_by is not None:  # the API is out of reach: new alerts wait for the retry
            return self._sleep(stop, min(end, time.monotonic() + RETRY_AFTER))
        while not stop() and time.monotonic() < end:
            if arrivals(self.outbox) - seen:
                return None
            time.sleep(POLL)
        return None

    @staticmethod
    def _sleep(stop: Callable[[], bool], end: float) -> None:
        while not stop() and time.monotonic() < end:
            time.sleep(min(POLL * 4, max(0.0, end - time.monotonic())))
