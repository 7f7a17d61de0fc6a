"""Everything a GoSMS client does over one HTTP transport, apart from choosing the transport.

The flows of :mod:`gosms.wire.flows` driven request by request: the account's rate budget, retries,
de-duplicated sends, the token masked in errors.  A transport (:class:`HTTPTransport`) only
exchanges one request for an answer or a :class:`~gosms.wire.flows.Failure`.  Apart from
:mod:`gosms.clients.sync`, which makes requests the default transport, because the Ansible collection
runs this very module on managed hosts without requests, over Ansible's own HTTP client.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Optional, Protocol, Union

from ..pacing.budget import NO_TURN, for_account, wait_for_turn
from ..wire import flows
from ..wire.config import Token, redact_error, resolve_api_url, resolve_token
from ..wire.errors import GoSMSError
from ..wire.outcomes import BulkResult, RecipientResult, SendPlan, StopSending, plan_send, send_recipient
from ..wire.protocol import Request, Response
from ..wire.retry import DEFAULT_DELIVER_WITHIN, DEFAULT_RATE, FOLLOW_INTERVAL, RetryPolicy

if TYPE_CHECKING:
    # Loaded where used: a client that only sends (an Ansible task, compiling every module it
    # imports on each run) loads neither the models of reads nor following and its routes.
    from ..wire.models import Device, Message, Page
    from ..wire.routes import Followed, Route
    from ..wire.usage import MonthUsage

__all__ = ["DEFAULT_TIMEOUT", "BaseClient", "HTTPTransport"]

log = logging.getLogger("gosms")

DEFAULT_TIMEOUT = (5.0, 20.0)
"""(connect, read) seconds: finite, so a dead gateway never hangs an alerting pipeline."""
PARALLEL_SENDS = 4
"""Sends in flight at once for many recipients; the rate limiter still caps the rate."""


class HTTPTransport(Protocol):
    """Exchanges one request for the server's answer, or a Failure saying whether it may have arrived."""

    def exchange(self, request: Request, host: str, timeout: Union[float, tuple[float, float]]
                 ) -> Union[Response, flows.Failure]:
        """The server's answer to ``request`` sent to ``host``, or a Failure saying whether it may have arrived."""

    def close(self) -> None:
        """Let go of the connections the transport keeps."""


