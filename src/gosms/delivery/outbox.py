"""Alerts that could not go out yet, kept on disk until they can: the durable outbox.

An alerting tool loses alerts exactly when GoSMS is unreachable for a while.  An alert that missed
its deadline for a reason that passes (429, 5xx, a timeout, an unreachable API) is written here
and sent later by ``gosms outbox flush``; an alert the API refused for good (a wrong token, a
blocked account, a bad number) is not: waiting would not help, the caller reports it at once.

The layout is a spool directory, one JSON file per entry, its folder its state::

    new/       waiting to be sent
    sending/   claimed by a flush; the file says when the attempt started
    folded/    carried by a digest SMS instead of its own (see :mod:`gosms.delivery.digest`)
    sent/      accepted (kept a day: their ids keep a later look-up from taking one for another)
    tracking/  accepted and followed to the handset, failing over to the next route (wire.following)
    delivered/ the handset has it (status 4); kept a day, like sent/
    undelivered/ failed or stuck on every route: reported (check_gosms --outbox), never resent
    expired/   older than the maximum age when a flush found them: reported, never sent late
    failed/    refused by the API for a reason of their own (a number it rejects, a phone gone)
    tmp/       files being written

Every write goes to ``tmp/``, is flushed to disk and renamed into place, so a crash leaves either
the old file or the new one.  A file moves between states by one rename, after its new content is
written in place: there is one copy of each entry at any time (copies an older version left are
removed by the next flush, the later state kept).  The folders are trusted only when this user
owns them and no one else may write to them, and every file is reached through a checked folder
handle (:mod:`gosms.delivery.spool`); an entry that is not sound is set aside in ``corrupt/`` with
the reason, and the others flow.

Nothing is sent twice.  An entry is written to ``sending/`` with the attempt's start time before
its request leaves; a flush that finds an entry there (the previous flush was killed) treats that
attempt as one whose answer was lost and looks for the message on the server before sending, as
:func:`gosms.wire.flows.send` does after a lost answer.  One flush at a time per outbox: a lock file,
released by the kernel even when a flush is killed.

The token is never written: an entry holds the API address and a salted fingerprint of the
account, and a flush sends it only with a client for that same account, its token read from the
usual configuration.  Files are mode 0600 and folders created 0700.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import fcntl
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from ..wire.config import Token, redact
from ..wire.errors import APIError, Category, ConfigError, GoSMSError
from .entry import (
    FOLLOWED,
    PENDING,
    STATES,
    Corrupt,
    Entry,
    FlushReport,
    account_fingerprint,
    parse_entry,
)
from .failures import is_transient, message_specific
from .record import encode, new_record
from .spool import CORRUPT, ENV_OUTBOX, RUNNER_LOCK, BadEntry, Folders, corrupt_reason, crash_point, default_root

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire import flows

__all__ = [
    "DEFAULT_MAX_AGE",
    "ENV_OUTBOX",
    "FOLLOWED",
    "PENDING",
    "STATES",
    "Corrupt",
    "Entry",
    "FlushReport",
    "Outbox",
    "account_fingerprint",
    "default_directory",
    "is_transient",
]


DEFAULT_MAX_AGE = 4 * 3600.0
"""Seconds after which an alert is reported as expired instead of sent: a page about a disk that
filled up yesterday afternoon wakes someone for nothing."""
KEEP_SENT = 24 * 3600.0
"""Seconds a delivered entry stays in ``sent/``: the ids a look-up must not mistake for another's."""
LOCK_WAIT = 60.0
"""Seconds a flush waits for another one (the timer's, a manual one) before giving up."""
SETTLED_RECHECK = 3600.0
"""Seconds after its verdict that a followed alert is still looked at, for a cancel refused (1010)."""
SETTLED = 2.0
"""Seconds since its last change after which a file read once is not read again while it stays unchanged."""


def default_directory(environ: Optional[Mapping[str, str]] = None) -> Path:
    """``$GOSMS_OUTBOX``, else ``$XDG_STATE_HOME/gosms-ops/outbox``, else ``~/.local/state/gosms-ops/outbox``."""
    return Path(default_root(environ))


# -- the outbox ---------------------------------------------------------------------------------------


