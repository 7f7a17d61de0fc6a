"""The outbox's files on a shared host: folders trusted by owner and mode, files opened through them.

Monitoring servers are shared: the nagios user, other daemons, people with shells.  A queued alert
is only as safe as the folders it waits in, so the outbox trusts a folder only when this user owns
it and no one else may write to it, and never ``chmod``s one into shape (a folder someone else made
stays theirs, whatever its mode).  Each folder is opened once and checked on the open handle; every
file inside is then reached relative to that handle (``dir_fd``), never by a path someone could
swap between the check and the use.  Files are opened ``O_NOFOLLOW | O_NONBLOCK`` and checked with
``fstat`` after opening: a symbolic link redirects nothing, a FIFO hangs nothing, a device or a huge
file is not read.  What is not a sound entry is set aside in ``corrupt/`` with the reason (Postfix
does the same with its ``corrupt`` queue), and the rest of the outbox flows.

Moving an entry between states is a ``rename``: there is one copy of it at every moment, even when
the process is killed between two steps (:func:`crash_point` lets the tests kill it exactly there).
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import stat
from _thread import allocate_lock  # threading's own base: loading it costs a notifier nothing

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no outbox runner
    fcntl = None  # type: ignore[assignment]

TYPE_CHECKING = False  # not typing's: a notifier handing its alert over loads this module (gosms/__init__)
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any, Optional, Union

    from ..wire.errors import ConfigError

    PathText = Union[str, os.PathLike[str]]

__all__ = [
    "CORRUPT",
    "ENTRY_MAX",
    "ENV_KILL_AT",
    "ENV_OUTBOX",
    "RUNNER_LOCK",
    "BadEntry",
    "Folders",
    "check_record",
    "crash_point",
    "default_root",
]

ENV_OUTBOX = "GOSMS_OUTBOX"
RUNNER_LOCK = ".runner"
"""The file whose lock a live runner holds (see :meth:`gosms.delivery.outbox.Outbox.as_runner`)."""

CORRUPT = "corrupt"
"""The folder bad entries are moved to, each with a ``.reason`` file beside it."""
ENTRY_MAX = 1 << 20
"""Bytes an entry may have: a few hundred is usual; more is not an entry this code wrote."""
ENV_KILL_AT = "GOSMS_TEST_KILL_AT"
"""``STEP`` or ``STEP:N``: the process kills itself (SIGKILL) the Nth time it reaches STEP.

A test hook, so that a kill lands exactly between two steps of a send, a queueing or a flush
instead of whenever a sleep happens to end.  Unset, it costs one dictionary look-up per step."""

_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_reached: dict[str, int] = {}


def default_root(environ: Optional[Mapping[str, str]] = None) -> str:
    """``$GOSMS_OUTBOX``, else ``$XDG_STATE_HOME/gosms-ops/outbox``, else ``~/.local/state/gosms-ops/outbox``.

    Text, not a :class:`~pathlib.Path`: a notifier handing its alert over does not load pathlib."""
    env = os.environ if environ is None else environ
    if env.get(ENV_OUTBOX):
        return os.path.expanduser(env[ENV_OUTBOX])
    state_home = env.get("XDG_STATE_HOME")
    base = (state_home if state_home and os.path.isabs(state_home)
            else os.path.join(os.path.expanduser("~"), ".local", "state"))
    return os.path.join(base, "gosms-ops", "outbox")


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL here when :data:`ENV_KILL_AT` names ``step`` (tests only)."""
    wanted = os.environ.get(ENV_KILL_AT)
    if not wanted:
        return
    name, _colon, nth = wanted.partition(":")
    if name != step:
        return
    _reached[step] = _reached.get(step, 0) + 1
    if _reached[step] == int(nth or 1):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class BadEntry(Exception):
    """A file in the outbox that is not a sound entry; its text is the reason, for ``corrupt/``."""


def _untrusted(st: os.stat_result) -> str:
    """"" for a folder of this user that no one else may write, else what is wrong with it."""
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid}), who could hide or change the alerts queued in it"
    if st.st_mode & 0o022:
        return (f"other users may write to it (mode {stat.S_IMODE(st.st_mode):04o}) and so hide or change the "
                "alerts queued in it")
    return ""


