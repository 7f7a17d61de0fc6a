"""What stands between a request and the account: HTTP statuses per error, the rate limit, queued
faults, outages and the request log."""

from __future__ import annotations

import copy
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from gosms.wire.errors import Category, lookup

from .faults import FaultRule
from .outage import Outage, parse_outage
from .scenario import Account, ScenarioError, is_int

__all__ = ["DEFAULT_RATE_LIMIT", "DEFAULT_STATUS_BY_CATEGORY", "LOG_LIMIT", "RATE_LIMIT_MODES", "Traffic"]

DEFAULT_RATE_LIMIT = 10
"""Requests per second per endpoint and token (rate-limit page)."""

RATE_LIMIT_MODES: Mapping[str, str] = {
    "lenient": "refused requests do not count in the window; each 429 carries Retry-After: 1 (default)",
    "strict": "refused requests count in the window, so hammering keeps it shut; no Retry-After",
}
"""How the rate limiter treats the requests it refuses: many real limiters behave as ``strict``."""

DEFAULT_STATUS_BY_CATEGORY: Mapping[Category, int] = {
    Category.AUTH: 401,
    Category.PERMISSION: 403,
    Category.ACCOUNT: 403,
    Category.QUOTA: 403,
    Category.NOT_FOUND: 404,
    Category.VALIDATION: 400,
    Category.DEVICE: 400,
    Category.UNKNOWN: 500,
}
"""HTTP status per kind of error.  The docs never pair codes with statuses, so these are the
responses page's own meanings (401 authentication, 403 permissions, 404 not found, 400 bad request,
500 internal) applied to each code's category; a scenario overrides them per code."""

LOG_LIMIT = 10_000


class Traffic(Account):
    """Per-request gates and records, all behind the account's lock."""

    rate_limit: int
    rate_limit_mode: str
    rate_limited: int
    status_overrides: dict[int, int]
    faults: list[FaultRule]
    outage: Outage | None
    log: deque[dict[str, Any]]
    _log_seq: itertools.count[int]
    _windows: dict[tuple[str, str], deque[float]]

    def status_for(self, code: int) -> int:
        with self.lock:
            if code in self.status_overrides:
                return self.status_overrides[code]
            return DEFAULT_STATUS_BY_CATEGORY.get(lookup(code).category, 500)

    def admit(self, endpoint: str, token: str, moment: float) -> bool:
        """Sliding one-second window per endpoint and token; a refused request counts in it only in
        the ``strict`` mode."""
        with self.lock:
            if self.rate_limit <= 0:
                return True
            window = self._windows.setdefault((endpoint, token), deque())
            while window and moment - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                self.rate_limited += 1
                if self.rate_limit_mode == "strict":
                    window.append(moment)
                return False
            window.append(moment)
            return True

    def add_faults(self, rules: Iterable[FaultRule]) -> None:
        with self.lock:
            self.faults.extend(rules)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, endpoint: str) -> FaultRule | None:
        """The first queued rule for this endpoint, used up by one request."""
        with self.lock:
            for index, rule in enumerate(self.faults):
                if rule.matches(endpoint):
                    if rule.after > 0:
                        rule.after -= 1
                        return None
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count <= 0:
                            del self.faults[index]
                    return rule
            return None

    def start_outage(self, data: Any) -> dict[str, Any]:
        """Every API request fails from now on, for ``seconds`` of emulator time (see :mod:`.outage`)."""
        with self.lock:
            now = self.clock.now()
            self.outage = parse_outage(data, now)
            return self.outage.as_dict(now)

    def end_outage(self) -> None:
        with self.lock:
            self.outage = None

    def outage_now(self) -> Outage | None:
        """The outage in force at this moment, if any."""
        with self.lock:
            return self.outage if self.outage is not None and self.outage.active(self.clock.now()) else None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = next(self._log_seq)
            self.log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self.log))

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    def _apply_overrides(self, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise ScenarioError('status_overrides is an object like {"1006": 429}')
        for key, status in value.items():
            try:
                code = int(key)
            except (TypeError, ValueError):
                raise ScenarioError(f"status_overrides key {key!r} is not an error code") from None
            if status is None:
                self.status_overrides.pop(code, None)
            elif is_int(status) and 100 <= status <= 599:
                self.status_overrides[code] = status
            else:
                raise ScenarioError(f"status_overrides[{key!r}] = {status!r} is not an HTTP status")
