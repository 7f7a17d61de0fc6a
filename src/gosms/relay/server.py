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
required (compared in constant time; 401 otherwise); :mod:`.web` holds that HTTP side.  A rejected
post queues nothing.  Neither the GoSMS token nor the relay's own token is ever written into an
answer or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Union
from urllib.parse import parse_qs

from ..delivery.handoff import alert_fields
from ..wire.config import Token, redact
from ..wire.errors import ConfigError, GoSMSError, ValidationError
from ..wire.folding import FoldPolicy
from .compose import Notification, PayloadError, compose, folding_subject, parse_alertmanager, parse_grafana
from .refusal import Refusal
from .routes import Routes, check_numbers

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..delivery.entry import Entry
    from ..delivery.outbox import FlushReport, Outbox
    from .web import Front

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
"""Connections open at once; Alertmanager keeps a few, a storm of posts some dozens."""
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
        self._claimed: OrderedDict[tuple[str, str], float] = OrderedDict()
        """Oldest claim first, so :meth:`claim` forgets the expired ones from the front."""
        now = time.time()
        try:
            entries = outbox.entries()
        except GoSMSError:
            entries = []  # an outbox that cannot be read cannot be written either: posts get 503
        restored = []
        for entry in entries:
            found = _POST_KEY.search(entry.source)
            if found and now - entry.created < REPEAT_WINDOW:
                restored.append((entry.created, (found.group(1), entry.phone_number)))
        for created, key in sorted(restored):
            self._claimed[key] = created

    def claim(self, key: str, number: str) -> bool:
        """True when this post has not been queued for ``number`` within the window (and claim it).

        Each call first forgets the claims the window has passed, oldest first: a post pays for the
        few it drops, not for the thousands a storm keeps within the window.
        """
        now = time.time()
        with self._lock:
            claimed = self._claimed
            while claimed:
                oldest, at = next(iter(claimed.items()))
                if now - at < REPEAT_WINDOW:
                    break
                del claimed[oldest]
            last = claimed.get((key, number))
            if last is not None and now - last < REPEAT_WINDOW:
                return False
            claimed[(key, number)] = now
            claimed.move_to_end((key, number))
            return True

    def release(self, key: str, number: str) -> None:
        with self._lock:
            self._claimed.pop((key, number), None)


