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


def runtime_dir() -> tuple[Optional[str], str]:
    """The private directory for the shared files, or None and the reason it cannot be used.

    ``$GOSMS_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/gosms-ops``, else ``gosms-ops-UID`` in the
    temporary directory; created with mode 0700 and refused unless it is this user's own
    directory, closed to others (a symlink planted in /tmp by someone else is refused too).
    """
    if fcntl is None:
        return None, "this system has no fcntl file locks"
    explicit = os.environ.get(ENV_RUNTIME_DIR)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if explicit:
        path = explicit
    elif xdg and os.path.isabs(xdg):
        path = os.path.join(xdg, "gosms-ops")
    else:
        import tempfile  # only here: it costs every process start a few milliseconds

        path = os.path.join(tempfile.gettempdir(), f"gosms-ops-{os.getuid()}")
    try:
        with contextlib.suppress(FileExistsError):
            os.makedirs(path, mode=0o700) if explicit else os.mkdir(path, 0o700)
        check_private(os.lstat(path), path, is_dir=True)
    except OSError as exc:
        return None, exc.strerror or str(exc)
    return path, ""
