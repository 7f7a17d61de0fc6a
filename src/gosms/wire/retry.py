"""When to try again and how long to wait: one policy for every transport.

A request that provably was not executed (a 429, a refused connection) is retried until the
deadline, however many attempts that takes: repeating it cannot double anything, and giving up
early loses an alert exactly when a storm or a restart makes the API busy.  Its waits stay short
(the backoff stops growing after a few steps): how fast the account may go is the business of the
shared rate budget (:mod:`gosms.pacing.budget`), which every retry passes through again.  Everything
else (5xx, timeouts, garbled answers) gets ``attempts`` tries with growing, jittered waits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Optional

from .errors import APIError, GoSMSError, ProtocolError, TransportError

__all__ = ["DEFAULT_DELIVER_WITHIN", "DEFAULT_RATE", "FOLLOW_INTERVAL", "UNEXECUTED_BACKOFF_STEPS", "RetryPolicy",
           "is_safe_to_resend"]

DEFAULT_RATE = 10.0
"""Requests per second per endpoint that the API allows (rate-limit page): an API fact, so it lives
here; the machine-wide budget (:mod:`gosms.pacing.budget`) paces by it."""

UNEXECUTED_BACKOFF_STEPS = 3
"""Backoff steps after which the wait before repeating an unexecuted request stops growing."""

# The waits of following a message to the handset live here, beside the other waits, rather than in
# routes and following: a client that only sends (an Ansible task) then loads neither of those.
DEFAULT_DELIVER_WITHIN = 300.0
"""Seconds a route gets to make progress before the alert moves on (0: do not follow)."""
FOLLOW_INTERVAL = 2.0
"""Seconds between rounds at the quickest (a short ``deliver_within``, ``--wait``)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter under an overall deadline.

    ``deadline`` bounds the whole operation, waits included, so a caller with its own timeout
    (a monitoring check, an Ansible task) can size it and never be surprised.
    """

    attempts: int = 6
    """Tries for a request that may have been executed; an unexecuted one is tried until the deadline."""
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

    def gives_up(self, attempt: int, exc: GoSMSError) -> bool:
        """Whether ``exc`` after ``attempt`` tries ends the operation (the deadline aside)."""
        if not self.retryable(exc):
            return True
        return attempt >= self.attempts and not is_safe_to_resend(exc)

    def delay(self, attempt: int, exc: GoSMSError, retry_after: Optional[float] = None,
              rng: Callable[[], float] = random.random) -> float:
        """The wait before the next try: short and jittered for unexecuted requests, growing otherwise.

        The API's own rule for the code (``retry_after`` in the table) and the server's
        ``Retry-After`` are never undercut.
        """
        step = min(attempt, UNEXECUTED_BACKOFF_STEPS) if is_safe_to_resend(exc) else attempt
        delay = self.backoff(step, retry_after, rng)
        if isinstance(exc, APIError):
            delay = max(delay, exc.info.retry_after)
        return delay


NO_RETRY = RetryPolicy(attempts=1, deadline=0.0)


def is_safe_to_resend(exc: GoSMSError) -> bool:
    """True only where the request provably did not take effect: 429, or never reached the server."""
    if isinstance(exc, ProtocolError):
        return exc.http_status == 429
    if isinstance(exc, TransportError):
        return not exc.sent
    return False
