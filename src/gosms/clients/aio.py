"""The asyncio client: the same flows as :mod:`gosms.clients.sync`, driven over aiohttp.

Hand it the application's ``aiohttp.ClientSession`` (Home Assistant's shared one, say): it never
closes a session it did not make.  Needs the ``async`` extra (``pip install gosms-ops[async]``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, Optional, Union

import aiohttp

from ..pacing.budget import NO_TURN, Budget, Turn, for_account
from ..wire import flows, following, usage
from ..wire.config import Token, redact_error, resolve_api_url, resolve_token
from ..wire.errors import GoSMSError
from ..wire.models import Device, Message, Page
from ..wire.outcomes import BulkResult, RecipientResult, SendPlan, StopSending, plan_send, send_recipient
from ..wire.paging import Pager
from ..wire.protocol import Request, Response
from ..wire.retry import DEFAULT_RATE, RetryPolicy
from ..wire.routes import DEFAULT_DELIVER_WITHIN, Followed, Route

__all__ = ["AsyncClient"]

log = logging.getLogger("gosms")

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=25.0, sock_connect=5.0, sock_read=20.0)
PARALLEL_SENDS = 4


def classify_aiohttp_error(exc: BaseException, host: str) -> flows.Failure:
    """A transport failure, and whether the request may have reached the server."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return flows.Failure(f"Could not connect to {host} (connection refused or host unknown).", sent=False)
    if isinstance(exc, aiohttp.ConnectionTimeoutError if hasattr(aiohttp, "ConnectionTimeoutError") else ()):
        return flows.Failure(f"Timed out connecting to {host}.", sent=False)
    if isinstance(exc, asyncio.TimeoutError):
        return flows.Failure(f"{host} did not answer in time.", sent=True)
    return flows.Failure(f"The connection to {host} broke before an answer arrived.", sent=True)


async def wait_for_turn(budget: Budget, endpoint: str, not_after: Optional[float]) -> bool:
    """:func:`gosms.pacing.budget.wait_for_turn` for the event loop: False when no turn comes in time.

    The budget may lock a file shared with other processes, so each look at it runs in the
    loop's executor; the event loop itself only ever awaits.
    """
    loop = asyncio.get_running_loop()
    turn: Optional[Turn] = None
    while True:
        turn = await loop.run_in_executor(None, budget.admit, endpoint, turn, not_after)
        if turn.late:
            return False
        if turn.go:
            return True
        await asyncio.sleep(turn.wait)


