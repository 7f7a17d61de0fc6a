"""The month's usage count kept between runs, shared by ``gosms usage`` and ``check_gosms --quota``.

The tariff counts every message created this month, deleted ones too (a deletion does not give an
SMS back), but the message list shows only the ones not deleted.  So the count keeps what it has
seen: a message counted once stays counted after it is deleted.  Both tools read and write the same
file (by default one per user, API address and token), so they give the same count; a message
deleted before any count saw it is beyond every count made from the list.

One small JSON file: the :meth:`~gosms.wire.usage.MonthUsage.as_state` fields plus the API address and a
format version.  Its name carries a hash of the address and of a hash of the token, never the token;
it is written atomically (temporary file + rename) with mode 0600, and a file that is not a regular
file owned by the running user is ignored, so another user cannot plant a state (or a symlink) in a
shared directory such as ``/var/tmp``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Union

from ..wire.config import Token

__all__ = ["STATE_VERSION", "StateFile", "default_state_dir", "default_state_path", "state_key"]

STATE_VERSION = 2
"""2: the usage fields at the top level, readable by ``gosms usage`` and the check alike."""
ENV_CACHE_HOME = "XDG_CACHE_HOME"
FALLBACK_DIR = "/var/tmp"


def state_key(api_url: str, token: Token) -> str:
    """A stable name for this address and token that reveals neither the token nor its full hash."""
    token_hash = hashlib.sha256(token.reveal().encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{api_url}\n{token_hash}".encode()).hexdigest()[:24]


def default_state_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """``$XDG_CACHE_HOME/gosms-ops`` when set, else ``/var/tmp`` (exists and is writable everywhere)."""
    env = os.environ if environ is None else environ
    cache = env.get(ENV_CACHE_HOME, "").strip()
    if cache and os.path.isabs(cache):
        return Path(cache) / "gosms-ops"
    return Path(FALLBACK_DIR)


def default_state_path(api_url: str, token: Token, environ: Optional[Mapping[str, str]] = None) -> Path:
    return default_state_dir(environ) / f"usage-{os.getuid()}-{state_key(api_url, token)}.json"


class StateFile:
    """Load and save the usage state; problems are reported, never raised."""

    def __init__(self, path: Union[str, os.PathLike[str]], api_url: str) -> None:
        self.path = Path(path)
        self.api_url = api_url
        self.note = ""
        """Why the last load found nothing usable (for ``-v``)."""

    def load(self) -> Optional[dict[str, Any]]:
        """The saved usage state, or None (first run, another address, unreadable, not ours)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            self.note = "no state file yet: counting from scratch"
            return None
        except OSError as exc:
            self.note = f"state file {self.path} not read ({_reason(exc)}): counting from scratch"
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                self.note = f"state file {self.path} ignored: not a regular file owned by this user"
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = json.loads(handle.read(1 << 20).decode("utf-8"))
        except (OSError, ValueError) as exc:
            self.note = f"state file {self.path} not usable ({_reason(exc)}): counting from scratch"
            return None
        finally:
            os.close(fd)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION or data.get("api_url") != self.api_url:
            self.note = f"state file {self.path} is for another address or version: counting from scratch"
            return None
        return {key: value for key, value in data.items() if key not in ("version", "api_url")}

    def save(self, usage: Mapping[str, Any]) -> Optional[str]:
        """Write the state atomically; the reason it could not be written, or None."""
        directory = self.path.parent
        payload = json.dumps({**usage, "version": STATE_VERSION, "api_url": self.api_url},
                             sort_keys=True).encode("utf-8")
        tmp_name = ""
        try:
            if not directory.is_dir():
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
            tmp_name = ""
        except OSError as exc:
            return f"cannot write the state file {self.path}: {_reason(exc)}"
        finally:
            if tmp_name:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
        return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ELOOP:
            return "it is a symbolic link"
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__
