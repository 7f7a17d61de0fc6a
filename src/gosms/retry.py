"""When to try again, how long to wait, and how fast to go: one policy for both transports.

The API allows 10 requests per second per endpoint and answers 429 past that.  The limiter spaces
request starts a little wider than 1/10 s per endpoint, so a burst stays under the cap at the
server's end however it counts its window, and the rare 429 that still happens is retried (a 429
provably was not executed, so even a send may be repeated).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from .errors import APIError, GoSMSError, ProtocolError, TransportError

__all__ = ["DEFAULT_RATE", "RateLimiter", "RetryPolicy", "Spacing", "is_safe_to_resend"]

DEFAULT_RATE = 10.0
"""Requests per second per endpoint that the API allows (rate-limit page)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter under an overall deadline.

    ``deadline`` bounds the whole operation, waits included, so a caller with its own timeout
    (a monitoring check, an Ansible task) can size it and never be surprised.
    """

    attempts: int = 6
    deadline: float = 60.0
    base: float = 0.5
    factor: float = 2.0
    cap: float = 10.0
    jitter: float = 0.5
    """Share of each delay that is randomised, so many clients do not retry in step."""

    def backoff(self, attempt: int, retry_after: Optional[float] = None, rng: Callable[[], float] = random.random
                ) -> float:
        """Delay before attempt ``attempt + 1``; a server's ``Retry-After`` is never undercut."""
        delay = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        delay = delay * (1 - self.jitter) + delay * self.jitter * rng()
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def retryable(self, exc: GoSMSError) -> bool:
        """Whether waiting and trying again can help at all (the caller still checks the deadline)."""
        if isinstance(exc, APIError):
            return exc.info.retryable and exc.info.retry_after <= self.deadline
        if isinstance(exc, ProtocolError):
            return exc.http_status == 429 or exc.http_status >= 500 or 200 <= exc.http_status < 300
        return isinstance(exc, TransportError)


NO_RETRY = RetryPolicy(attempts=1, deadline=0.0)


def is_safe_to_resend(exc: GoSMSError) -> bool:
    """True only where the request provably did not take effect: 429, or never reached the server."""
    if isinstance(exc, ProtocolError):
        return exc.http_status == 429
    if isinstance(exc, TransportError):
        return not exc.sent
    return False


class Spacing:
    """Per-endpoint start times, reserved under a lock; the caller sleeps the returned delay.

    Kept free of any sleeping so the thread-safe and the asyncio limiter share it.
    """

    def __init__(self, rate: float = DEFAULT_RATE, margin: float = 0.02,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0 if rate <= 0 else (1.0 / rate) * (1.0 + margin)
        self._next: dict[str, float] = {}
        self._clock = clock

    def reserve(self, endpoint: str) -> float:
        now = self._clock()
        slot = max(now, self._next.get(endpoint, now))
        self._next[endpoint] = slot + self.interval
        return slot - now


class RateLimiter:
    """Thread-safe: many threads sending through one client still stay under the cap together."""

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        self._spacing = Spacing(rate)
        self._lock = threading.Lock()

    def acquire(self, endpoint: str) -> None:
        with self._lock:
            delay = self._spacing.reserve(endpoint)
        if delay > 0:
            time.sleep(delay)
