"""The relay's HTTP front end: aiohttp's server on one event loop, the outbox's disk work in a few threads.

Why a loop and not a thread per connection: in a storm Alertmanager posts dozens of groups at once,
and fifty threads taking turns at the interpreter's lock spent a fifth of the relay's CPU switching
between them, while the post itself is mostly waiting for the disk.  Here aiohttp (its C parser)
reads each request on the loop, the relay checks and words the post there, and only the writing
goes to one writer thread, which takes every post waiting at once (a group commit): each entry's
file written, the batch's files fsynced together from a few threads (the disk's waits overlap),
renamed into ``new/``, then the folder fsynced once for the batch, then all their handlers resumed
with one call into the loop.  A post's answer leaves only after that:
200 still means "on disk".  (Sixty-four writer threads, one post each, spent the loop's time at the
interpreter's lock; one writer costs the loop nothing while it waits for the disk.)

The defences of a webhook receiver stay: at most ``max_connections`` connections (more are closed
at once), a connection silent for the read timeout is closed (before a request, between two, or
in the middle of a body: 408), a body must announce its length and stay under the limit (413, and
what the sender still sends is read and dropped for a while so that it sees the answer, not a reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Protocol

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from .refusal import Refusal

__all__ = ["SERVER", "WRITERS", "Front", "Service"]

log = logging.getLogger("gosms.relay")

SERVER = "gosms-relay"
"""The ``Server`` header of every answer (not aiohttp's, which names versions)."""
WRITERS = 1
"""Threads writing entries: one, taking every post waiting at once (a group commit).  Sixty-four
writers, one post each, spent the loop's time at the interpreter's lock: each woke for its fsync
and for its answer, and the loop waited its turn behind them."""
LINGER = 10.0
"""Seconds a refused body (413) is still read and dropped before the connection closes."""


class Service(Protocol):
    """What the front end asks of the relay (:class:`gosms.relay.server.Relay`)."""

    read_timeout: float
    max_body: int

    def known(self, path: str) -> bool: ...

    def authorized(self, header: Optional[str]) -> bool: ...

    def check(self, path: str, query: str, body: bytes) -> Any:
        """The post read and checked, on the loop; :class:`Refusal` when it is not taken."""

    def queue_all(self, checked: Sequence[Any]) -> Sequence[Any]:
        """Write what :meth:`check` returned for the posts waiting into the outbox at once, in the writer
        thread; each post's answer document, or the :class:`Refusal` it gets."""

    def health(self) -> Mapping[str, Any]: ...

    def render(self, document: Mapping[str, Any]) -> bytes:
        """An answer's body (JSON, neither token in it)."""


class _Connection(RequestHandler):
    """aiohttp's connection, counted against the limit and closed after the read timeout of silence."""

    def __init__(self, manager: web.Server, front: Front, **options: Any) -> None:
        super().__init__(manager, **options)
        self.front = front
        self.busy = False
        """True while a request of this connection is being answered: the sender waits, silent."""
        self._counted = False
        self._heard = 0.0
        self._timer: Optional[asyncio.TimerHandle] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        front = self.front
        if front.connections >= front.max_connections:
            peer = transport.get_extra_info("peername") or ("?",)
            log.warning("relay: %d connections open already; one from %s closed unread", front.max_connections,
                        peer[0])
            if isinstance(transport, asyncio.WriteTransport) and transport.can_write_eof():
                transport.write_eof()  # a FIN first: the sender reads an end, not a reset
            transport.close()
            return
        self._counted = True
        front.connections += 1
        super().connection_made(transport)
        self.heard()

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self._counted:
            return
        self._counted = False
        self.front.connections -= 1
        if self._timer is not None:
            self._timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._heard = self._loop.time()
        super().data_received(data)

    def heard(self) -> None:
        """The sender was heard from (or answered) now: the silence is counted from here."""
        self._heard = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_later(self.front.service.read_timeout, self._check_silence)

    def _check_silence(self) -> None:
        timeout = self.front.service.read_timeout
        left = timeout if self.busy else self._heard + timeout - self._loop.time()
        if left > 0:
            self._timer = self._loop.call_later(left, self._check_silence)
            return
        self._timer = None
        log.debug("relay: a connection silent for %g s closed", timeout)
        self.force_close()


class Front:
    """The HTTP server on ``sock`` (bound and listening already), in a thread of its own until :meth:`stop`."""

    def __init__(self, service: Service, sock: socket.socket, *, max_connections: int) -> None:
        self.service = service
        self.max_connections = max_connections
        self.connections = 0
        """Connections open now (read on the loop's thread; a test may watch it)."""
        self._sock = sock
        self._writer = _Writer(service)
        self._ready = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._serve, name="gosms-relay-http", daemon=True)
        self._failure: Optional[BaseException] = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def stop(self, timeout: float) -> None:
        """Stop taking connections, let the writes in flight finish, close the connections."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(stopping.set)
            self._thread.join(timeout)
        self._writer.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(loop))
        except BaseException as exc:  # reported to start() when it happens before the port serves
            self._failure = exc
            if self._ready.is_set():
                log.error("relay: the HTTP server stopped", exc_info=exc)
        finally:
            self._ready.set()
            loop.close()

    async def _main(self, loop: asyncio.AbstractEventLoop) -> None:
        self._stopping = asyncio.Event()
        server = web.Server(self._handle, access_log=None)
        options = {"loop": loop, "access_log": None, "lingering_time": LINGER}
        listener = await loop.create_server(lambda: _Connection(server, self, **options), sock=self._sock,
                                            backlog=128)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            listener.close()
            await server.shutdown(5.0)
            # The tasks of connections the shutdown closed end here, not with the loop.
            left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)

    # -- one request -------------------------------------------------------------------------------

    async def _handle(self, request: BaseRequest) -> web.StreamResponse:
        connection = request.protocol if isinstance(request.protocol, _Connection) else None
        if connection is not None:
            connection.busy = True
        try:
            status, document, close, headers = await self._respond(request)
        finally:
            if connection is not None:
                connection.busy = False
                connection.heard()
        response = web.Response(status=status, body=self.service.render(document),
                                headers={"Server": SERVER, "Content-Type": "application/json; charset=utf-8",
                                         **headers})
        if close:
            response.force_close()
        # The request line and status only (never headers, so never the Authorization header).
        log.debug("relay: %s \"%s %s\" %d", request.remote, request.method, request.rel_url.raw_path, status)
        return response

    async def _respond(self, request: BaseRequest) -> tuple[int, Mapping[str, Any], bool, Mapping[str, str]]:
        service = self.service
        path = request.rel_url.raw_path
        try:
            if request.method == "GET":
                if path == "/healthz":
                    return 200, service.health(), False, {}
                return 404, {"ok": False, "error": "not found: POST to /alertmanager or /grafana"}, False, {}
            if request.method not in ("POST", "PUT"):
                raise Refusal(405, f"{request.method} is not taken: POST the webhook", close=True,
                              headers={"Allow": "GET, POST, PUT"})
            body = await self._read(request, path)
            checked = service.check(path, request.rel_url.raw_query_string, body)
            result = await self._writer.write(checked)
        except Refusal as refusal:
            return refusal.status, {"ok": False, "error": refusal.message}, refusal.close, refusal.headers
        except Exception as exc:  # a bug: the sender must retry (5xx), and the relay must live on
            log.exception("relay: unexpected error")
            return 500, {"ok": False, "error": f"internal error ({type(exc).__name__})"}, False, {}
        return 200, result, False, {}

    async def _read(self, request: BaseRequest, path: str) -> bytes:
        service = self.service
        if not service.known(path):
            raise Refusal(404, f"not found: {path!r}; POST Alertmanager's webhook to /alertmanager and Grafana's "
                               "to /grafana", close=True)
        if not service.authorized(request.headers.get("Authorization")):
            raise Refusal(401, "a bearer token is required: set http_config.authorization (Alertmanager) or the "
                               "Authorization header (Grafana) to the relay's --auth-token-file secret",
                          close=True, headers={"WWW-Authenticate": 'Bearer realm="gosms relay"'})
        if request.headers.get("Transfer-Encoding"):
            raise Refusal(411, "send the body with a Content-Length, not chunked", close=True)
        length_text = request.headers.get("Content-Length")
        if length_text is None:
            raise Refusal(411, "a Content-Length is required", close=True)
        if not length_text.strip().isdigit():
            raise Refusal(400, "the Content-Length is not a number", close=True)
        length = int(length_text)
        if length > service.max_body:
            raise Refusal(413, f"the body is {length} bytes, more than the relay takes ({service.max_body}); lower "
                               "max_alerts in the webhook config, or raise the relay's --max-body", close=True)
        try:
            return await asyncio.wait_for(request.content.readexactly(length), service.read_timeout)
        except asyncio.TimeoutError:
            raise Refusal(408, "the body did not arrive in time", close=True) from None
        except asyncio.IncompleteReadError:
            raise Refusal(400, "the body is shorter than its Content-Length", close=True) from None


class _Writer:
    """The writer thread: it takes every checked post waiting, writes them all (each file fsynced, the
    folder once), then wakes their handlers with one call into the loop.

    A post's future is resolved only after :meth:`Service.queue_all` returned, so its 200 still
    means its file and the folder's rename are fsynced; a kill before that loses only posts that
    were never answered, which the sender retries.
    """

    def __init__(self, service: Service) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._waiting: list[tuple[Any, asyncio.Future[Any]]] = []
        self._stopping = False
        self._threads = [threading.Thread(target=self._work, name="gosms-relay-writer", daemon=True)
                         for _ in range(WRITERS)]
        for thread in self._threads:
            thread.start()

    def write(self, checked: Any) -> asyncio.Future[Any]:
        """On the loop: a future resolved with the post's answer document once it is on disk."""
        future = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiting.append((checked, future))
            if len(self._waiting) == 1:
                self._ready.notify()
        return future

    def stop(self) -> None:
        """Write what is waiting, then end the thread."""
        with self._lock:
            self._stopping = True
            self._ready.notify_all()
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._stopping:
                    self._ready.wait()
                batch, self._waiting = self._waiting, []
                if not batch:
                    return
            try:
                outcomes: Sequence[Any] = self.service.queue_all([checked for checked, _future in batch])
            except Exception as exc:  # a bug: each post gets its 500, and the writer lives on
                outcomes = [exc] * len(batch)
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits for these answers
                batch[0][1].get_loop().call_soon_threadsafe(_settle, batch, outcomes)


def _settle(batch: list[tuple[Any, asyncio.Future[Any]]], outcomes: Sequence[Any]) -> None:
    """On the loop: each written post's handler resumes with its answer (or its refusal raised)."""
    for (_checked, future), outcome in zip(batch, outcomes):
        if future.done():  # its connection was closed meanwhile
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