class BaseClient:
    """GoSMS over one :class:`HTTPTransport`, with the account's rate budget, retries and de-duplicated sends.

    The token comes from ``token``, ``token_file``, ``GOSMS_TOKEN`` or ``GOSMS_TOKEN_FILE``; the
    address from ``api_url`` or ``GOSMS_API_URL``.  Safe to share between threads.
    """

    def __init__(
        self,
        token: Union[Token, str, None] = None,
        *,
        transport: HTTPTransport,
        api_url: Optional[str] = None,
        token_file: Union[str, os.PathLike[str], None] = None,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TIMEOUT,
        retry: Optional[RetryPolicy] = None,
        rate_limit: float = DEFAULT_RATE,
        allow_insecure_http: bool = False,
    ) -> None:
        self.token = resolve_token(token, token_file=token_file)
        self.api_url = resolve_api_url(api_url, allow_insecure_http=allow_insecure_http)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        # Shared with every client and process of this account on this machine: the API counts per
        # account.  No file is touched before the first request.
        self._budget = for_account(self.api_url, self.token, rate_limit)
        self._http = transport
        self._known_ids: set[str] = set()

    def __repr__(self) -> str:
        """Names the API address; the token shows as ``Token('***')``."""
        return f"{type(self).__name__}(api_url={self.api_url!r}, token={self.token!r})"

    def close(self) -> None:
        """Close the transport (an injected session is left to its owner)."""
        self._http.close()

    def __enter__(self) -> BaseClient:
        """The client itself; leaving the ``with`` block closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- driving flows -------------------------------------------------------------------------

    def _perform(self, request: Request, not_after: Optional[float] = None) -> Union[Response, flows.Failure]:
        if not wait_for_turn(self._budget, request.endpoint.name, not_after):
            return flows.Failure(NO_TURN, sent=False, rate_limited=True)
        host = self.api_url.split("/")[2]
        log.debug("%s %s", request.method, request.url)
        started = time.monotonic()
        answer = self._http.exchange(request, host, self.timeout)
        if isinstance(answer, flows.Failure):
            log.debug("%s %s failed: %s", request.method, request.url, answer.message)
            return answer
        log.debug("%s %s -> %s in %.3fs", request.method, request.url, answer.status, time.monotonic() - started)
        self._budget.observe(request.endpoint.name, answer.status, answer.headers)
        return answer

    def run(self, flow: flows.Flow) -> Any:
        """Drive a flow to its result; errors leave with the token masked in their text."""
        try:
            return flows.drive(flow, self._perform, self._sleep)
        except GoSMSError as exc:
            redact_error(exc, self.token)
            raise

    @staticmethod
    def _sleep(seconds: float) -> None:
        log.debug("waiting %.2fs before retrying", seconds)
        time.sleep(seconds)

    # -- messages ------------------------------------------------------------------------------

    def send(
        self,
        to: Union[str, Sequence[str]],
        message: str,
        *,
        device_id: Optional[str] = None,
        to_sim: Optional[int] = None,
        callback_id: Optional[str] = None,
        invalid_chars: str = "fail",
        long_message: str = "fail",
        normalize: bool = False,
    ) -> BulkResult:
        """Send one alert to one or more numbers.

        Every field of every recipient is validated before the first request, so bad input sends
        nothing.  Afterwards each recipient succeeds or fails on its own: the result says which
        went out (with their message ids) and which did not (with the decoded error).
        """
        return self.send_plan(plan_send(to, message, device_id=device_id, to_sim=to_sim, callback_id=callback_id,
                                        invalid_chars=invalid_chars, long_message=long_message,
                                        normalize=normalize))

    def send_plan(self, plan: SendPlan) -> BulkResult:
        """Send a plan checked already (:func:`gosms.wire.outcomes.plan_send`), as :meth:`send` does.

        The first number goes first, alone: when only one SMS can go out (the quota's last), it
        is the first-named contact's, and a refusal that holds for every number (the account
        refused, the API unreachable for a whole deadline) is learned from one request; the
        others then get it without one (:class:`~gosms.wire.outcomes.StopSending`).  The rest go side
        by side, a few at a time.
        """
        stop = StopSending()

        def one(phone: str) -> RecipientResult:
            result: RecipientResult = self.run(send_recipient(
                self.api_url, self.token, phone, plan, policy=self.retry, known_ids=self._known_ids, stop=stop))
            return result

        first, *others = plan.recipients
        results = [one(first)]
        if others:
            from concurrent.futures import ThreadPoolExecutor  # only for several numbers: start-up stays lean

            with ThreadPoolExecutor(max_workers=min(PARALLEL_SENDS, len(others))) as pool:
                results += pool.map(one, others)
        return BulkResult(results, plan.parts)

    def deliver(self, to: Union[str, Sequence[str]], message: str, *, routes: Sequence[Union[Route, str]] = (),
                deliver_within: float = DEFAULT_DELIVER_WITHIN, timeout: Optional[float] = None,
                interval: float = FOLLOW_INTERVAL, **send_options: Any) -> list[Followed]:
        """Send and follow to the handset, failing over between ``routes`` (``"DEVICE[:SIM]"`` or
        :class:`~gosms.wire.routes.Route`, in order): one record per recipient with its verdict
        (``delivered`` / ``undelivered``; ``tracking`` when ``timeout`` ran out first) and each
        route's try.  Kept in memory only: for alerts that must survive a restart, use the outbox
        (``gosms send --via``)."""
        from ..wire import following

        items, wait = following.prepare(to, message, routes, deliver_within, timeout, **send_options)
        result: list[Followed] = self.run(following.follow(self.api_url, self.token, self.retry, items,
                                                           timeout=wait, interval=interval))
        return result

    def get(self, message_id: str) -> Message:
        """One message by its id (24-hex ObjectID): its text, number and delivery status."""
        result: Message = self.run(flows.get(self.api_url, self.token, message_id, self.retry))
        return result

    def wait_for_delivery(self, message_id: str, timeout: float = 120.0, interval: float = 2.0, *,
                          raise_on_timeout: bool = False) -> Message:
        """Poll until the message is delivered or failed for good, every ``interval`` seconds.

        **At the timeout this returns the message as last seen, which may not be final** (waiting,
        sent to the phone, sent by the phone): check ``message.final`` before treating it as
        delivered, or pass ``raise_on_timeout=True`` to get :class:`~gosms.wire.errors.DeliveryTimeout`
        (holding that last state as ``.last_seen``) instead.
        """
        result: Message = self.run(flows.wait_for_delivery(
            self.api_url, self.token, message_id, self.retry, timeout=timeout, interval=interval,
            raise_on_timeout=raise_on_timeout))
        return result

    def delete(self, message_id: str) -> None:
        """Delete a message (the API allows it 5 minutes after creation: 1010 before); gone already is fine."""
        self.run(flows.delete(self.api_url, self.token, message_id, self.retry))

    def list(self, *, limit: int = 100, offset: int = 1, search: Optional[str] = None) -> Page:
        """One page of the message list: ``limit`` 1-100 items, page ``offset`` (1 first), ``search`` text.

        For every message, use :meth:`iter_messages`, which copes with each reading of ``offset``.
        """
        result: Page = self.run(flows.page(self.api_url, self.token, self.retry, limit=limit, offset=offset,
                                           search=search))
        return result

    def iter_messages(self, *, search: Optional[str] = None, page_size: int = 100,
                      max_pages: Optional[int] = None) -> Iterator[Message]:
        """Every message in the list's order (newest first, as documented), each once.

        Paging copes with servers that count ``offset`` in pages or in records (see
        :mod:`gosms.wire.paging`); ``max_pages`` bounds the walk to that many pages' worth of messages.
        """
        from ..wire.paging import Pager  # imported where used: a check that only asks the account starts faster

        pager = Pager(page_size, max_pages=max_pages, search=search)
        while not pager.done:
            yield from self.run(pager.step(self.api_url, self.token, self.retry))

    def month_usage(self, state: Optional[dict[str, Any]] = None) -> MonthUsage:
        """Messages created this month; pass the previous result's ``as_state()`` to page less."""
        from ..wire import usage

        result: MonthUsage = self.run(usage.month_usage(self.api_url, self.token, self.retry, state=state))
        return result

    def check_account(self) -> Page:
        """The cheapest read-only call that proves token, permissions and account are usable."""
        return self.list(limit=1, offset=1)

    # -- devices -------------------------------------------------------------------------------

    def device(self, device_id: str) -> Device:
        """A gateway phone by its id (UUID or ObjectID): active, last seen, battery, SIM slots."""
        result: Device = self.run(flows.device_info(self.api_url, self.token, device_id, self.retry))
        return result

    def set_device_active(self, device_id: str, active: bool) -> None:
        """Allow a gateway phone to send (``True``) or stop it sending (``False``)."""
        self.run(flows.device_edit(self.api_url, self.token, device_id, active, self.retry))

    def delete_device(self, device_id: str) -> None:
        """Remove a gateway phone from the account (it must be connected again to send)."""
        self.run(flows.device_delete(self.api_url, self.token, device_id, self.retry))
