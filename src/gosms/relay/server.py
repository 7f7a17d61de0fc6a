"""The relay's HTTP service: a webhook in, an outbox entry on disk, then the answer; a runner sends.

Why the outbox comes first: Alertmanager and Grafana retry a notification whose answer is a 5xx and
forget one answered 200.  So the relay answers 200 only once the SMS is written (fsynced) into the
outbox, and 503 when it cannot write it; a relay killed right after its answer loses nothing,
because the runner of the next start (or ``gosms outbox run``) finds the entry there.  The sending
itself is the outbox's own runner (:class:`gosms.delivery.runner.Runner`, the one ``gosms outbox run``
drives), which notices a new entry within a twentieth of a second, so the alert goes out at the
account's rate with everything the outbox does: recovery of lost answers, digests, following.

A webhook receiver faces whatever can reach its port, so the service is defensive: every
connection has a read timeout (a client that stalls mid-body is dropped), a body must announce its
length and stay under ``max_body`` (413, read no further), and off 127.0.0.1 a bearer token is
required (compared in constant time; 401 otherwise).  A rejected post queues nothing.  Neither the
GoSMS token nor the relay's own token is ever written into an answer or a log line.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from ..delivery.handoff import alert_fields
from ..wire.config import Token, redact
from ..wire.errors import ConfigError, GoSMSError, ValidationError
from ..wire.folding import FoldPolicy
from .compose import Notification, PayloadError, compose, folding_subject, parse_alertmanager, parse_grafana
from .routes import Routes, check_numbers

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..delivery.outbox import FlushReport, Outbox

__all__ = [
    "DEFAULT_LISTEN",
    "DEFAULT_MAX_BODY",
    "DEFAULT_READ_TIMEOUT",
    "Relay",
    "needs_auth",
    "parse_listen",
]

log = logging.getLogger("gosms.relay")

DEFAULT_LISTEN = "127.0.0.1:9797"
DEFAULT_MAX_BODY = 1024 * 1024
"""Bytes: Alertmanager's largest groups (hundreds of alerts with annotations) stay well under it."""
DEFAULT_READ_TIMEOUT = 10.0
"""Seconds a connection may stay silent while the relay reads a request from it."""
MAX_CONNECTIONS = 256
"""Connections served at once (a thread each); Alertmanager keeps a few, a storm of posts some dozens."""
DISCARD_LIMIT = 16 * 1024 * 1024
"""Bytes of a refused (413) body read and dropped before the connection closes."""
DEFAULT_INTERVAL = 60.0
"""Seconds between flushes when no entry arrives (retries, entries the runner was not told of)."""

PARSERS: Mapping[str, Callable[[Any], Notification]] = {
    "/alertmanager": parse_alertmanager,
    "/grafana": parse_grafana,
}
_LOCAL_ONLY = ("127.0.0.1", "::1", "localhost")


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9797`` for IPv6) as a host and a port; ValueError says what is wrong."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:9797)")
    return host, int(port)


def needs_auth(host: str) -> bool:
    """Whether a relay bound to ``host`` must require a bearer token: anywhere but 127.0.0.1 / ::1.

    Other loopback addresses count as elsewhere too: a container or a network namespace may route
    them, and "only 127.0.0.1 goes without a token" is a rule a person can check at a glance.
    """
    return host not in _LOCAL_ONLY


REPEAT_WINDOW = 600.0
"""Seconds in which the same post for the same number is taken as the sender's retry, not a new page.

Alertmanager and Grafana retry a post whose answer they did not read (a timeout, a relay killed
between writing the SMS and answering), and re-send an unchanged group only after their
``repeat_interval`` (hours by default): ten minutes tells the two apart."""
_POST_KEY = re.compile(r"\bpost=([0-9a-f]{16})\b")


