"""The machinery every flow runs on: one request, retried under the policy, as a generator.

A flow yields :class:`Call` (perform this request, send back a
:class:`~gosms.wire.protocol.Response` or a :class:`Failure`) and :class:`Sleep` (wait this long).
Transports only perform calls and sleeps; :func:`drive` runs a flow with a blocking transport.
Apart from :mod:`.flows` so that :mod:`.paging` can page with :func:`call` while the send flow
pages with :class:`~gosms.wire.paging.Pager` to find a send whose answer was lost: no import circle.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from . import protocol
from .config import Token
from .errors import APIError, Category, GoSMSError, RateLimitError, TransportError
from .protocol import Request, Response
from .retry import RetryPolicy, is_safe_to_resend

__all__ = ["Call", "Failure", "Flow", "Outcome", "Sleep", "answer", "call", "drive", "list_page", "retry_after"]


@dataclass(frozen=True)
class Call:
    """Perform ``request``; ``not_after`` (the flow's clock) is the latest it is worth starting.

    A transport that has to wait for the account's rate budget past ``not_after`` answers a
    rate-limited :class:`Failure` instead of sleeping beyond the caller's deadline.
    """

    request: Request
    not_after: Optional[float] = None


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` before the flow's next step (a backoff, a rate window, a delivery poll)."""

    seconds: float


@dataclass(frozen=True)
class Failure:
    """The transport could not get an answer; ``sent`` says whether the request may have arrived."""

    message: str
    sent: bool
    rate_limited: bool = False
    """Not sent because the account's rate budget had no turn before the deadline."""


Outcome = Union[Response, Failure, None]
Flow = Generator[Union[Call, Sleep], Outcome, Any]


def drive(flow: Flow, perform: Callable[[Request, Optional[float]], Outcome], sleep: Callable[[float], None]
          ) -> Any:
    """Run a flow to its result with a synchronous transport: ``perform`` each call, ``sleep`` each wait.

    ``perform(request, not_after)`` gets the call's latest useful start (see :class:`Call`).  Every
    blocking transport (``requests`` in :class:`gosms.Client`, Ansible's own HTTP client in the
    gosms.sms collection) is then just those two functions.
    """
    try:
        step = next(flow)
        while True:
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = flow.send(None)
            else:
                step = flow.send(perform(step.request, step.not_after))
    except StopIteration as stop:
        return stop.value


def answer(outcome: Outcome) -> Any:
    if isinstance(outcome, Failure):
        if outcome.rate_limited:
            raise RateLimitError(outcome.message)
        raise TransportError(outcome.message, sent=outcome.sent)
    if outcome is None:  # pragma: no cover - a driver bug
        raise TransportError("no answer from the transport", sent=False)
    return protocol.decode(outcome)


def retry_after(outcome: Outcome) -> Optional[float]:
    return protocol.retry_after_seconds(outcome.headers) if isinstance(outcome, Response) else None


def call(
    request: Request,
    policy: RetryPolicy,
    clock: Callable[[], float] = time.monotonic,
    *,
    gone_ok: bool = False,
) -> Flow:
    """One request that is safe to repeat (reads, edits, deletes), retried under the policy.

    With ``gone_ok`` (deletes), "not found" after an attempt whose answer was lost means the lost
    attempt did the work, so it counts as done.
    """
    deadline = clock() + policy.deadline
    attempt = 0
    lost_answer = False
    while True:
        attempt += 1
        outcome = yield Call(request, deadline)
        try:
            return answer(outcome)
        except GoSMSError as exc:
            if gone_ok and lost_answer and isinstance(exc, APIError) and exc.info.category is Category.NOT_FOUND:
                return None
            delay = policy.delay(attempt, exc, retry_after(outcome))
            if policy.gives_up(attempt, exc) or clock() + delay > deadline:
                raise
            lost_answer = lost_answer or not is_safe_to_resend(exc)
            yield Sleep(delay)


def list_page(
    base_url: str, token: Token, policy: RetryPolicy, *, limit: int = 100, offset: int = 1,
    search: Optional[str] = None,
) -> Flow:
    from .models import Page  # loaded where a list is read: a send alone never needs it

    data = yield from call(protocol.build_list(base_url, token, limit=limit, offset=offset, search=search),
                           policy)
    return Page.from_api(data if isinstance(data, dict) else {})