def check_record(data: Any, kinds: Mapping[str, tuple[tuple[type, ...], bool]], required: Sequence[str]) -> None:
    """Raise :class:`BadEntry` unless ``data`` is an object whose fields have the kinds given.

    ``kinds`` maps a field to the types it may have and whether it may be null; numbers must be
    finite, and a bool is not a number (JSON's ``true`` is not an attempt count).
    """
    if not isinstance(data, dict):
        raise BadEntry(f"not a JSON object but {type(data).__name__}")
    missing = [name for name in required if name not in data]
    if missing:
        raise BadEntry(f"missing {', '.join(missing)}")
    for name, (types, nullable) in kinds.items():
        if name not in data:
            continue
        value = data[name]
        if value is None and nullable:
            continue
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise BadEntry(f"{name} is {json_kind(value)}, not {' or '.join(json_kind(t) for t in types)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise BadEntry(f"{name} is not a finite number")
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise BadEntry(f"{name} holds something other than text")


def json_kind(value: Any) -> str:
    kind = value if isinstance(value, type) else type(value)
    return {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "an object",
            bool: "true/false", type(None): "null"}.get(kind, kind.__name__)


class Folders:
    """The outbox's folders, opened and checked once; the files in them reached through the handles.

    ``create`` makes what is missing (mode 0700); without it, a missing outbox is an empty one.
    A folder that exists but is not to be trusted raises :class:`~gosms.wire.errors.ConfigError`.
    """

    def __init__(self, root: PathText, names: Sequence[str], *, create: bool) -> None:
        self.root = root
        self._fds: dict[str, int] = {}
        self._inodes: dict[str, tuple[int, int]] = {}
        self.exists = True
        try:
            self._open(names, create)
        except BaseException:
            self.close()
            raise

    def _open(self, names: Sequence[str], create: bool) -> None:
        # Opened first and made only when missing: every write of an alert opens its folders, and
        # a folder that exists (nearly always) then costs one call, not a refused mkdir as well.
        try:
            # The outbox's own path may be a link the user made; what is checked is the folder the
            # handle holds, and every later step goes through it.
            root = os.open(self.root, _DIR_FLAGS)
        except FileNotFoundError:
            if not create:
                self.exists = False
                return
            with contextlib.suppress(FileExistsError):
                os.makedirs(self.root, 0o700)  # the mode is the outbox's own; parents get the usual one
            root = os.open(self.root, _DIR_FLAGS)
        self._fds[""] = self._checked(root, str(self.root))
        for name in names:
            try:
                fd = self._open_folder(name, create)
            except FileNotFoundError:
                continue  # read-only use of an outbox that never had this state
            except OSError as exc:
                raise self._refused(os.path.join(self.root, name), "it is a symbolic link or not a folder"
                                    if exc.errno in (errno.ELOOP, errno.ENOTDIR)
                                    else (exc.strerror or str(exc))) from None
            self._fds[name] = self._checked(fd, os.path.join(self.root, name), name)

    def _open_folder(self, name: str, create: bool) -> int:
        try:
            return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=self._fds[""])
        except FileNotFoundError:
            if not create:
                raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=self._fds[""])
        return os.open(name, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=self._fds[""])

    def _checked(self, fd: int, path: str, name: str = "") -> int:
        st = os.fstat(fd)
        problem = _untrusted(st)
        if problem:
            os.close(fd)
            raise self._refused(path, problem)
        self._inodes[name] = (st.st_dev, st.st_ino)
        return fd

    def _refused(self, path: str, problem: str) -> ConfigError:
        from ..wire.errors import ConfigError  # only when refusing: a hand-off never loads the error table

        return ConfigError(
            f"The outbox folder {path!r} is not used: {problem}. Alerts are queued only in a folder of this user's "
            "own that no one else may write: choose another outbox folder, or have it owned by this user with "
            "mode 0700 (it is never changed for you).")

    def close(self) -> None:
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    def __enter__(self) -> Folders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, folder: str) -> bool:
        return folder in self._fds

    def fd(self, folder: str) -> int:
        return self._fds[folder]

    # -- reading ------------------------------------------------------------------------------------

    def names(self, folder: str, suffix: str = ".json") -> list[str]:
        if folder not in self._fds:
            return []
        return sorted(n for n in os.listdir(self._fds[folder]) if n.endswith(suffix) and not n.startswith("."))

    def read(self, folder: str, name: str, limit: int = ENTRY_MAX) -> bytes:
        """A regular file of this user's, at most ``limit`` bytes; :class:`BadEntry` says why not."""
        try:
            fd = os.open(name, os.O_RDONLY | _OPEN_FLAGS, dir_fd=self._fds[folder])
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BadEntry("a symbolic link, not an entry (never followed)") from None
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise BadEntry("not a regular file (a FIFO, device or folder)")
            if st.st_uid != os.getuid():
                raise BadEntry(f"owned by another user (uid {st.st_uid})")
            if st.st_size > limit:
                raise BadEntry(f"larger than {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            while size <= limit:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                raise BadEntry(f"larger than {limit} bytes")
            return b"".join(chunks)
        finally:
            os.close(fd)

    def age(self, folder: str, name: str, now: float) -> float:
        return now - self.stat(folder, name).st_mtime

    def stat(self, folder: str, name: str) -> os.stat_result:
        """The file's own status (a link's, never its target's)."""
        return os.stat(name, dir_fd=self._fds[folder], follow_symlinks=False)

    # -- writing ------------------------------------------------------------------------------------

    def put(self, folder: str, name: str, data: bytes) -> None:
        """``name`` in ``folder`` holds ``data``: written in ``tmp/``, flushed, renamed over the old one,
        the folder fsynced (see :meth:`sync`); a batch of one, so that one piece of code keeps that order."""
        error = self.put_all(folder, [(name, data)])[0]
        if error is not None:
            raise error

    def put_all(self, folder: str, files: Sequence[tuple[str, bytes]], *, step: str = "") -> list[Optional[OSError]]:
        """Each ``(name, data)`` in ``folder`` as :meth:`put` leaves it, for a batch: every file written in
        ``tmp/``, the files fsynced at once from a few threads, renamed, then the folder fsynced ONCE.

        Each place of the list returned holds None when that file is on disk (its content and its
        rename fsynced), else the error that kept it out; it is left nowhere then (its temporary file
        removed), and the others are not held back by it.

        Why the fsyncs overlap: a file's fsync is mostly a wait for the disk, and one after another
        fifty of them were half the time a relay took to answer a storm's posts; the disk takes them
        together as fast as one.  ``step`` names the :func:`crash_point` reached after each rename (tests
        kill the process there: renamed, the folder not fsynced yet, nobody answered)."""
        tmp_fd, target = self._fds["tmp"], self._fds[folder]
        errors: list[Optional[OSError]] = [None] * len(files)
        # [place, temporary name, descriptor]: the descriptor -1 once closed, the name "" once renamed or
        # removed, so that a batch cut short by something other than one file's OSError leaves nothing.
        made: list[list[Any]] = []
        try:
            for place, (name, data) in enumerate(files):
                temp = _temp_name(name)
                try:
                    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600, dir_fd=tmp_fd)
                except OSError as exc:
                    errors[place] = exc
                    continue
                made.append([place, temp, fd])
                try:
                    _write_all(fd, data)
                except OSError as exc:
                    errors[place] = exc
            written = [item for item in made if errors[item[0]] is None]
            for item, error in zip(written, _fsync_all([item[2] for item in written])):
                errors[item[0]] = error
            for item in made:
                place, temp, fd = item
                item[2] = -1
                os.close(fd)
                if errors[place] is None:
                    try:
                        os.replace(temp, files[place][0], src_dir_fd=tmp_fd, dst_dir_fd=target)
                    except OSError as exc:
                        errors[place] = exc
                    else:
                        item[1] = ""
                        crash_point(step)
                        continue
                item[1] = ""
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=tmp_fd)
        finally:
            for _place, temp, fd in made:
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                if temp:
                    with contextlib.suppress(OSError):
                        os.unlink(temp, dir_fd=tmp_fd)
        self.sync(folder)
        return errors

    def sync(self, folder: str) -> None:
        """Make the renames and unlinks in ``folder`` so far survive a power cut, where the platform
        allows it: one fsync of the folder, shared with other writers' (:class:`_SharedSync`)."""
        _shared_sync(self._inodes[folder]).sync(self._fds[folder])

    def move(self, source: str, target: str, name: str) -> None:
        """One atomic rename: the file is in one folder or the other, never in both or neither."""
        os.rename(name, name, src_dir_fd=self._fds[source], dst_dir_fd=self._fds[target])
        self.sync(target)
        self.sync(source)

    def remove(self, folder: str, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self._fds[folder])
            self.sync(folder)

    def set_aside(self, folder: str, name: str, reason: str) -> str:
        """Move a bad file (whatever it is: a link, a FIFO) to ``corrupt/``, the reason beside it."""
        target = f"{folder}-{name}"
        os.rename(name, target, src_dir_fd=self._fds[folder], dst_dir_fd=self._fds[CORRUPT])
        self.put(CORRUPT, f"{target}.reason", f"{folder}/{name}: {reason}\n".encode())
        self.sync(folder)
        return target

    def lock_file(self, name: str, *, create: bool = True) -> int:
        """A lock file in the outbox folder, opened without following links and checked on the handle."""
        flags = (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY) | _OPEN_FLAGS
        try:
            fd = os.open(name, flags, 0o600, dir_fd=self._fds[""])
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise self._refused(os.path.join(self.root, name), "its lock file is a symbolic link") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            os.close(fd)
            raise self._refused(os.path.join(self.root, name), "its lock file is not a regular file of this user's")
        return fd

    def lock_held(self, name: str) -> bool:
        """Whether another process holds the lock of ``name`` in the outbox folder (no file: nobody)."""
        try:
            fd = self.lock_file(name, create=False)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False


