"""Alerts that could not go out yet, kept on disk until they can: the durable outbox.

An alerting tool loses alerts exactly when GoSMS is unreachable for a while.  An alert that missed
its deadline for a reason that passes (429, 5xx, a timeout, an unreachable API) is written here
and sent later by ``gosms outbox flush``; an alert the API refused for good (a wrong token, a
blocked account, a bad number) is not: waiting would not help, the caller reports it at once.

The layout is a spool directory, one JSON file per entry, its folder its state::

    new/       waiting to be sent
    sending/   claimed by a flush; the file says when the attempt started
    sent/      accepted (kept a day: their ids keep a later look-up from taking one for another)
    tracking/  accepted and followed to the handset, failing over to the next route (wire.following)
    delivered/ the handset has it (status 4); kept a day, like sent/
    undelivered/ failed or stuck on every route: reported (check_gosms --outbox), never resent
    expired/   older than the maximum age when a flush found them: reported, never sent late
    failed/    refused by the API for a reason of their own (a number it rejects, a phone gone)
    tmp/       files being written

Every write goes to ``tmp/``, is flushed to disk and renamed into place, so a crash leaves either
the old file or the new one.  A file moves between states by writing the new copy first and then
removing the old one; a crash in between leaves two copies, and the later state wins on reading.

Nothing is sent twice.  An entry is written to ``sending/`` with the attempt's start time before
its request leaves; a flush that finds an entry there (the previous flush was killed) treats that
attempt as one whose answer was lost and looks for the message on the server before sending, as
:func:`gosms.wire.flows.send` does after a lost answer.  One flush at a time per outbox: a lock file,
released by the kernel even when a flush is killed.

The token is never written: an entry holds the API address and a salted fingerprint of the
account, and a flush sends it only with a client for that same account, its token read from the
usual configuration.  Files are mode 0600 and folders 0700.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from ..wire.config import Token, redact
from ..wire.errors import APIError, Category, ConfigError, GoSMSError, ProtocolError, TransportError

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire import flows

__all__ = [
    "DEFAULT_MAX_AGE",
    "ENV_OUTBOX",
    "FOLLOWED",
    "PENDING",
    "STATES",
    "Entry",
    "FlushReport",
    "Outbox",
    "account_fingerprint",
    "default_directory",
    "is_transient",
]

log = logging.getLogger("gosms")

ENV_OUTBOX = "GOSMS_OUTBOX"
DEFAULT_MAX_AGE = 4 * 3600.0
"""Seconds after which an alert is reported as expired instead of sent: a page about a disk that
filled up yesterday afternoon wakes someone for nothing."""
KEEP_SENT = 24 * 3600.0
"""Seconds a delivered entry stays in ``sent/``: the ids a look-up must not mistake for another's."""
RUNNER_LOCK = ".runner"
"""The file whose lock a live runner holds (see :meth:`Outbox.as_runner`)."""
LOCK_WAIT = 60.0
SETTLED_RECHECK = 3600.0
"""Seconds after its verdict that a followed alert is still looked at, for a cancel refused (1010)."""
"""Seconds a flush waits for another one (the timer's, a manual one) before giving up."""

STATES: tuple[str, ...] = ("new", "sending", "tracking", "sent", "delivered", "undelivered", "expired", "failed")
"""In the order an entry moves on: when a crash left two copies, the later state is the true one."""
PENDING: tuple[str, ...] = ("new", "sending")
FOLLOWED: tuple[str, ...] = ("tracking", "delivered", "undelivered")
"""States of an alert followed to the handset; delivered and undelivered ones may still have a
refused cancel (1010) to try again."""
_VERSION = 1