class AsyncClient:
    """GoSMS over aiohttp with the same retries, limits and de-duplication as :class:`Client`."""

    def __init__(
        self,
        token: Union[Token, str, None] = None,
        *,
        api_url: Optional[str] = None,
        token_file: Union[str, os.PathLike[str], None] = None,
        session: Optional[aiohttp.ClientSession] = None,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        retry: Optional[RetryPolicy] = None,
        rate_limit: float = DEFAULT_RATE,
        verify: bool = True,
        allow_insecure_http: bool = False,
    ) -> None:
        self.token = resolve_token(token, token_file=token_file)
        self.api_url = resolve_api_url(api_url, allow_insecure_http=allow_insecure_http)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.verify = verify
        # Shared with every client and process of this account on this machine, threaded ones
        # included.  No file is touched here: this runs on the event loop.
        self._budget = for_account(self.api_url, self.token, rate_limit)
        self._session = session
        self._own_session = session is None
        self._known_ids: set[str] = set()

    def __repr__(self) -> str:
        """Names the API address; the token shows as ``Token('***')``."""
        return f"AsyncClient(api_url={self.api_url!r}, token={self.token!r})"

    async def close(self) -> None:
        """Close the session this client opened (an injected session is left to its owner)."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AsyncClient:
        """The client itself; leaving the ``async with`` block closes it."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _perform(self, request: Request, not_after: Optional[float] = None
                       ) -> Union[Response, flows.Failure]:
        if not await wait_for_turn(self._budget, request.endpoint.name, not_after):
            return flows.Failure(NO_TURN, sent=False, rate_limited=True)
        host = self.api_url.split("/")[2]
        log.debug("%s %s", request.method, request.url)
        started = time.monotonic()
        try:
            async with self._get_session().request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=self.timeout,
                ssl=self.verify,  # True: verify as usual; False: the caller chose not to
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                result = Response(answer.status, dict(answer.headers), body)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure = classify_aiohttp_error(exc, host)
            log.debug("%s %s failed: %s", request.method, request.url, failure.message)
            return failure
        log.debug("%s %s -> %s in %.3fs", request.method, request.url, result.status, time.monotonic() - started)
        if result.status == 429:
            await asyncio.get_running_loop().run_in_executor(
                None, self._budget.observe, request.endpoint.name, result.status, result.headers)
        return result

    async def run(self, flow: flows.Flow) -> Any:
        """Drive a flow of :mod:`gosms.wire.flows` to its result; errors leave with the token masked."""
        try:
            step = next(flow)
            while True:
                if isinstance(step, flows.Sleep):
                    await asyncio.sleep(step.seconds)
                    step = flow.send(None)
                else:
                    step = flow.send(await self._perform(step.request, step.not_after))
        except StopIteration as stop:
            return stop.value
        except GoSMSError as exc:
            redact_error(exc, self.token)
            raise

    async def send(
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
        """As :meth:`gosms.clients.sync.Client.send`: all validated first, then a result per recipient."""
        plan = plan_send(to, message, device_id=device_id, to_sim=to_sim, callback_id=callback_id,
                         invalid_chars=invalid_chars, long_message=long_message, normalize=normalize)
        return await self.send_plan(plan)

    async def send_plan(self, plan: SendPlan) -> BulkResult:
        """Send a plan checked already, as :meth:`gosms.clients.base.BaseClient.send_plan` does: the first
        number alone, then the rest side by side, each number through the same flow
        (:func:`gosms.wire.outcomes.send_recipient`)."""
        gate = asyncio.Semaphore(PARALLEL_SENDS)
        stop = StopSending()

        async def one(phone: str) -> RecipientResult:
            async with gate:
                result: RecipientResult = await self.run(send_recipient(
                    self.api_url, self.token, phone, plan, policy=self.retry, known_ids=self._known_ids, stop=stop))
            return result

        # The first number alone first, as the sync client does (see gosms.clients.base).
        first, *others = plan.recipients
        results = [await one(first)]
        results += await asyncio.gather(*(one(phone) for phone in others))
        return BulkResult(results, plan.parts)

    async def deliver(self, to: Union[str, Sequence[str]], message: str, *,
                      routes: Sequence[Union[Route, str]] = (), deliver_within: float = DEFAULT_DELIVER_WITHIN,
                      timeout: Optional[float] = None, interval: float = following.FOLLOW_INTERVAL,
                      **send_options: Any) -> list[Followed]:
        """As :meth:`gosms.clients.sync.Client.deliver`, over the very same flow."""
        items, wait = following.prepare(to, message, routes, deliver_within, timeout, **send_options)
        result: list[Followed] = await self.run(following.follow(self.api_url, self.token, self.retry, items,
                                                                 timeout=wait, interval=interval))
        return result

    async def get(self, message_id: str) -> Message:
        """One message by its id (24-hex ObjectID): its text, number and delivery status."""
        result: Message = await self.run(flows.get(self.api_url, self.token, message_id, self.retry))
        return result

    async def wait_for_delivery(self, message_id: str, timeout: float = 120.0, interval: float = 2.0, *,
                                raise_on_timeout: bool = False) -> Message:
        """Poll until the message is delivered or failed for good, every ``interval`` seconds.

        **At the timeout this returns the message as last seen, which may not be final** (waiting,
        sent to the phone, sent by the phone): check ``message.final`` before treating it as
        delivered, or pass ``raise_on_timeout=True`` to get :class:`~gosms.wire.errors.DeliveryTimeout`
        (holding that last state as ``.last_seen``) instead.
        """
        result: Message = await self.run(flows.wait_for_delivery(
            self.api_url, self.token, message_id, self.retry, timeout=timeout, interval=interval,
            raise_on_timeout=raise_on_timeout))
        return result

    async def delete(self, message_id: str) -> None:
        """Delete a message (the API allows it 5 minutes after creation: 1010 before); gone already is fine."""
        await self.run(flows.delete(self.api_url, self.token, message_id, self.retry))

    async def list(self, *, limit: int = 100, offset: int = 1, search: Optional[str] = None) -> Page:
        """One page of the message list: ``limit`` 1-100 items, page ``offset`` (1 first), ``search`` text.

        For every message, use :meth:`iter_messages`, which copes with each reading of ``offset``.
        """
        result: Page = await self.run(flows.page(self.api_url, self.token, self.retry, limit=limit,
                                                      offset=offset, search=search))
        return result

    async def iter_messages(self, *, search: Optional[str] = None, page_size: int = 100,
                            max_pages: Optional[int] = None) -> AsyncIterator[Message]:
        """As :meth:`gosms.clients.sync.Client.iter_messages`, with the same :class:`~gosms.wire.paging.Pager`."""
        pager = Pager(page_size, max_pages=max_pages, search=search)
        while not pager.done:
            for item in await self.run(pager.step(self.api_url, self.token, self.retry)):
                yield item

    async def month_usage(self, state: Optional[dict[str, Any]] = None) -> usage.MonthUsage:
        """Messages created this month; pass the previous result's ``as_state()`` to page less."""
        result: usage.MonthUsage = await self.run(usage.month_usage(self.api_url, self.token, self.retry,
                                                                    state=state))
        return result

    async def check_account(self) -> Page:
        """The cheapest read-only call that proves token, permissions and account are usable."""
        return await self.list(limit=1, offset=1)

    async def device(self, device_id: str) -> Device:
        """A gateway phone by its id (UUID or ObjectID): active, last seen, battery, SIM slots."""
        result: Device = await self.run(flows.device_info(self.api_url, self.token, device_id, self.retry))
        return result

    async def set_device_active(self, device_id: str, active: bool) -> None:
        """Allow a gateway phone to send (``True``) or stop it sending (``False``)."""
        await self.run(flows.device_edit(self.api_url, self.token, device_id, active, self.retry))

    async def delete_device(self, device_id: str) -> None:
        """Remove a gateway phone from the account (it must be connected again to send)."""
        await self.run(flows.device_delete(self.api_url, self.token, device_id, self.retry))