class _SharedSync:
    """One folder's fsync, shared by the writers whose renames it covers (a group commit).

    A rename survives a power cut once its folder is fsynced; an fsync that began after a rename
    covers it, whoever called it.  Writers that finish a rename while another's fsync of the folder
    runs wait for it to end, and the first of them then fsyncs once for all, so fifty alerts posted
    at once cost a few folder fsyncs, not fifty queued one behind the other.  One writer alone
    fsyncs each time.  (threading.Condition's way, on _thread's locks: a notifier handing its alert
    over does not load threading.)
    """

    def __init__(self) -> None:
        self._lock = allocate_lock()
        self._asked = 0
        self._covered = 0
        self._busy = False
        self._waiting: list[Any] = []

    def sync(self, fd: int) -> None:
        with self._lock:
            self._asked += 1
            mine = self._asked
        while True:
            with self._lock:
                if self._covered >= mine:
                    return  # an fsync that began after this rename has ended
                if not self._busy:
                    self._busy, covers = True, self._asked
                    break
                wake = allocate_lock()
                wake.acquire()
                self._waiting.append(wake)
            wake.acquire()  # released when the running fsync ends
        try:
            with contextlib.suppress(OSError):
                os.fsync(fd)
        finally:
            with self._lock:
                self._busy, self._covered = False, max(self._covered, covers)
                waiting, self._waiting = self._waiting, []
            for wake in waiting:
                wake.release()