def post_key(path: str, doc: Any) -> str:
    """A short fingerprint of a post's content (the same group in the same state gives the same key)."""
    canonical = json.dumps([path, doc], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class _Seen:
    """The posts queued in the last :data:`REPEAT_WINDOW`, per number, read back from the outbox at start.

    Kept in the entries themselves (their ``source`` names the post's key), so a relay restarted
    after ``kill -9`` knows what its previous run accepted.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._lock = threading.Lock()
        self._claimed: dict[tuple[str, str], float] = {}
        now = time.time()
        try:
            entries = outbox.entries()
        except GoSMSError:
            entries = []  # an outbox that cannot be read cannot be written either: posts get 503
        for entry in entries:
            found = _POST_KEY.search(entry.source)
            if found and now - entry.created < REPEAT_WINDOW:
                self._claimed[(found.group(1), entry.phone_number)] = entry.created

    def claim(self, key: str, number: str) -> bool:
        """True when this post has not been queued for ``number`` within the window (and claim it)."""
        now = time.time()
        with self._lock:
            if len(self._claimed) > 10_000:
                self._claimed = {k: t for k, t in self._claimed.items() if now - t < REPEAT_WINDOW}
            claimed = self._claimed.get((key, number))
            if claimed is not None and now - claimed < REPEAT_WINDOW:
                return False
            self._claimed[(key, number)] = now
            return True

    def release(self, key: str, number: str) -> None:
        with self._lock:
            self._claimed.pop((key, number), None)


class _Answer(Exception):
    """An answer decided while reading a request: its status and the sentence for the sender."""

    def __init__(self, status: int, message: str, *, close: bool = False,
                 headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close
        self.headers = dict(headers or {})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Alertmanager posts each group at once after an outage: let them queue
    relay: Relay
    slots: threading.BoundedSemaphore

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread per connection, up to :data:`MAX_CONNECTIONS`; beyond, the connection is closed at once.

        Each connection holds its thread for at most the read timeout while it sends nothing, so a
        flood of idle connections costs a bounded number of threads, not the process.
        """
        if not self.slots.acquire(blocking=False):
            log.warning("relay: %d connections open already; one from %s closed unread", MAX_CONNECTIONS,
                        client_address[0])
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that hangs up (a reset keep-alive connection) is routine: a line, not a traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.debug("relay: connection from %s ended: %s", client_address[0], exc)
        else:
            log.error("relay: error on a connection from %s", client_address[0], exc_info=exc)


class Relay:
    """The service: bind with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    def __init__(
        self,
        outbox: Outbox,
        client: Client,
        *,
        listen: str = DEFAULT_LISTEN,
        auth: Optional[Token] = None,
        routes: Optional[Routes] = None,
        max_body: int = DEFAULT_MAX_BODY,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        interval: float = DEFAULT_INTERVAL,
        fold: Optional[FoldPolicy] = None,
    ) -> None:
        self.host, self.port = parse_listen(listen)
        if auth is None and needs_auth(self.host):
            raise ConfigError(
                f"The relay would listen on {self.host}, where other machines or containers may reach it, "
                "without a token: give --auth-token-file (a file holding a long random secret, the same one "
                "Alertmanager sends in http_config.authorization), or listen on 127.0.0.1.")
        self.outbox = outbox
        self.client = client
        self.auth = auth
        self.routes = routes
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.interval = interval
        self.fold = fold
        """Folding asked of the runner for the relay's entries; None (the default): Alertmanager and
        Grafana group alerts already, and each group goes alone unless the quota's reserve holds it."""
        self.runner_held: Optional[bool] = None
        """True while this relay is the outbox's runner; False when another runner drains it."""
        self._seen = _Seen(outbox)
        self._stop = threading.Event()
        self._server: Optional[_Server] = None
        self._threads: list[threading.Thread] = []

    # -- life cycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Relay:
        """Bind the port and start serving and sending, each in a thread of its own."""
        handler = type("RelayHandler", (_Handler,), {"timeout": self.read_timeout})
        server_class = type("RelayServer", (_Server,), {
            "address_family": socket.AF_INET6 if ":" in self.host else socket.AF_INET})
        try:
            server = server_class((self.host, self.port), handler)
        except OSError as exc:
            raise ConfigError(f"Cannot listen on {self.host}:{self.port} ({exc.strerror or exc}): choose a free "
                              "address and port for --listen.") from None
        server.relay = self
        server.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._server = server
        self.port = server.server_address[1]
        runner = threading.Thread(target=self._run, name="gosms-relay-runner", daemon=True)
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5},
                                   name="gosms-relay-http", daemon=True)
        self._threads = [runner, serving]
        for thread in self._threads:
            thread.start()
        log.info("relay listening on %s (POST /alertmanager, /grafana)%s", self.url,
                 "; bearer token required" if self.auth else "")
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Stop taking posts, let the runner finish the alert it is sending, then return."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout)

    def stop_soon(self) -> None:
        """Ask :meth:`wait` to return (safe from a signal handler: it only sets a flag)."""
        self._stop.set()

    def wait(self) -> None:
        """Block until :meth:`stop` is called (from a signal handler's thread or another)."""
        while not self._stop.wait(1.0):
            pass

    def __enter__(self) -> Relay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- taking a post -----------------------------------------------------------------------------

    def authorized(self, header: Optional[str]) -> bool:
        if self.auth is None:
            return True
        scheme, _, given = (header or "").partition(" ")
        expected = self.auth.reveal().encode("utf-8")
        # Compared in constant time whatever was sent; a missing header compares an empty string.
        ok = hmac.compare_digest(given.strip().encode("utf-8"), expected)
        return ok and scheme.lower() == "bearer"

    def accept(self, path: str, query: str, body: bytes) -> dict[str, Any]:
        """Queue the SMS a post asks for and say what was queued; :class:`_Answer` when it cannot."""
        parse = PARSERS[path]
        try:
            doc = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _Answer(400, "the body is not UTF-8 text: send the webhook's JSON") from None
        except ValueError as exc:
            raise _Answer(400, f"the body is not JSON ({exc}): send the webhook's JSON") from None
        try:
            note = parse(doc)
        except PayloadError as exc:
            raise _Answer(400, str(exc)) from None
        numbers = self._recipients(note, query)
        text = self.scrub(compose(note))  # a label that quotes a token does not carry it into an SMS
        key = post_key(path, doc)
        source = f"relay {note.source}" + (f" receiver={note.receiver}" if note.receiver else "") + f" post={key}"
        # Host and service come from labels, which may quote a secret as the text may: scrubbed alike.
        kind, host, service, severity = (self.scrub(part) for part in folding_subject(note))
        alert = alert_fields(kind, host, service, severity, self.fold)
        queued, repeated = [], []
        for number in numbers:
            if not self._seen.claim(key, number):
                repeated.append(number)  # the sender's retry of a post already queued: not twice
                continue
            try:
                queued.append(self.outbox.add(self.client, number, text, source=source, alert=alert).id)
            except GoSMSError as exc:  # the folder cannot be written: a 5xx makes the sender retry
                self._seen.release(key, number)
                log.error("relay: could not queue %s: %s", source, exc)
                raise _Answer(503, f"the alert could not be kept in the outbox: {exc}") from None
        if queued:
            log.info("relay: queued %r for %s (%s)", text, ", ".join(n for n in numbers if n not in repeated), source)
        if repeated:
            log.info("relay: %s repeated a post queued already for %s; not queued again", note.source,
                     ", ".join(repeated))
        return {"ok": True, "queued": len(queued), "ids": queued, "to": list(numbers), "repeated": repeated,
                "message": text}

    def _recipients(self, note: Notification, query: str) -> tuple[str, ...]:
        asked = [n for value in parse_qs(query).get("to", []) for n in value.split(",") if n]
        if asked:
            try:
                return check_numbers(asked)
            except ValidationError as exc:
                raise _Answer(400, f"?to= {exc}") from None
        if self.routes is None:
            raise _Answer(400, "no recipient: add ?to=NUMBER to the webhook URL (repeat it for more), or start "
                               "the relay with --routes")
        found = self.routes.recipients(note.receiver, note.labels)
        if not found:
            # A set-up gap, not the sender's fault: a 5xx keeps the alert in the sender's retries while
            # someone adds a route or a default and restarts the relay.
            log.error("relay: no route for receiver %r with labels %s, and no default", note.receiver,
                      dict(note.labels))
            raise _Answer(500, f"no route in the routes file matches receiver {note.receiver!r} or these labels, "
                               "and it has no 'default': add one and restart the relay")
        return tuple(found)

    def scrub(self, text: str) -> str:
        """``text`` without either secret: the GoSMS token and the relay's own."""
        return redact(redact(text, self.client.token), self.auth)

    # -- the runner --------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            with self.outbox.as_runner() as mine:
                self.runner_held = mine
                if mine:
                    self._drain()
                else:
                    log.warning("relay: another runner already drains %s; the relay queues, that runner sends",
                                self.outbox.directory)
        except GoSMSError as exc:  # the outbox folder cannot be used: posts get 503 until it can
            self.runner_held = False
            log.error("relay: cannot run the outbox: %s", exc)
        self._stop.wait()

    def _drain(self) -> None:
        """The outbox's own runner (digests, following, hand-off included) until the relay stops.

        It looks at ``new/`` every few hundredths of a second, so a queued post goes out at once
        without a signal from the handler; the relay only adds its log lines.
        """
        from ..delivery.runner import Runner

        Runner(self.outbox, self.client, self.interval).run(self._stop.is_set, self._show, self._failed)

    def _show(self, report: FlushReport) -> None:
        for entry in report.sent + report.recovered:
            log.info("relay: sent to %s: %s", entry.phone_number, ", ".join(entry.sent_ids))
        for entry, error in report.failed:
            log.error("relay: NOT sent to %s: %s", entry.phone_number, self.scrub(str(error)))
        for entry in report.expired:
            log.error("relay: expired, not sent to %s: %r", entry.phone_number, entry.message)
        if report.stopped_by is not None:
            log.warning("relay: GoSMS cannot take alerts now (%s); %d wait for the next try",
                        self.scrub(str(report.stopped_by)), len(report.pending))

    def _failed(self, exc: GoSMSError) -> None:
        log.error("relay: flush failed: %s", self.scrub(str(exc)))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # An answer goes out whole at once: a status line, headers and body in one buffered write, on
    # a socket without Nagle's delay (else the body would wait for the sender's delayed ACK, 40 ms).
    wbufsize = -1
    disable_nagle_algorithm = True
    server_version = "gosms-relay"
    sys_version = ""

    def do_POST(self) -> None:
        try:
            body = self._read()
            url = urlsplit(self.path)
            result = self.server.relay.accept(url.path, url.query, body)
        except _Answer as answer:
            self._answer(answer.status, {"ok": False, "error": answer.message}, close=answer.close,
                         headers=answer.headers)
            if answer.status == 413:
                self._discard()
        except Exception as exc:  # a bug: the sender must retry (5xx), and the relay must live on
            log.exception("relay: unexpected error")
            self._answer(500, {"ok": False, "error": f"internal error ({type(exc).__name__})"})
        else:
            self._answer(200, result)

    def do_GET(self) -> None:
        relay = self.server.relay
        if urlsplit(self.path).path == "/healthz":
            self._answer(200, {"ok": True, "runner": relay.runner_held})
        else:
            self._answer(404, {"ok": False, "error": "not found: POST to /alertmanager or /grafana"})

    def do_PUT(self) -> None:
        self.do_POST()

    def _read(self) -> bytes:
        relay = self.server.relay
        path = urlsplit(self.path).path
        if path not in PARSERS:
            raise _Answer(404, f"not found: {path!r}; POST Alertmanager's webhook to /alertmanager and Grafana's "
                               "to /grafana", close=True)
        if not relay.authorized(self.headers.get("Authorization")):
            raise _Answer(401, "a bearer token is required: set http_config.authorization (Alertmanager) or the "
                               "Authorization header (Grafana) to the relay's --auth-token-file secret",
                          close=True, headers={"WWW-Authenticate": 'Bearer realm="gosms relay"'})
        if self.headers.get("Transfer-Encoding"):
            raise _Answer(411, "send the body with a Content-Length, not chunked", close=True)
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise _Answer(411, "a Content-Length is required", close=True)
        if not length_text.strip().isdigit():
            raise _Answer(400, "the Content-Length is not a number", close=True)
        length = int(length_text)
        if length > relay.max_body:
            raise _Answer(413, f"the body is {length} bytes, more than the relay takes ({relay.max_body}); lower "
                               "max_alerts in the webhook config, or raise the relay's --max-body", close=True)
        try:
            body = self.rfile.read(length)
        except (TimeoutError, socket.timeout):
            raise _Answer(408, "the body did not arrive in time", close=True) from None
        if len(body) < length:
            raise _Answer(400, "the body is shorter than its Content-Length", close=True)
        return body

    def _discard(self) -> None:
        """Read what a refused sender still sends, up to a bound: closing on unread data resets the
        connection, and the sender would see a reset instead of the 413 that says why."""
        left = DISCARD_LIMIT
        with contextlib.suppress(OSError):
            while left > 0:
                chunk = self.rfile.read1(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)

    def _answer(self, status: int, document: Mapping[str, Any], *, close: bool = False,
                headers: Optional[Mapping[str, str]] = None) -> None:
        data = self.server.relay.scrub(json.dumps(document, ensure_ascii=False)).encode("utf-8") + b"\n"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the sender went away; it retries on its own
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status only (never headers, so never the Authorization header).
        log.debug("relay: %s %s", self.address_string(), self.server.relay.scrub(format % args))