def default_directory(environ: Optional[Mapping[str, str]] = None) -> Path:
    """``$GOSMS_OUTBOX``, else ``$XDG_STATE_HOME/gosms-ops/outbox``, else ``~/.local/state/gosms-ops/outbox``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_OUTBOX):
        return Path(env[ENV_OUTBOX]).expanduser()
    state_home = env.get("XDG_STATE_HOME")
    base = Path(state_home) if state_home and Path(state_home).is_absolute() else Path.home() / ".local" / "state"
    return base / "gosms-ops" / "outbox"


def account_fingerprint(api_url: str, token: Union[Token, str], salt: str) -> str:
    """Who an entry belongs to, without a trace of the token: a salted hash of address and token."""
    secret = token.reveal() if isinstance(token, Token) else token
    material = "\0".join((salt, api_url.rstrip("/"), secret)).encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def is_transient(exc: GoSMSError) -> bool:
    """Whether the alert may go out later: a 429, a 5xx, a timeout, an unreachable API.

    Read from the error's own type and the error table, never from code numbers here: an API
    error is transient only where the table says retrying helps; one that the server or a proxy
    answered without a GoSMS code is transient when it is a 429, a 5xx, or a mangled answer that
    may hide a sent message.
    """
    if isinstance(exc, APIError):
        return exc.info.retryable
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, ProtocolError):
        return exc.retryable or exc.maybe_sent
    return False


def _message_specific(exc: GoSMSError) -> bool:
    """A refusal about this one message (its number, its phone), not about the account as a whole."""
    return isinstance(exc, APIError) and (exc.info.field is not None or exc.info.category is Category.VALIDATION)


# -- entries -----------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One recipient's alert waiting in the outbox."""

    id: str
    created: float
    phone_number: str
    parts: list[str]
    api_url: str
    account: str
    salt: str
    device_id: Optional[str] = None
    to_sim: Optional[int] = None
    callback_id: Optional[str] = None
    sent_ids: list[str] = field(default_factory=list)
    """Ids of the parts already sent (a long alert split in parts goes on where it stopped)."""
    attempts: int = 0
    last_attempt: Optional[float] = None
    last_error: str = ""
    in_flight_since: Optional[float] = None
    """Set while a flush sends it; found set by the next flush, the attempt's answer was lost."""
    maybe_sent_since: Optional[float] = None
    """An earlier attempt may have reached the server: look for the message before sending."""
    source: str = ""
    follow: Optional[dict[str, Any]] = None
    """The record of an alert followed to the handset (:meth:`gosms.wire.routes.Followed.as_dict`):
    its routes and each route's try; None for an alert that is not followed."""
    state: str = "new"
    """The folder it was read from; not stored in the file."""

    @property
    def message(self) -> str:
        return "".join(self.parts)

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    def age(self, now: Optional[float] = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.created)

    def belongs_to(self, api_url: str, token: Union[Token, str]) -> bool:
        return self.api_url == api_url.rstrip("/") and secrets.compare_digest(
            self.account, account_fingerprint(api_url, token, self.salt))

    def as_dict(self) -> dict[str, Any]:
        """The file's content; the token is not in it, only the account's salted fingerprint."""
        data = {name: getattr(self, name) for name in _STORED}
        data["version"] = _VERSION
        return data

    def describe(self) -> dict[str, Any]:
        """What a listing shows: no account fingerprint or salt, which mean nothing to a person."""
        data = {k: v for k, v in self.as_dict().items() if k not in ("account", "salt", "version")}
        data.update(state=self.state, age=round(self.age(), 1), message=self.message)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], state: str) -> Entry:
        fields = {name: data[name] for name in _STORED if name in data}
        fields["parts"] = [str(part) for part in fields.get("parts", [])]
        fields["sent_ids"] = [str(i) for i in fields.get("sent_ids", [])]
        return cls(**fields, state=state)


_STORED = (
    "id", "created", "phone_number", "parts", "api_url", "account", "salt", "device_id", "to_sim",
    "callback_id", "sent_ids", "attempts", "last_attempt", "last_error", "in_flight_since",
    "maybe_sent_since", "source", "follow",
)


# -- the flush's report -------------------------------------------------------------------------------


@dataclass
class FlushReport:
    """What one flush did, and what is still waiting."""

    sent: list[Entry] = field(default_factory=list)
    recovered: list[Entry] = field(default_factory=list)
    """Found on the server after a lost answer or a killed flush: counted as sent, not sent again."""
    expired: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, GoSMSError]] = field(default_factory=list)
    other_account: list[Entry] = field(default_factory=list)
    """Queued through another API address or token: this client may not send them."""
    pending: list[Entry] = field(default_factory=list)
    stopped_by: Optional[GoSMSError] = None
    """The error that ended the flush early (the API still unreachable, the account refused)."""
    busy: bool = False
    """Another flush held the outbox for longer than this one would wait."""
    delivered: list[Entry] = field(default_factory=list)
    undelivered: list[Entry] = field(default_factory=list)
    following: list[Entry] = field(default_factory=list)
    """Alerts still followed to the handset after this flush (their next round is due soon)."""
    follow_again: Optional[float] = None
    """Seconds until the next round of following is due (None: nothing is followed)."""

    @property
    def ok(self) -> bool:
        """Nothing left waiting, and nothing given up on by this flush."""
        return not (self.pending or self.expired or self.failed or self.busy or self.undelivered)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sent": [e.describe() for e in self.sent],
            "recovered": [e.id for e in self.recovered],
            "expired": [e.describe() for e in self.expired],
            "failed": [dict(e.describe(), error=str(exc)) for e, exc in self.failed],
            "other_account": [e.id for e in self.other_account],
            "pending": [e.describe() for e in self.pending],
            "stopped_by": str(self.stopped_by) if self.stopped_by is not None else None,
            "busy": self.busy,
            "delivered": [e.describe() for e in self.delivered],
            "undelivered": [e.describe() for e in self.undelivered],
            "following": [e.describe() for e in self.following],
        }