class Outbox:
    """A spool directory of alerts waiting to be sent (see the module's description)."""

    def __init__(self, directory: Union[str, os.PathLike[str], None] = None, *,
                 max_age: float = DEFAULT_MAX_AGE) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_directory()
        self.max_age = max_age
        self.folding: Optional[Callable[[Outbox, Client, FlushReport, float], list[Entry]]] = None
        """Holds alerts back and writes digests before a flush sends (:func:`gosms.delivery.digest.fold`;
        set by the runner and the ``gosms outbox`` commands).  None: every pending entry goes alone."""
        self.reserve_in_force: Callable[[], bool] = _never
        """Asked by each flush: whether the quota's reserve holds all but urgent alerts (the runner sets it)."""
        self._parsed: dict[tuple[str, str], tuple[tuple[int, int, int], Entry]] = {}
        """Entries read before, by state and file name, with the file's inode, change time and size
        then: a flush reads again only the files that changed (see :meth:`_read`)."""

    def __repr__(self) -> str:
        return f"Outbox({str(self.directory)!r})"

    # -- files ------------------------------------------------------------------------------------

    def _files(self, *, create: bool = True, names: Sequence[str] = (*STATES, "tmp", CORRUPT)) -> Folders:
        """The outbox's folders (all, or ``names``), checked (see :mod:`gosms.delivery.spool`); made 0700
        when ``create``."""
        with self._writing():
            return Folders(self.directory, names, create=create)

    def _ensure(self) -> None:
        """Create what is missing (0700), and refuse folders someone else owns or may write."""
        self._files().close()

    def check(self) -> None:
        """Raise :class:`~gosms.wire.errors.ConfigError` unless alerts can be queued here (folders made
        when missing): a send that may queue asks before anything leaves, not after."""
        self._ensure()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A folder that cannot be written is a set-up problem, said as one: an alert is at stake."""
        try:
            yield
        except OSError as exc:
            raise self._unwritable(exc) from None

    def _unwritable(self, exc: OSError) -> ConfigError:
        return ConfigError(
            f"Cannot write the outbox folder {str(self.directory)!r} ({exc.strerror or exc}): alerts that "
            "cannot go out now could not be kept. Choose a folder this user can write for the outbox.")

    def _write(self, entry: Entry, state: str) -> None:
        """Give ``entry`` its new content where it is (atomically), then rename it into ``state``.

        Content first, then the move: a kill in between leaves the one copy in its old state with its
        new content, which the next flush reads safely (a claim not yet moved was never sent; an
        answer recorded but not moved to ``sent/`` is found complete and not sent again).
        """
        data = encode(entry.as_dict())
        name = f"{entry.id}.json"
        # Only the folders this write touches: a handed-over alert or a relay post pays for three
        # checked folders, not for every state's.
        with self._files(names=tuple(dict.fromkeys((entry.state, state, "tmp")))) as files, self._writing():
            files.put(entry.state, name, data)
            crash_point(f"write-{state}")
            if state != entry.state:
                files.move(entry.state, state, name)
                crash_point(f"move-{state}")
        entry.state = state

    def _load(self, states: Sequence[str], *, tidy: bool = False, bad: Optional[list[Corrupt]] = None,
              ids: Optional[Sequence[str]] = None, changed_since: Optional[float] = None) -> list[Entry]:
        """Entries in these states, oldest first; a copy left by a crash yields to its later state.

        ``tidy`` (under the flush lock only, so that nothing is moved under a flush's feet) sets bad
        files aside in ``corrupt/`` and removes a copy an older version left beside the later state.
        ``ids`` reads only those entries; ``changed_since`` skips files of ``states`` not written
        since then (a round of following need not parse a day of delivered alerts).
        """
        found: dict[str, Entry] = {}
        bad = [] if bad is None else bad
        with self._files(create=tidy) as files:
            wanted: Optional[set[str]] = None
            if ids is not None or changed_since is not None:
                wanted = set()
                now = time.time()
                for state in states:
                    for name in files.names(state):
                        with contextlib.suppress(FileNotFoundError):
                            if changed_since is None or files.age(state, name, now) <= now - changed_since:
                                wanted.add(name)
                if ids is not None:
                    wanted &= {f"{i}.json" for i in ids}
            listed: set[tuple[str, str]] = set()
            for state in STATES:
                for name in files.names(state):
                    if wanted is not None and name not in wanted:
                        continue
                    listed.add((state, name))
                    try:
                        entry = self._read(files, state, name)
                    except FileNotFoundError:
                        continue  # moved on by a flush between listing the folder and reading the file
                    except BadEntry as exc:
                        bad.append(self._set_aside(files, state, name, str(exc), tidy))
                        continue
                    earlier = found.get(entry.id)
                    if earlier is not None and tidy:
                        files.remove(earlier.state, name)
                    found[entry.id] = entry  # STATES is in order: a later state overrides
            if wanted is None:  # every file was listed: forget those gone since (a copy is read: another
                # thread's listing may add to the dictionary meanwhile, and a lost addition is only re-read)
                self._parsed = {key: known for key, known in dict(self._parsed).items() if key in listed}
        return sorted((e for e in found.values() if e.state in states), key=lambda e: (e.created, e.id))

    def _read(self, files: Folders, state: str, name: str) -> Entry:
        """The entry in ``state``/``name``: parsed and checked again only when the file changed.

        A runner flushes whenever an alert arrives, and each flush looks at every entry (the sent
        ones' ids keep a look-up honest, folding reads the history): with a day of sent alerts that
        was thousands of files read, parsed and checked per flush, in a storm per alert.  Every
        write gives an entry a new file (a new inode), and any other change to a file moves its
        change time, so a file whose inode, change time and size are those of its last reading
        holds what was read then; a copy of that entry is returned, never the kept one.  Only files
        settled for :data:`SETTLED` are kept: a freed inode may be given to the next file, and
        change times tick coarsely, so a file rewritten twice within a tick could otherwise pass for
        the one read before.
        """
        st = files.stat(state, name)
        mark = (st.st_ino, st.st_ctime_ns, st.st_size)
        known = self._parsed.get((state, name))
        if known is not None and known[0] == mark:
            return _copy(known[1])
        entry = parse_entry(files.read(state, name), name, state)
        if st.st_ctime < time.time() - SETTLED:
            self._parsed[(state, name)] = (mark, _copy(entry))
        return entry

    def _set_aside(self, files: Folders, state: str, name: str, reason: str, tidy: bool) -> Corrupt:
        if tidy:  # said once, when it is moved; a listing reports it in its own output
            import logging  # here, not at the top: a notifier handing an alert over never loads it

            logging.getLogger("gosms").info(
                "outbox: %s/%s is not a sound entry (%s); set aside in corrupt/, never sent", state, name, reason)
            with self._writing():
                name = files.set_aside(state, name, reason)
            state = CORRUPT
        return Corrupt(name, reason, state)

    def corrupt(self) -> list[Corrupt]:
        """Files that are not sound entries: those set aside in ``corrupt/`` and any not moved yet.

        ``gosms outbox list`` reports them; a monitoring check can warn on them.
        """
        found: list[Corrupt] = []
        self._load(STATES, bad=found)
        with self._files(create=False) as files:
            for name in files.names(CORRUPT, suffix=""):
                if not name.endswith(".reason"):
                    found.append(Corrupt(name, corrupt_reason(files, name) or "no reason recorded", CORRUPT))
        return found

    def entries(self, states: Sequence[str] = STATES) -> list[Entry]:
        """Every entry (or those in ``states``), oldest first."""
        return self._load(states)

    # -- adding -----------------------------------------------------------------------------------

    def add(self, client: Client, phone_number: str, message: str, *, last_error: str = "", source: str = "",
            alert: Optional[Mapping[str, Any]] = None, **send_options: Any) -> Entry:
        """Queue an alert for one number without trying to send it, validated first as a send is.

        ``alert`` holds what the tool knows of it for folding (:data:`~gosms.delivery.entry.ALERT_FIELDS`:
        kind, host, service, severity, and ``fold_burst``/``fold_window`` to fold it in storms).

        ``send_options`` are :meth:`gosms.Client.send`'s (``device_id``, ``to_sim``, ``callback_id``,
        ``invalid_chars``, ``long_message``, ``normalize``).
        """
        return self.keep(self.prepare(client, phone_number, message, last_error=last_error, source=source,
                                      alert=alert, **send_options))

    def prepare(self, client: Client, phone_number: str, message: str, *, last_error: str = "", source: str = "",
                alert: Optional[Mapping[str, Any]] = None, **send_options: Any) -> Entry:
        """:meth:`add`'s entry, checked but not written yet: :meth:`keep` writes it.

        Apart so that a server can check a post where it parses it and leave only the disk to a
        worker thread (the relay's event loop does the first, its writers the second)."""
        from ..wire.outcomes import plan_send

        plan = plan_send(phone_number, message, **send_options)
        return self._entry(client.api_url, client.token, plan.recipients[0], plan.parts, device_id=plan.device_id,
                           to_sim=plan.to_sim, callback_id=plan.callback_id, last_error=last_error, source=source,
                           alert=alert)

    def keep(self, entry: Entry) -> Entry:
        """Write an entry :meth:`prepare` made into ``new/`` (fsynced when this returns)."""
        self._write(entry, "new")
        return entry

    def keep_all(self, entries: Sequence[Entry]) -> list[Optional[GoSMSError]]:
        """Write entries :meth:`prepare` made into ``new/``: each file fsynced (the batch's fsyncs at once),
        then ONE fsync of the folder (a group commit); every entry is on disk when this returns, unless
        its place in the list holds the error that kept it out.

        For a server that gathers the posts waiting into one batch: fifty alerts cost fifty small
        file fsyncs waited for together and one folder fsync from one thread, not fifty threads
        taking turns at the interpreter's lock with the loop that answers them
        (:meth:`~gosms.delivery.spool.Folders.put_all`)."""
        try:
            files = self._files(names=("new", "tmp"))
        except GoSMSError as exc:
            return [exc] * len(entries)
        with files:
            failures = files.put_all("new", [(f"{entry.id}.json", encode(entry.as_dict())) for entry in entries],
                                     step="write-new")
        errors: list[Optional[GoSMSError]] = []
        for entry, failure in zip(entries, failures):
            if failure is None:
                entry.state = "new"
                errors.append(None)
            else:
                errors.append(self._unwritable(failure))
        return errors

    def _store(self, api_url: str, token: Token, phone_number: str, parts: Sequence[str], *, state: str = "new",
               **fields: Any) -> Entry:
        """A new entry written straight into ``state`` (``fields``: :meth:`_entry`'s)."""
        entry = self._entry(api_url, token, phone_number, parts, **fields)
        self._write(entry, state)
        return entry

    def _entry(
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
        alert: Optional[Mapping[str, Any]] = None,
    ) -> Entry:
        record = new_record(api_url, token, phone_number, parts, source=source, alert=alert, device_id=device_id,
                            to_sim=to_sim, callback_id=callback_id)
        entry = Entry(**record, sent_ids=list(sent_ids), attempts=attempts,
                      last_attempt=record["created"] if attempts else None, last_error=redact(last_error, token),
                      maybe_sent_since=maybe_sent_since)
        if follow is not None:
            entry.follow = dict(follow, key=entry.id)
        return entry

    # -- the runner -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def as_runner(self) -> Iterator[bool]:
        """Hold the outbox's runner lock while ``gosms outbox run`` lives; yields False when another has it.

        One runner per outbox, as one ``qmgr`` per Postfix queue: senders ask :meth:`runner_alive`
        whether to hand an alert over or send it themselves.  The kernel drops the lock when the
        runner dies, even by ``kill -9``, so a dead runner never holds alerts back.
        """
        with self._files() as files, self._writing():
            fd = files.lock_file(RUNNER_LOCK)
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
            with self._files(create=False, names=()) as files:  # the lock only: no state's folder
                return files.exists and files.lock_held(RUNNER_LOCK)
        except (OSError, ConfigError):
            return False

    # -- flushing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, wait: float) -> Iterator[bool]:
        """The outbox's flush lock; yields False when another flush kept it for ``wait`` seconds."""
        with self._files() as files, self._writing():
            fd = files.lock_file(".lock")
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
            known = {i for e in self._load(STATES, tidy=True, bad=report.corrupt) if e.state == "sent"
                     for i in e.sent_ids}
            for entry in self._fold(client, report, clock()):
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

    def _fold(self, client: Client, report: FlushReport, now: float) -> list[Entry]:
        """The pending entries to send now; with :attr:`folding` set, some held back and digests added."""
        if self.folding is None:
            return self._load(PENDING)
        return self.folding(self, client, report, now)

    def _deliver(self, client: Client, entry: Entry, known: set[str], report: FlushReport,
                 clock: Callable[[], float]) -> None:
        entry.attempts += 1
        started = entry.last_attempt = entry.in_flight_since = clock()
        self._write(entry, "sending")  # on disk before the request leaves
        recovered = len(entry.sent_ids) >= len(entry.parts)  # answered before a kill: nothing is sent again
        try:
            for part in entry.parts[len(entry.sent_ids):]:
                result: flows.SendResult = client.run(_deliver_part(client, entry, part, known))
                crash_point("answered")
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
            if message_specific(exc) and not is_transient(exc):
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
        old = [e for e in self._load(("folded", "sent", "delivered"))
               if e.age(now) > max(KEEP_SENT, self.max_age) and not (e.follow or {}).get("possible_double")]
        with self._files() as files, self._writing():
            for entry in old:
                with contextlib.suppress(FileNotFoundError):
                    files.remove(entry.state, f"{entry.id}.json")
            for name in files.names("tmp", suffix=""):  # *.part, and *.json an older version left
                with contextlib.suppress(OSError):
                    if files.age("tmp", name, now) > 3600:
                        files.remove("tmp", name)


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


def _never() -> bool:
    return False


def _copy(entry: Entry) -> Entry:
    """An entry of its own: the lists and the follow record copied, not shared."""
    fresh = dataclasses.replace(entry, parts=list(entry.parts), sent_ids=list(entry.sent_ids),
                                carries=list(entry.carries))
    if entry.follow is not None:
        fresh.follow = copy.deepcopy(entry.follow)
    return fresh


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
