"""Multi-step operations as generators, so the sync and async clients run the very same logic.

A flow yields :class:`Call` (perform this request, send me back a :class:`~gosms.wire.protocol.Response`
or a :class:`Failure`) and :class:`Sleep` (wait this long), and returns its result.  The transports
only perform calls and sleeps; retrying, de-duplicating a send after an ambiguous failure and
polling for delivery live here once.

Nothing lost, nothing doubled: a send is repeated blindly only where the request provably did not
take effect (429, connection refused), and then until the deadline, however many tries that
takes (see :mod:`gosms.wire.retry`).  Each :class:`Call` carries that deadline, so a transport waiting
for the account's rate budget (:mod:`gosms.pacing.budget`) never waits past it.  After an ambiguous
failure (timeout after the request went out, 5xx, a reset, a garbled 2xx) the flow first looks for
an identical message to that number created moments ago, and sends again only if there is none.
Where the token may not read messages, it sends again and says so: an alert delivered twice beats
an alert lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from . import protocol
from .config import Token, redact
from .errors import APIError, Category, DeliveryTimeout, GoSMSError, ProtocolError
from .protocol import Response
from .retry import RetryPolicy, is_safe_to_resend
from .steps import Call, Failure, Flow, Sleep, answer, call, drive, list_page, retry_after
from .validation import check_message_id

if TYPE_CHECKING:
    from .models import Message, Page

__all__ = ["Call", "Failure", "Flow", "SendResult", "Sleep", "call", "drive", "list_page"]

CLOCK_SLACK = 120
"""Seconds of difference tolerated between this machine's clock and the server's ``time_create``."""
LOOKBACK_LIMIT = 20
LOOKBACK_MAX_PAGES = 10
"""Pages of ``LOOKBACK_LIMIT`` searched for a send whose answer was lost (oldest-first servers)."""


@dataclass
class SendResult:
    """One message part that the API accepted."""

    id: str
    phone_number: str
    message: str
    attempts: int = 1
    recovered: bool = False
    """The answer was lost, but the message was found on the server: not sent twice."""
    notes: list[str] = field(default_factory=list)


def _find_sent(
    base_url: str, token: Token, phone: str, text: str, since: float, exclude: set[str], policy: RetryPolicy
) -> Flow:
    """The id of a matching message created since ``since``; None when there is none.

    Raises when the check itself is impossible (no read permission, the API unreachable).
    """
    # The Pager, not one ``offset=1`` request: a server counting records from 0 hides the newest
    # match at offset=1, and a server listing oldest first puts it on the last page.  Loaded only
    # after a lost answer: an Ansible module compiles what it imports on every run.
    from .paging import NEWEST_FIRST, Pager

    pager = Pager(LOOKBACK_LIMIT, max_pages=LOOKBACK_MAX_PAGES, ordered=False, search=phone)
    while not pager.done:
        items: list[Message] = yield from pager.step(base_url, token, policy)
        for item in items:
            if (
                item.phone_number == phone
                and item.message.strip() == text.strip()
                and item.time_create >= since - CLOCK_SLACK
                and item.id not in exclude
            ):
                return item.id
        if pager.order == NEWEST_FIRST and items and items[-1].time_create < since - CLOCK_SLACK:
            return None  # newest first and already older than the lost attempt
    return None


def send(
    base_url: str,
    token: Token,
    phone: str,
    text: str,
    *,
    device_id: Optional[str] = None,
    to_sim: Optional[int] = None,
    callback_id: Optional[str] = None,
    policy: RetryPolicy,
    known_ids: Optional[set[str]] = None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> Flow:
    """Send one part exactly once where the API lets us tell, at least once where it does not."""
    request = protocol.build_send(
        base_url, token, phone, text, device_id=device_id, to_sim=to_sim, callback_id=callback_id
    )
    exclude = known_ids if known_ids is not None else set()
    check_policy = RetryPolicy(attempts=3, deadline=min(10.0, policy.deadline), base=policy.base)
    deadline = clock() + policy.deadline
    notes: list[str] = []
    ambiguous_since: Optional[float] = None
    attempt = 0
    while True:
        if ambiguous_since is not None:
            try:
                found = yield from _find_sent(base_url, token, phone, text, ambiguous_since, exclude,
                                              check_policy)
            except GoSMSError as exc:
                reason = (
                    "this token may not read messages"
                    if isinstance(exc, APIError) and exc.info.category is Category.PERMISSION
                    else f"the check failed ({redact(str(exc), token)})"
                )
                notes.append(
                    f"The answer to attempt {attempt} was lost and {reason}, so the message was sent again; "
                    "it may arrive twice."
                )
            else:
                if found is not None:
                    exclude.add(found)
                    notes.append(f"The answer to attempt {attempt} was lost; the message was found on the "
                                 "server and not sent again.")
                    return SendResult(found, phone, text, attempt, recovered=True, notes=notes)
        attempt += 1
        started = wall_clock()
        outcome = yield Call(request, deadline)
        try:
            data = answer(outcome)
            message_id = data.get("id") if isinstance(data, dict) else None
            try:
                check_message_id(message_id)
            except GoSMSError:
                raise ProtocolError(
                    f"GoSMS accepted the send but its answer carries no message id: {str(data)[:120]}",
                    http_status=outcome.status if isinstance(outcome, Response) else 0,
                ) from None
            exclude.add(str(message_id))
            return SendResult(str(message_id), phone, text, attempt, notes=notes)
        except GoSMSError as exc:
            delay = policy.delay(attempt, exc, retry_after(outcome))
            if policy.gives_up(attempt, exc) or clock() + delay > deadline:
                _with_notes(exc, notes, ambiguous=ambiguous_since is not None or not is_safe_to_resend(exc))
                raise
            if not is_safe_to_resend(exc) and ambiguous_since is None:
                ambiguous_since = started
            yield Sleep(delay)


def _with_notes(exc: GoSMSError, notes: list[str], *, ambiguous: bool) -> None:
    """Attach what the flow knows: whether the message may have gone out after all."""
    exc.maybe_sent = ambiguous and not isinstance(exc, APIError)
    exc.notes = list(notes)


def get(base_url: str, token: Token, message_id: str, policy: RetryPolicy) -> Flow:
    from .models import Message  # the reads' models load where a read is: a send alone never needs them

    return Message.from_api((yield from call(protocol.build_get(base_url, token, message_id), policy)))


def wait_for_delivery(
    base_url: str,
    token: Token,
    message_id: str,
    policy: RetryPolicy,
    *,
    timeout: float,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    raise_on_timeout: bool = False,
) -> Flow:
    """Poll until the message is delivered or failed for good.

    At the timeout: the last state seen (not final: check ``Message.final``), or
    :class:`~gosms.wire.errors.DeliveryTimeout` with ``raise_on_timeout``.
    """
    end = clock() + timeout
    while True:
        message: Message = yield from get(base_url, token, message_id, policy)
        remaining = end - clock()
        if message.final:
            return message
        if remaining <= 0:
            if raise_on_timeout:
                raise DeliveryTimeout(message_id, timeout, message)
            return message
        yield Sleep(min(interval, remaining))


def delete(base_url: str, token: Token, message_id: str, policy: RetryPolicy) -> Flow:
    return (yield from call(protocol.build_delete(base_url, token, message_id), policy, gone_ok=True))


def device_info(base_url: str, token: Token, device_id: str, policy: RetryPolicy) -> Flow:
    from .models import Device

    data = yield from call(protocol.build_device_info(base_url, token, device_id), policy)
    return Device.from_api(data if isinstance(data, dict) else {}, requested_id=device_id)


def device_edit(base_url: str, token: Token, device_id: str, is_active: bool, policy: RetryPolicy) -> Flow:
    return (yield from call(protocol.build_device_edit(base_url, token, device_id, is_active), policy))


def device_delete(base_url: str, token: Token, device_id: str, policy: RetryPolicy) -> Flow:
    return (yield from call(protocol.build_device_delete(base_url, token, device_id), policy, gone_ok=True))


def page(
    base_url: str, token: Token, policy: RetryPolicy, *, limit: int = 100, offset: int = 1,
    search: Optional[str] = None,
) -> Flow:
    """One page as a caller means it: ``offset=1`` is the first page whichever way the server counts.

    A server that counts records from 0 answers ``offset=1`` from the second message on, which
    shows as a first page shorter than the total allows; only then is ``offset=0`` asked as well.
    """
    first: Page = yield from list_page(base_url, token, policy, limit=limit, offset=offset, search=search)
    if offset != 1 or len(first.items) >= min(limit, first.total_records):
        return first
    try:
        from_zero: Page = yield from list_page(base_url, token, policy, limit=limit, offset=0, search=search)
    except GoSMSError:  # a server that refuses offset=0 counts pages: the first answer stands
        return first
    if len(from_zero.items) > len(first.items):
        from .models import Page

        return Page(from_zero.total_records, from_zero.limit, 1, from_zero.items)
    return first


find_sent = _find_sent
"""Public name for the look-up after a lost answer: the outbox runs it for an attempt a killed flush left."""
