"""The plugin timeout, shared out as deadlines for the core client's calls.

The check must answer before its own timeout: a slow GoSMS API is then reported by the check
(CRITICAL, "did not answer in time") instead of the plugin being cut off with an UNKNOWN.  Before
each operation the remaining time is split into the per-request connect/read timeouts and the
core :class:`~gosms.wire.retry.RetryPolicy` deadline, so even a last retry that starts just before the
deadline and then waits its full read timeout ends inside the budget.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from gosms.clients.sync import Client

__all__ = ["Budget", "budget_for_timeout"]

MIN_REQUEST_SECONDS = 0.2
"""Below this there is no point starting another request."""


def budget_for_timeout(timeout: float) -> float:
    """Seconds the GoSMS calls may take within a plugin timeout: a margin is kept for the rest."""
    margin = min(2.0, max(0.5, timeout * 0.1))
    return max(MIN_REQUEST_SECONDS, timeout - margin)


class Budget:
    """Time left for GoSMS calls, and how to set up the client to stay within it."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def exhausted(self) -> bool:
        return self.remaining() < MIN_REQUEST_SECONDS

    def arm(self, client: Client) -> None:
        """Fit the client's request timeouts and retry deadline into the time that is left."""
        from gosms.clients.sync import DEFAULT_TIMEOUT  # loaded with the client: the notifier queues before it

        left = self.remaining()
        connect = min(DEFAULT_TIMEOUT[0], max(MIN_REQUEST_SECONDS / 2, left / 4))
        read = min(DEFAULT_TIMEOUT[1], max(MIN_REQUEST_SECONDS / 2, left / 2))
        client.timeout = (connect, read)
        client.retry = dataclasses.replace(client.retry, deadline=max(0.0, left - connect - read))
