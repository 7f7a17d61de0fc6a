"""What the check measures, each part a nagiosplugin Resource over one shared core client.

Every call is read-only (``GET /sms``, ``POST /devices/get/info``): the check never sends an SMS.
The account check runs first on every run; when it fails, the other parts are not asked, since
they would meet the same failure and repeat it.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

import nagiosplugin  # type: ignore[import-untyped]
from nagiosplugin import Metric

from gosms.clients.sync import Client
from gosms.wire.errors import APIError, GoSMSError, TransportError
from gosms.wire.folding import DEFAULT_RESERVE, reserve_sentence
from gosms.wire.models import Device
from gosms.wire.validation import MAX_PAGE_LIMIT

from ..common.budget import Budget
from ..common.text import plain_text

if TYPE_CHECKING:  # the quota's modules load only when --quota asks for them
    from gosms.delivery.usage_state import StateFile
    from gosms.wire.usage import MonthUsage

__all__ = ["Account", "Delivery", "Phone", "Quota", "Session"]

T = TypeVar("T")
log = logging.getLogger("nagiosplugin.gosms_nagios")


class Session:
    """The client, the time budget, and whether the account check passed.

    ``first_page`` is how many of the newest messages the account check asks for: 1, the cheapest,
    unless the quota or the delivery part reads the newest page anyway.  Then the account check asks
    for that very page, and the client (:class:`~gosms_nagios.check.reads.CheckClient`) gives the
    same answer to the part that reads it next, so the run reads the list once, not two or three times.
    """

    def __init__(self, client: Client, budget: Budget, first_page: int = 1) -> None:
        self.client = client
        self.budget = budget
        self.first_page = first_page
        self.account_error: Optional[GoSMSError] = None

    def call(self, operation: Callable[[], T]) -> T:
        """Run one client operation with timeouts and retry deadline fitted into what is left."""
        if self.budget.exhausted():
            raise TransportError(
                f"No time left within the plugin timeout to ask {self.client.api_url}: "
                "earlier requests were too slow.", sent=False)
        self.budget.arm(self.client)
        return operation()


class _Part(nagiosplugin.Resource):  # type: ignore[misc]
    key = "part"

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def name(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        return self.key

    def failed(self, exc: GoSMSError) -> Any:
        return Metric(f"{self.key}_error", exc, context="gosms_error")

    def skipped(self) -> Optional[Any]:
        if self.session.account_error is None:
            return None
        return Metric(f"{self.key}_skipped", "the account check failed", context="skipped")


class Account(_Part):
    """The cheapest read-only call that proves address, token, permissions and account."""

    key = "api"

    @property
    def label(self) -> str:
        return "API"

    def probe(self) -> list[Any]:
        started = time.monotonic()
        try:
            self.session.call(self._ask)
        except APIError as exc:  # the API answered, with an error: its response time is still real
            self.session.account_error = exc
            # Performance data only: a line "OK: API answered" would contradict the error above it.
            return [self.failed(exc), self._timing(started, context="perf_only")]
        except GoSMSError as exc:  # unreachable, timed out or not the API: no response time to report
            self.session.account_error = exc
            return [self.failed(exc)]
        return [self._timing(started)]

    def _ask(self) -> Any:
        client, size = self.session.client, self.session.first_page
        return client.check_account() if size == 1 else client.list(limit=size, offset=1)

    @staticmethod
    def _timing(started: float, context: str = "api_time") -> Any:
        return Metric("api_time", round(time.monotonic() - started, 4), "s", min=0, context=context)


class Quota(_Part):
    """Messages created this month against the tariff, counted incrementally from a state file."""

    key = "quota"

    def __init__(self, session: Session, quota: int, store: StateFile, reserve: float = DEFAULT_RESERVE) -> None:
        super().__init__(session)
        self.quota = quota
        self.reserve = reserve
        self.store = store
        self.used = 0
        self.usage: Optional[MonthUsage] = None

    def probe(self) -> list[Any]:
        skipped = self.skipped()
        if skipped is not None:
            return [skipped]
        previous = self.store.load()
        if previous is None:
            log.info("%s", self.store.note)
        else:
            log.info("state file %s: month %s, %s messages so far", self.store.path, previous.get("month"),
                     previous.get("count"))
        try:
            usage = self.session.call(lambda: self.session.client.month_usage(previous))
        except GoSMSError as exc:
            return [self.failed(exc)]
        self.usage = usage
        self.used = usage.count
        log.info("month %s: %d messages, %d page(s) read", usage.month, usage.count, usage.pages_read)
        metrics = [
            Metric("quota_used", usage.count, min=0, max=self.quota, context="perf_only"),
            Metric("quota_pct", round(100.0 * usage.count / self.quota, 2), "%", min=0, max=100,
                   context="quota"),
        ]
        reserve = reserve_sentence(usage.count, self.quota, self.reserve)
        if reserve:  # the runner (gosms outbox run --quota) now holds all but urgent alerts: say so
            metrics.append(Metric("quota_reserve", reserve, context="quota_reserve"))
        problem = self.store.save(usage.as_state())
        if problem:
            metrics.append(Metric("state_file", f"{problem}, so every run counts the month again",
                                  context="state_file"))
        return metrics


class Phone(_Part):
    """One phone: active in the control panel, heartbeat recent, battery not running out."""

    key = "phone"

    def __init__(self, session: Session, device_id: str) -> None:
        super().__init__(session)
        self.device_id = device_id
        self.device: Optional[Device] = None

    @property
    def name(self) -> str:
        return f"phone_{self.device_id}"

    @property
    def label(self) -> str:
        name = plain_text(self.device.name) if self.device is not None and self.device.name else ""
        if name:
            return f'phone "{name}" {self.device_id}'
        return f"phone {self.device_id}"

    def failed(self, exc: GoSMSError) -> Any:
        return Metric(f"phone_error_{self.device_id}", exc, context="gosms_error")

    def skipped(self) -> Optional[Any]:
        if self.session.account_error is None:
            return None
        return Metric(f"phone_skipped_{self.device_id}", "the account check failed", context="skipped")

    def probe(self) -> list[Any]:
        skipped = self.skipped()
        if skipped is not None:
            return [skipped]
        try:
            device = self.session.call(lambda: self.session.client.device(self.device_id))
        except GoSMSError as exc:
            return [self.failed(exc)]
        self.device = device
        age = device.seconds_since_seen()
        metrics = [
            Metric(f"active_{self.device_id}", device.is_active, context="phone_active"),
            Metric(f"last_seen_{self.device_id}", None if age is None else int(age), "s", min=0,
                   context="phone_seen"),
        ]
        metrics.append(Metric(f"battery_{self.device_id}", device.battery, "%", min=0, max=100,
                              context="phone_battery"))
        return metrics


class Delivery(_Part):
    """The share of the last N messages that ended in a send or delivery error (``Message.failed``)."""

    key = "delivery"

    def __init__(self, session: Session, window: int) -> None:
        super().__init__(session)
        self.window = window
        self.total = 0
        self.failed_count = 0

    def probe(self) -> list[Any]:
        skipped = self.skipped()
        if skipped is not None:
            return [skipped]
        # the page the account check read when it is larger (the quota's): answered without a request
        page_size = max(min(self.window, MAX_PAGE_LIMIT), self.session.first_page)
        pages = math.ceil(self.window / page_size)

        def last_messages() -> list[Any]:
            newest = self.session.client.iter_messages(page_size=page_size, max_pages=pages)
            return list(itertools.islice(newest, self.window))

        try:
            messages = self.session.call(last_messages)
        except GoSMSError as exc:
            return [self.failed(exc)]
        self.total = len(messages)
        self.failed_count = sum(1 for message in messages if message.failed)
        share = 100.0 * self.failed_count / self.total if self.total else 0.0
        return [
            Metric("delivery_failed", round(share, 2), "%", min=0, max=100, context="delivery"),
            Metric("failed_messages", self.failed_count, min=0, max=self.total, context="perf_only"),
        ]
