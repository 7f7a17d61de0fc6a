"""The user's private runtime directory, where processes of one user on one machine meet.

The account's request budget (:mod:`gosms.pacing.budget`) and the start-up turnstile
(:mod:`gosms.pacing.turnstile`) keep their lock files here.  Apart from both because the turnstile is
taken by a command before it loads anything else: this module needs only ``os`` and ``stat``.
"""

from __future__ import annotations

import contextlib
import os
import stat

TYPE_CHECKING = False  # not typing's: this module loads before the turnstile (see gosms/__init__)
if TYPE_CHECKING:
    from typing import Optional

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: nothing is shared between processes
    fcntl = None  # type: ignore[assignment]

__all__ = ["ENV_RUNTIME_DIR", "check_private", "runtime_dir"]

ENV_RUNTIME_DIR = "GOSMS_RUNTIME_DIR"


def check_private(st: os.stat_result, path: str, *, is_dir: bool) -> None:
    """Owned by this user and closed to everyone else, or refused with the reason."""
    kind_ok = stat.S_ISDIR(st.st_mode) if is_dir else stat.S_ISREG(st.st_mode)
    if not kind_ok:
        raise PermissionError(0, f"{path} is not a {'directory' if is_dir else 'regular file'}")
    if st.st_uid != os.getuid():
        raise PermissionError(0, f"{path} belongs to another user")
    if st.st_mode & 0o077:
        raise PermissionError(0, f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}; "
                                 f"chmod {'700' if is_dir else '600'} it)")


_WARNED: set[str] = set()


def _warn(text: str) -> None:
    """Said once per process on stderr, whatever the logging set-up: a budget switched off by someone
    else must not hide behind ``-v`` (Nagios and cron keep stderr in their logs)."""
    if text not in _WARNED:
        _WARNED.add(text)
        import sys

        sys.stderr.write(f"gosms: WARNING: {text}\n")
        sys.stderr.flush()


def _own_folder(path: str) -> str:
    """"" when ``path`` is a folder of this user that no one else may write, else why not."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISDIR(st.st_mode):
        return "not a folder"
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o022:
        return f"other users may write to it (mode {stat.S_IMODE(st.st_mode):o})"
    return ""


def _private(path: str, *, parents: bool = False) -> tuple[Optional[str], str]:
    """``path`` created 0700 when missing, then used only if it is this user's and closed to others.

    Never ``chmod``-ed into shape: a folder someone else made, or made open, stays refused.
    """
    try:
        with contextlib.suppress(FileExistsError):
            os.makedirs(path, mode=0o700) if parents else os.mkdir(path, 0o700)
        check_private(os.lstat(path), path, is_dir=True)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    return path, ""


def runtime_dir() -> tuple[Optional[str], str]:
    """The private directory for the shared files, or None and the reason it cannot be used.

    ``$GOSMS_RUNTIME_DIR``; else ``$XDG_RUNTIME_DIR/gosms-ops`` when ``XDG_RUNTIME_DIR`` is this
    user's own folder (``sudo -E`` or ``su`` without ``-`` pass on another user's); else
    ``gosms-ops-UID`` in ``$TMPDIR`` or ``/tmp`` (Nagios and cron set no ``XDG_RUNTIME_DIR``).  Each
    is created 0700 and refused unless it is this user's own directory closed to others.  Someone
    else can make the temporary one first, to switch the shared budget and the turnstile off; that
    is said loudly on stderr, and the folder under the home directory, which no one else can
    create, is used instead.
    """
    if fcntl is None:
        return None, "this system has no fcntl file locks"
    explicit = os.environ.get(ENV_RUNTIME_DIR)
    if explicit:
        return _private(explicit, parents=True)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg):
        problem = _own_folder(xdg)
        if not problem:
            return _private(os.path.join(xdg, "gosms-ops"))
        _warn(f"XDG_RUNTIME_DIR {xdg} is not used: {problem} (was it passed on by sudo -E or su?)")
    # $TMPDIR or /tmp, read here rather than through tempfile.gettempdir(), which writes a probe
    # file to choose and raises when the disk is full: the turnstile runs before anything else.
    temp = os.environ.get("TMPDIR", "")
    shared = os.path.join(temp if os.path.isabs(temp) else "/tmp", f"gosms-ops-{os.getuid()}")
    path, reason = _private(shared)
    if path is not None:
        return path, ""
    home = os.path.expanduser("~")
    fallback = os.path.join(home, ".local", "state", "gosms-ops", "runtime")
    problem = _own_folder(home)
    found, why = (None, f"the home folder {home}: {problem}") if problem else _private(fallback, parents=True)
    instead = f"using {fallback} instead" if found else (
        f"and {fallback} cannot be used either ({why}): the request budget is kept in this process only")
    _warn(f"{shared} cannot be used ({reason}): someone else may have made it to switch off the rate "
          f"budget shared by gosms processes; {instead}. Remove {shared} or set {ENV_RUNTIME_DIR} to a "
          "private folder.")
    return (found, "") if found else (None, f"{reason}; {why}")
