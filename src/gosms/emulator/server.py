"""HTTP handling: routes a request to the API or the control API, applies faults, keeps the log.

The log entry is written before the answer leaves, so a test that reads the log right after its
request returned always finds it.  Connection resets are real: the socket is closed with SO_LINGER
0, which sends a TCP RST, so ``requests`` and ``aiohttp`` raise their connection errors exactly as
they would against a dying proxy.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import json
import socket
import struct
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from . import api, control
from .faults import PROXY_502_PAGE, FaultRule
from .outage import OUTAGE_BODY
from .state import State

__all__ = ["API_PREFIX", "EmulatorServer", "Handler"]

API_PREFIX = "/v1"
TEXT_TYPE = "text/plain; charset=utf-8"
_MAX_BODY = 1 << 20
_LOGGED_BODY_CHARS = 2000
_DROP = object()


class EmulatorServer(ThreadingHTTPServer):
    """One thread per connection, so a ``slow`` fault on one request never holds up another."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State, *, verbose: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.state = state
        self.verbose = verbose
        self.stopping = threading.Event()
        self._connections: set[Any] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake every handler (idle keep-alive ones included) so stop() leaves no thread behind."""
        self.stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) or self.stopping.is_set():
            return  # a client that went away, or the emulator shutting down: nothing to report
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API; clients reuse pooled connections
    server_version = "gosms-emulator"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed eventually

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; without NODELAY, Nagle plus the client's delayed
        # ACK holds every keep-alive answer back by ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def emulator(self) -> EmulatorServer:
        return cast(EmulatorServer, self.server)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the emulator's own log line is written by _api when verbose

    def log_message(self, format: str, *args: Any) -> None:
        if self.emulator.verbose:
            sys.stderr.write(f"gosms-emulator: {format % args}\n")

    # -- plumbing -------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        try:
            raw = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._write(400, f"{exc}\n".encode(), TEXT_TYPE)
            return
        split = urlsplit(self.path)
        path = split.path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            self._api(method, path, path[len(API_PREFIX):].rstrip("/") or "/", split.query, raw)
        elif path == control.CONTROL_PREFIX or path.startswith(control.CONTROL_PREFIX + "/"):
            self._control(method, path[len(control.CONTROL_PREFIX):], raw)
        else:
            self._write(404, b"404 page not found", TEXT_TYPE)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > _MAX_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _write(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if status != 204:
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (a timeout during a slow fault)

    def _drop(self) -> None:
        """Close the connection without a byte of answer: SO_LINGER 0 turns the close into a TCP RST."""
        self.close_connection = True
        connection = self.connection
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.wfile = io.BytesIO()  # the base class flushes wfile after the handler returns
        connection.close()

    def _pause(self, seconds: float) -> bool:
        """Sleep for a slow fault; False when stop() cut the sleep short."""
        return not self.emulator.stopping.wait(seconds)

    # -- the API --------------------------------------------------------------------------------------

    def _api(self, method: str, full_path: str, path: str, query_text: str, raw: bytes) -> None:
        state = self.emulator.state
        query = {key: values[0] for key, values in parse_qs(query_text, keep_blank_values=True).items()}
        token = _bearer(self.headers.get("Authorization"))
        entry = _entry(state, method, full_path, query, raw, self.headers.get("Content-Type"))
        endpoint = api.ROUTES.get((method, path))
        if endpoint is None:
            allowed = sorted(m for (m, p) in api.ROUTES if p == path)
            if allowed:
                status, text, extra = 405, b"Method Not Allowed", {"Allow": ", ".join(allowed)}
            else:
                status, text, extra = 404, b"404 page not found", {}
            entry.update(status=status, api_status=status)
            state.record(entry)
            self._write(status, text, TEXT_TYPE, extra)
            return
        entry["endpoint"] = endpoint
        outage = state.outage_now()
        if outage is not None:
            entry.update(fault="outage", status=503 if outage.mode == "503" else None)
            state.record(entry)
            if outage.mode == "503":
                self._write(503, OUTAGE_BODY, TEXT_TYPE)
            else:
                self._drop()
            return
        rule = state.take_fault(endpoint)
        reply: api.Reply | None = None
        if rule is None or rule.executes:
            if rule is not None and rule.kind == "slow_before" and not self._pause(rule.seconds):
                self._drop()  # the emulator is stopping: it acts on nothing more
                return
            reply = api.execute(state, endpoint, token, raw, query)
        outcome = _fault_outcome(state, rule, reply) if rule is not None else reply
        if reply is not None:
            entry.update(token=reply.token_label, api_status=reply.status, executed=reply.executed,
                         error_code=reply.code, rate_limited=reply.status == 429 and not reply.executed)
        else:
            record = state.token(token) if token else None
            entry["token"] = record.label if record is not None and not record.deleted else None
        if rule is not None:
            entry["fault"] = rule.kind
        entry["status"] = outcome.status if isinstance(outcome, api.Reply) else None
        state.record(entry)
        if self.emulator.verbose:
            shown = entry["status"] if entry["status"] is not None else "connection reset"
            extra_text = "".join(f" {k}={entry[k]}" for k in ("error_code", "fault") if entry.get(k) is not None)
            sys.stderr.write(f"gosms-emulator: {method} {full_path} -> {shown}{extra_text}\n")
        if rule is not None and rule.kind == "slow" and not self._pause(rule.seconds):
            outcome = _DROP
        if isinstance(outcome, api.Reply):
            self._write(outcome.status, outcome.body, outcome.content_type, outcome.headers)
        else:
            self._drop()

    # -- the control API ------------------------------------------------------------------------------

    def _control(self, method: str, path: str, raw: bytes) -> None:
        if not _loopback(self.client_address[0]):
            payload: Any = {"error": "the control API answers loopback clients only"}
            status = 403
        else:
            status, payload = control.handle(self.emulator.state, method, path, raw)
        body = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
        self._write(status, body, api.JSON_TYPE)


def _fault_outcome(state: State, rule: FaultRule, reply: api.Reply | None) -> Any:
    """What goes back on the wire for a faulted request: a Reply, or _DROP for a reset."""
    kind = rule.kind
    if kind in ("reset_before", "reset_after"):
        return _DROP
    if kind == "http_500":
        return api.Reply(500, b"Internal Server Error", TEXT_TYPE)
    if kind == "html_502":
        return api.Reply(502, PROXY_502_PAGE.encode(), "text/html")
    if kind == "empty":
        return api.Reply(200, b"")
    if kind == "truncated":
        body = reply.body if reply is not None and len(reply.body) >= 2 else b'{"id":"6654a4e8f1'
        return api.Reply(200, body[: len(body) // 2])
    if kind == "error":
        return api.error_reply(state, rule.code)
    if kind == "status":
        return api.Reply(rule.status, rule.body.encode("utf-8"), rule.content_type)
    return reply  # slow, slow_before: the real answer, late


def _entry(state: State, method: str, path: str, query: Mapping[str, str], raw: bytes,
           content_type: str | None) -> dict[str, Any]:
    """A log entry; the Authorization header is never read into it."""
    entry: dict[str, Any] = {
        "time": state.now(), "method": method, "path": path, "query": dict(query), "body": None,
        "content_type": content_type, "endpoint": None, "token": None, "status": None, "api_status": None,
        "executed": False, "error_code": None, "fault": None, "rate_limited": False,
    }
    if raw:
        try:
            entry["body"] = json.loads(raw.decode("utf-8"))
        except ValueError:
            entry["raw_body"] = raw[:_LOGGED_BODY_CHARS].decode("utf-8", "replace")
    return entry


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False