# -- the outbox ---------------------------------------------------------------------------------------


class Outbox:
    """A spool directory of alerts waiting to be sent (see the module's description)."""

    def __init__(self, directory: Union[str, os.PathLike[str], None] = None, *,
                 max_age: float = DEFAULT_MAX_AGE) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_directory()
        self.max_age = max_age

    def __repr__(self) -> str:
        return f"Outbox({str(self.directory)!r})"

    # -- files ------------------------------------------------------------------------------------

    def _folder(self, state: str) -> Path:
        return self.directory / state

    def _ensure(self) -> None:
        """Create the folders private to this user (0700), whatever the umask."""
        with self._writing():
            for folder in (self.directory, *(self._folder(s) for s in (*STATES, "tmp"))):
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                if folder.stat().st_mode & 0o077:
                    folder.chmod(0o700)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A folder that cannot be written is a set-up problem, said as one: an alert is at stake."""
        try:
            yield
        except OSError as exc:
            raise ConfigError(
                f"Cannot write the outbox folder {str(self.directory)!r} ({exc.strerror or exc}): alerts that "
                "cannot go out now could not be kept. Choose a folder this user can write for the outbox."
            ) from None

    def _write(self, entry: Entry, state: str) -> None:
        """Write ``entry`` into ``state`` atomically (temp file, fsync, rename), then drop other copies."""
        self._ensure()
        with self._writing():
            self._replace(entry, state)

    def _replace(self, entry: Entry, state: str) -> None:
        data = json.dumps(entry.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        tmp = self._folder("tmp") / f"{entry.id}.{secrets.token_hex(4)}.json"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        target = self._folder(state) / f"{entry.id}.json"
        os.replace(tmp, target)
        _fsync_dir(target.parent)
        entry.state = state
        for other in STATES:
            if other != state:
                stale = self._folder(other) / f"{entry.id}.json"
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
                    _fsync_dir(stale.parent)

    def _load(self, states: Sequence[str], *, ids: Optional[Sequence[str]] = None,
              changed_since: Optional[float] = None) -> list[Entry]:
        """Entries in these states, oldest first; a copy left by a crash yields to its later state.

        ``ids`` reads only those entries; ``changed_since`` skips files of ``states`` not written
        since then (a round of following need not parse a day of delivered alerts)."""
        found: dict[str, Entry] = {}
        names: set[str] = set()  # only entries with a file in ``states`` are read (in every state)
        for state in states:
            folder = self._folder(state)
            for path in folder.glob("*.json") if folder.is_dir() else ():
                with contextlib.suppress(FileNotFoundError):
                    if changed_since is None or path.stat().st_mtime >= changed_since:
                        names.add(path.stem)
        if ids is not None:
            names &= set(ids)
        for state in STATES:
            folder = self._folder(state)
            if not folder.is_dir():
                continue
            for path in folder.glob("*.json"):
                if path.stem not in names:
                    continue
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    entry = Entry.from_dict(data, state)
                except FileNotFoundError:
                    continue  # moved on by a flush between listing the folder and reading the file
                except (OSError, ValueError, TypeError, KeyError) as exc:
                    # Left where it is for a person to look at; never guessed at, never sent.
                    log.warning("outbox: cannot read %s (%s); it is left alone", path, exc)
                    continue
                found[entry.id] = entry  # STATES is in order: a later state overrides
        return sorted((e for e in found.values() if e.state in states), key=lambda e: (e.created, e.id))

    def entries(self, states: Sequence[str] = STATES) -> list[Entry]:
        """Every entry (or those in ``states``), oldest first."""
        return self._load(states)

    # -- adding -----------------------------------------------------------------------------------

    def add(self, client: Client, phone_number: str, message: str, *, last_error: str = "", source: str = "",
            **send_options: Any) -> Entry:
        """Queue an alert for one number without trying to send it, validated first as a send is.

        ``send_options`` are :meth:`gosms.Client.send`'s (``device_id``, ``to_sim``, ``callback_id``,
        ``invalid_chars``, ``long_message``, ``normalize``).
        """
        from ..wire.outcomes import plan_send

        plan = plan_send(phone_number, message, **send_options)
        return self._store(client.api_url, client.token, plan.recipients[0], plan.parts, device_id=plan.device_id,
                           to_sim=plan.to_sim, callback_id=plan.callback_id, last_error=last_error, source=source)

    def _store(
        self,
        api_url: str,
        token: Token,
        phone_number: str,
        parts: Sequence[str],
        *,
        device_id: Optional[str] = None,
        to_sim: Optional[int] = None,
        callback_id: Optional[str] = None,
        sent_ids: Sequence[str] = (),
        attempts: int = 0,
        last_error: str = "",
        maybe_sent_since: Optional[float] = None,
        source: str = "",
        follow: Optional[dict[str, Any]] = None,
        state: str = "new",
    ) -> Entry:
        now = time.time()
        salt = secrets.token_hex(16)
        entry = Entry(
            id=f"{time.time_ns():020d}-{secrets.token_hex(4)}", created=now, phone_number=phone_number,
            parts=list(parts), api_url=api_url.rstrip("/"), account=account_fingerprint(api_url, token, salt),
            salt=salt, device_id=device_id, to_sim=to_sim, callback_id=callback_id, sent_ids=list(sent_ids),
            attempts=attempts, last_attempt=now if attempts else None, last_error=redact(last_error, token),
            maybe_sent_since=maybe_sent_since, source=source)
        if follow is not None:
            entry.follow = dict(follow, key=entry.id)
        self._write(entry, state)
        return entry

    # -- the runner -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def as_runner(self) -> Iterator[bool]:
        """Hold the outbox's runner lock while ``gosms outbox run`` lives; yields False when another has it.

        One runner per outbox, as one ``qmgr`` per Postfix queue: senders ask :meth:`runner_alive`
        whether to hand an alert over or send it themselves.  The kernel drops the lock when the
        runner dies, even by ``kill -9``, so a dead runner never holds alerts back.
        """
        self._ensure()
        with self._writing():
            fd = os.open(self.directory / RUNNER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def runner_alive(self) -> bool:
        """Whether a runner holds this outbox now (a missing outbox has none)."""
        try:
            fd = os.open(self.directory / RUNNER_LOCK, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    # -- flushing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, wait: float) -> Iterator[bool]:
        """The outbox's flush lock; yields False when another flush kept it for ``wait`` seconds."""
        self._ensure()
        with self._writing():
            fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            end = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= end:
                        yield False
                        return
                    time.sleep(0.1)
            yield True
        finally:
            os.close(fd)  # closing releases the lock; so does the kernel when a flush is killed

    def flush(
        self,
        client: Client,
        *,
        wait: float = LOCK_WAIT,
        stop: Optional[Callable[[], bool]] = None,
        now: Optional[Callable[[], float]] = None,
    ) -> FlushReport:
        """Send what is due, oldest first; ends early when the API is still out of reach.

        ``stop`` is asked between entries (a service manager's stop request); ``now`` is the wall
        clock that ages entries.
        """
        clock = now or time.time
        report = FlushReport()
        with self._locked(wait) as held:
            if not held:
                report.busy = True
                report.pending = self.entries(PENDING)
                return report
            known = {i for e in self._load(("sent",)) for i in e.sent_ids}
            for entry in self._load(PENDING):
                if report.stopped_by is not None or (stop is not None and stop()):
                    break
                if entry.state == "sending":
                    # The flush that claimed it was killed: its attempt may have reached the server.
                    since = entry.in_flight_since or entry.last_attempt or entry.created
                    entry.maybe_sent_since = min(entry.maybe_sent_since or since, since)
                    entry.in_flight_since = None
                if not entry.belongs_to(client.api_url, client.token):
                    report.other_account.append(entry)
                    continue
                if entry.age(clock()) > self.max_age:
                    entry.last_error = (entry.last_error + " " if entry.last_error else "") + (
                        f"Expired: not sent within {_duration(self.max_age)}.")
                    self._write(entry, "expired")
                    report.expired.append(entry)
                    continue
                self._deliver(client, entry, known, report, clock)
            if report.stopped_by is None and not (stop is not None and stop()):
                self.follow(client, report=report)
            self._prune(clock())
        report.pending = self.entries(PENDING)
        return report

    def _deliver(self, client: Client, entry: Entry, known: set[str], report: FlushReport,
                 clock: Callable[[], float]) -> None:
        entry.attempts += 1
        started = entry.last_attempt = entry.in_flight_since = clock()
        self._write(entry, "sending")  # on disk before the request leaves
        recovered = False
        try:
            for part in entry.parts[len(entry.sent_ids):]:
                result: flows.SendResult = client.run(_deliver_part(client, entry, part, known))
                recovered = recovered or result.recovered
                known.add(result.id)
                entry.sent_ids.append(result.id)
                entry.maybe_sent_since = None
                if len(entry.sent_ids) < len(entry.parts):
                    self._write(entry, "sending")  # a crash now resumes at the next part
        except GoSMSError as exc:
            entry.last_error = redact(str(exc), client.token)
            if exc.maybe_sent and entry.maybe_sent_since is None:
                entry.maybe_sent_since = started
            entry.in_flight_since = None
            if _message_specific(exc) and not is_transient(exc):
                self._write(entry, "failed")
                report.failed.append((entry, exc))
            else:  # the API is out of reach, or refuses the account: the next entries would fare alike
                self._write(entry, "new")
                report.stopped_by = exc
            return
        entry.in_flight_since = None
        entry.last_error = ""
        self._write(entry, "sent")
        (report.recovered if recovered else report.sent).append(entry)

    def follow(self, client: Client, *, keys: Optional[Sequence[str]] = None,
               report: Optional[FlushReport] = None, **round_options: Any) -> list[Entry]:
        """One round of following (:func:`gosms.wire.following.follow_round`) over the followed
        alerts (or those named by ``keys``), each stored as it changes; the caller holds the lock.

        Returns the entries that still need following."""
        from ..wire.following import follow_round, pause
        from ..wire.routes import TRACKING, Followed

        # Alerts still followed, and the recently settled ones (a refused cancel is tried again
        # within minutes: the API's 1010 window); never a whole day of delivered files per round.
        loaded = (self._load(FOLLOWED, ids=keys) if keys is not None else
                  self._load(("tracking",)) + self._load(("delivered", "undelivered"),
                                                         changed_since=time.time() - SETTLED_RECHECK))
        entries = {e.id: e for e in loaded if e.follow is not None and e.belongs_to(client.api_url, client.token)}
        items = [Followed.from_dict(e.follow) for e in entries.values() if e.follow is not None]
        items = [item for item in items if item.busy and item.key in entries]

        def save(item: Followed) -> None:
            entry = entries[item.key]
            entry.follow = item.as_dict()
            state = item.verdict if item.verdict != TRACKING else "tracking"
            if entry.state != state and report is not None:
                (report.delivered if state == "delivered" else report.undelivered).append(entry)
            self._write(entry, state)

        if items:
            client.run(follow_round(client.api_url, client.token, client.retry, items, checkpoint=save,
                                    **round_options))
        busy = [entries[item.key] for item in items if item.busy]
        if report is not None:
            report.following = busy
            report.follow_again = pause([item for item in items if item.busy]) if busy else None
        return busy

    def _prune(self, now: float) -> None:
        """Forget delivered entries after a day, and temp files a crash left half-written."""
        for entry in self._load(("sent", "delivered")):
            if entry.age(now) > max(KEEP_SENT, self.max_age) and not (entry.follow or {}).get("possible_double"):
                with contextlib.suppress(FileNotFoundError):
                    (self._folder(entry.state) / f"{entry.id}.json").unlink()
        for tmp in self._folder("tmp").glob("*.json"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > 3600:
                    tmp.unlink()


def _deliver_part(client: Client, entry: Entry, part: str, known: set[str]) -> flows.Flow:
    """Send one part, first looking for it on the server when an earlier attempt may have sent it."""
    from ..wire import flows
    from ..wire.retry import RetryPolicy

    if entry.maybe_sent_since is not None:
        check = RetryPolicy(attempts=3, deadline=min(10.0, client.retry.deadline), base=client.retry.base)
        try:
            found = yield from flows.find_sent(client.api_url, client.token, entry.phone_number, part,
                                               entry.maybe_sent_since, known, check)
        except APIError as exc:
            if exc.info.category is not Category.PERMISSION:
                raise
            found = None  # the token may not read messages: send, as flows.send does (twice beats lost)
        if found is not None:
            return flows.SendResult(found, entry.phone_number, part, 0, recovered=True,
                                    notes=["Found on the server after an attempt whose answer was lost."])
    result: flows.SendResult = yield from flows.send(
        client.api_url, client.token, entry.phone_number, part, device_id=entry.device_id, to_sim=entry.to_sim,
        callback_id=entry.callback_id, policy=client.retry, known_ids=known)
    return result


def _fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` survive a power cut, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