FSYNC_THREADS = 8
"""Threads fsyncing a batch's files at once (:meth:`Folders.put_all`), each a share of them in turn.

A thread blocked in fsync costs nothing: with eight, a batch of fifty files (written, fsynced,
renamed, the folder fsynced) took 4-5 ms here instead of 9-11 ms, and a share per thread cost less
CPU than a task per file (3.9 ms against 5.3 for the fifty)."""
_fsync_pool: list[Any] = []
"""The threads' pool once made (made when first needed: a notifier writing one alert never starts threads)."""
_fsync_pool_lock = allocate_lock()


def _fsync_all(fds: Sequence[int]) -> list[Optional[OSError]]:
    """fsync each descriptor, several at once; for each, None or the error its fsync raised."""
    if len(fds) < 2:
        return [_fsync(fd) for fd in fds]
    with _fsync_pool_lock:
        if not _fsync_pool:
            from concurrent.futures import ThreadPoolExecutor

            _fsync_pool.append(ThreadPoolExecutor(FSYNC_THREADS, thread_name_prefix="gosms-fsync"))
        pool = _fsync_pool[0]
    shares = min(FSYNC_THREADS, len(fds))
    done = list(pool.map(lambda first: [_fsync(fd) for fd in fds[first::shares]], range(shares)))
    return [done[place % shares][place // shares] for place in range(len(fds))]


def _fsync(fd: int) -> Optional[OSError]:
    try:
        os.fsync(fd)
    except OSError as exc:
        return exc
    return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _temp_name(name: str) -> str:
    return f"{name}.{os.urandom(4).hex()}.part"  # secrets.token_hex(4), without loading secrets


_syncs: dict[tuple[int, int], _SharedSync] = {}
_syncs_lock = allocate_lock()


def _shared_sync(inode: tuple[int, int]) -> _SharedSync:
    """The shared fsync of the folder with this device and inode number."""
    with _syncs_lock:
        group = _syncs.get(inode)
        if group is None:
            group = _syncs[inode] = _SharedSync()
        return group


@contextlib.contextmanager
def opened(root: PathText, names: Sequence[str], *, create: bool) -> Iterator[Folders]:
    with Folders(root, names, create=create) as folders:
        yield folders


def corrupt_reason(folders: Folders, name: str) -> Optional[str]:
    """The reason recorded beside a set-aside file, if it can be read."""
    try:
        return folders.read(CORRUPT, f"{name}.reason", limit=65536).decode("utf-8", "replace").strip()
    except (OSError, BadEntry):
        return None