@dataclass
class _Post:
    """A post read and checked, its entries made but not written yet (:meth:`Relay.check`)."""

    key: str
    numbers: tuple[str, ...]
    text: str
    source: str
    sender: str
    """Who posted it, as a log line names it (``Alertmanager receiver sms``...)."""
    entries: list[Entry] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


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
        self._front: Optional[Front] = None
        self._runner: Optional[threading.Thread] = None

    # -- life cycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def connections(self) -> int:
        """Connections open now."""
        return 0 if self._front is None else self._front.connections

    def start(self) -> Relay:
        """Bind the port, then serve (an event loop's thread) and send (the runner's thread)."""
        try:
            from .web import Front
        except ImportError as exc:
            raise ConfigError(f"gosms relay needs aiohttp ({exc}): install gosms-ops with its relay extra, "
                              "pip install 'gosms-ops[relay]'.") from None
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)  # Alertmanager posts each group at once after an outage: let them queue
        except OSError as exc:
            sock.close()
            raise ConfigError(f"Cannot listen on {self.host}:{self.port} ({exc.strerror or exc}): choose a free "
                              "address and port for --listen.") from None
        self.port = sock.getsockname()[1]
        self._front = Front(self, sock, max_connections=MAX_CONNECTIONS)
        self._runner = threading.Thread(target=self._run, name="gosms-relay-runner", daemon=True)
        self._runner.start()
        self._front.start()
        log.info("relay listening on %s (POST /alertmanager, /grafana)%s", self.url,
                 "; bearer token required" if self.auth else "")
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Stop taking posts, let the runner finish the alert it is sending, then return."""
        self._stop.set()
        if self._front is not None:
            self._front.stop(timeout)
        if self._runner is not None:
            self._runner.join(timeout)

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

    def known(self, path: str) -> bool:
        return path in PARSERS

    def check(self, path: str, query: str, body: bytes) -> _Post:
        """Read a post and make the entries it asks for, not written yet; :class:`Refusal` when it is not taken.

        Runs on the front end's loop: parsing and wording cost CPU, not waits.  The numbers it
        takes are claimed against the sender's retries until :meth:`queue` writes them or fails.
        """
        parse = PARSERS[path]
        try:
            doc = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Refusal(400, "the body is not UTF-8 text: send the webhook's JSON") from None
        except ValueError as exc:
            raise Refusal(400, f"the body is not JSON ({exc}): send the webhook's JSON") from None
        try:
            note = parse(doc)
        except PayloadError as exc:
            raise Refusal(400, str(exc)) from None
        numbers = self._recipients(note, query)
        text = self.scrub(compose(note))  # a label that quotes a token does not carry it into an SMS
        key = post_key(path, doc)
        source = f"relay {note.source}" + (f" receiver={note.receiver}" if note.receiver else "") + f" post={key}"
        # Host and service come from labels, which may quote a secret as the text may: scrubbed alike.
        kind, host, service, severity = (self.scrub(part) for part in folding_subject(note))
        alert = alert_fields(kind, host, service, severity, self.fold)
        post = _Post(key, numbers, text, source, note.source)
        for number in numbers:
            if not self._seen.claim(key, number):
                post.repeated.append(number)  # the sender's retry of a post already queued: not twice
                continue
            try:
                post.entries.append(self.outbox.prepare(self.client, number, text, source=source, alert=alert))
            except GoSMSError as exc:
                self._release(post, post.entries)
                self._seen.release(key, number)
                raise self._unkept(post, exc) from None
        return post

    def queue_all(self, posts: Sequence[_Post]) -> list[Union[dict[str, Any], Refusal]]:
        """Write the entries of every post waiting into the outbox at once (each file fsynced, the folder
        once), in the front end's writer thread; each post's answer document, or the :class:`Refusal`
        (503) of a post whose entries could not all be kept."""
        entries = [entry for post in posts for entry in post.entries]
        errors = iter(self.outbox.keep_all(entries) if entries else [])
        outcomes: list[Union[dict[str, Any], Refusal]] = []
        for post in posts:
            failed = [(entry, error) for entry, error in zip(post.entries, errors) if error is not None]
            if failed:  # the folder cannot be written: a 5xx makes the sender retry what was not kept
                self._release(post, [entry for entry, _error in failed])
                outcomes.append(self._unkept(post, failed[0][1]))
            else:
                outcomes.append(self._answer(post))
        return outcomes

    def _answer(self, post: _Post) -> dict[str, Any]:
        if post.entries:
            log.info("relay: queued %r for %s (%s)", post.text,
                     ", ".join(n for n in post.numbers if n not in post.repeated), post.source)
        if post.repeated:
            log.info("relay: %s repeated a post queued already for %s; not queued again", post.sender,
                     ", ".join(post.repeated))
        return {"ok": True, "queued": len(post.entries), "ids": [e.id for e in post.entries], "to": list(post.numbers),
                "repeated": post.repeated, "message": post.text}

    def _release(self, post: _Post, entries: list[Entry]) -> None:
        for entry in entries:
            self._seen.release(post.key, entry.phone_number)

    @staticmethod
    def _unkept(post: _Post, exc: GoSMSError) -> Refusal:
        log.error("relay: could not queue %s: %s", post.source, exc)
        return Refusal(503, f"the alert could not be kept in the outbox: {exc}")

    def health(self) -> dict[str, Any]:
        return {"ok": True, "runner": self.runner_held}

    def render(self, document: Mapping[str, Any]) -> bytes:
        return self.scrub(json.dumps(document, ensure_ascii=False)).encode("utf-8") + b"\n"

    def _recipients(self, note: Notification, query: str) -> tuple[str, ...]:
        asked = [n for value in parse_qs(query).get("to", []) for n in value.split(",") if n]
        if asked:
            try:
                return check_numbers(asked)
            except ValidationError as exc:
                raise Refusal(400, f"?to= {exc}") from None
        if self.routes is None:
            raise Refusal(400, "no recipient: add ?to=NUMBER to the webhook URL (repeat it for more), or start "
                               "the relay with --routes")
        found = self.routes.recipients(note.receiver, note.labels)
        if not found:
            # A set-up gap, not the sender's fault: a 5xx keeps the alert in the sender's retries while
            # someone adds a route or a default and restarts the relay.
            log.error("relay: no route for receiver %r with labels %s, and no default", note.receiver,
                      dict(note.labels))
            raise Refusal(500, f"no route in the routes file matches receiver {note.receiver!r} or these labels, "
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


