"""When to try again, how long to wait, and how fast to go: one policy for both transports.

The API allows 10 requests per second per endpoint and answers 429 past that.  The limiter spaces
request starts a little wider than 1/10 s per endpoint, so a burst stays under the cap at the
server's end however it counts its window, and the rare 429 that still happens is retried (a 429
provably was not executed, so even a send may be repeated).

The API counts per account, not per client object, so the spacing is per account too: every client
in the process for the same API address and token shares one :class:`Spacing` (see
:func:`shared_spacing`).  A script that makes a new ``Client()`` for each alert then stays under the
cap exactly like one long-lived client would.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Union

from .config import Token
from .errors import APIError, GoSMSError, ProtocolError, TransportError

__all__ = ["DEFAULT_RATE", "RateLimiter", "RetryPolicy", "Spacing", "is_safe_to_resend", "shared_spacing"]

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
    """Per-endpoint start times; the caller sleeps the returned delay.

    Kept free of any sleeping so the thread-safe and the asyncio limiter share it, and locked
    itself because one instance serves every client of an account: threads of one client, many
    clients, and event loops in other threads all reserve from it.
    """

    def __init__(self, rate: float = DEFAULT_RATE, margin: float = 0.02,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 0.0 if rate <= 0 else (1.0 / rate) * (1.0 + margin)
        self._next: dict[str, float] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def reserve(self, endpoint: str) -> float:
        """Claim the next free start for ``endpoint``; the seconds to wait before starting."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(endpoint, now))
            self._next[endpoint] = slot + self.interval
            return slot - now


_SHARED: dict[tuple[str, str], Spacing] = {}
_SHARED_LOCK = threading.Lock()
_SALT = os.urandom(16)
"""Per process: the registry's keys say nothing about a token even to someone reading memory."""


def shared_spacing(api_url: str, token: Union[Token, str], rate: float = DEFAULT_RATE) -> Spacing:
    """The one :class:`Spacing` of this process for an account (API address and token).

    The API's limit is per account, so clients made one after another (a new ``Client()`` per
    alert, as scripts do) must draw from the same budget or their bursts add up to 429s.  The key
    holds a salted hash of the token, never the token.  A client that asks for another rate than
    the API's (0 for none, or a stricter one) gets a spacing of its own: it chose to differ, and
    sharing would impose its choice on the account's other clients.  Entries are kept for the
    life of the process (one small object per account used), so a discarded client's reservations
    still hold back the next one.
    """
    if rate != DEFAULT_RATE:
        return Spacing(rate)
    secret = token.reveal() if isinstance(token, Token) else token
    key = (api_url.rstrip("/"), hashlib.sha256(_SALT + secret.encode("utf-8")).hexdigest())
    with _SHARED_LOCK:
        spacing = _SHARED.get(key)
        if spacing is None:
            spacing = _SHARED[key] = Spacing(rate)
        return spacing


class RateLimiter:
    """Thread-safe: many threads and many clients of one account stay under the cap together."""

    def __init__(self, rate: float = DEFAULT_RATE, *, spacing: Optional[Spacing] = None) -> None:
        self._spacing = spacing if spacing is not None else Spacing(rate)

    def acquire(self, endpoint: str) -> None:
        delay = self._spacing.reserve(endpoint)
        if delay > 0:
            time.sleep(delay)
