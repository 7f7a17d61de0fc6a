"""Where the token and the API address come from, and how the token is kept out of sight.

The token is wrapped in :class:`Token` from the moment it is read, so that printing, logging or
raising with it in hand shows ``Token('***')`` and never the secret.
"""

from __future__ import annotations

import os
import stat
from urllib.parse import urlsplit

TYPE_CHECKING = False  # not typing's: a notifier handing its alert over loads this module (gosms/__init__)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional, Union

    from .errors import ConfigError

__all__ = [
    "DEFAULT_API_URL",
    "ENV_API_URL",
    "ENV_TOKEN",
    "ENV_TOKEN_FILE",
    "Token",
    "is_loopback_url",
    "redact",
    "redact_error",
    "resolve_api_url",
    "resolve_token",
]

DEFAULT_API_URL = "https://api.gosms.ru/v1"
"""The GoSMS API, used when neither an address nor ``GOSMS_API_URL`` is given."""
ENV_TOKEN = "GOSMS_TOKEN"
ENV_TOKEN_FILE = "GOSMS_TOKEN_FILE"
ENV_API_URL = "GOSMS_API_URL"


def _refused(reason: str, setting: str, params: Optional[Mapping[str, str]] = None, *, on: bool = False
             ) -> ConfigError:
    """The error for a refused setting.  The error table and the hints load only here, when a setting
    is refused: a command whose settings are sound never pays for them."""
    from .errors import ConfigError
    from .hints import ON, Hint, Setting

    return ConfigError(reason=reason, params=params, hint=Hint(Setting[setting], ON if on else None))


class Token:
    """A secret that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise _refused("token_empty", "TOKEN")
        bad = next((n for n, char in enumerate(value, 1) if not "!" <= char <= "~"), None)
        if bad is not None:
            # It goes into an HTTP header: a newline or a non-ASCII letter would end in a raw
            # ValueError or UnicodeEncodeError that quotes the header, the token with it.
            raise _refused("token_malformed", "TOKEN", {"position": str(bad)})
        self._value = value

    def reveal(self) -> str:
        """The secret, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "Token('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a GoSMS token is not pickled")


def redact(text: str, token: Union[Token, str, None]) -> str:
    """``text`` with every occurrence of the token masked, for messages that quote a server."""
    secret = token.reveal() if isinstance(token, Token) else token
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def redact_error(exc: BaseException, token: Union[Token, str, None]) -> None:
    """Mask the token in all the text an error carries, not only in its message.

    A proxy that echoes the request into its error page puts the Authorization header into the
    excerpt, and from there into notes, logs and JSON output.
    """
    exc.args = tuple(redact(a, token) if isinstance(a, str) else a for a in exc.args)
    for name in ("server_message", "excerpt", "detail"):
        value = getattr(exc, name, None)
        if isinstance(value, str):
            setattr(exc, name, redact(value, token))
    notes = getattr(exc, "notes", None)
    if notes:
        setattr(exc, "notes", [redact(str(note), token) for note in notes])  # noqa: B010 - not every error has it


def resolve_token(
    token: Union[Token, str, None] = None,
    *,
    token_file: Union[str, os.PathLike[str], None] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Token:
    """The token from the argument, a token file, ``GOSMS_TOKEN`` or ``GOSMS_TOKEN_FILE``, in that order."""
    if isinstance(token, Token):
        return token
    if token:
        return Token(token)
    if token_file:
        return _read_token_file(token_file)
    env = os.environ if environ is None else environ
    if env.get(ENV_TOKEN):
        return Token(env[ENV_TOKEN])
    if env.get(ENV_TOKEN_FILE):
        return _read_token_file(env[ENV_TOKEN_FILE])
    raise _refused("token_missing", "TOKEN")


TOKEN_FILE_MAX = 4096
"""Bytes a token file may hold: a token is tens of characters; more is not a token file (``/dev/zero``)."""


def _read_token_file(path: Union[str, os.PathLike[str]]) -> Token:
    """The token of a file that holds it alone, readable by no one but its owner and group.

    Shared monitoring hosts are the usual home of these files, so the file is checked the way
    OpenSSH checks a key: a regular file (a FIFO would hang the notifier past its timeout), not
    writable by the group or others (they could swap the account alerts go to) and not readable
    by others (``root:nagios 0640`` is the usual set-up), a few KiB at most, one line.  The file
    is opened non-blocking and checked on the open handle, so what is checked is what is read.
    """
    name = os.fspath(path)

    def refuse(why: str, **params: str) -> ConfigError:
        return _refused(why, "TOKEN", {"path": repr(name), "file": name, **params})

    try:
        # os.open, not pathlib: every Ansible module run imports this file from source, and
        # pathlib alone costs more than the rest of it.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse("token_file_unreadable", reason=str(exc.strerror or exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse("token_file_not_regular")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o022 and os.name == "posix":
            raise refuse("token_file_writable", mode=f"{mode:04o}")
        if mode & 0o004 and os.name == "posix":
            raise refuse("token_file_readable", mode=f"{mode:04o}")
        data = os.read(fd, TOKEN_FILE_MAX + 1)
    except OSError as exc:
        raise refuse("token_file_unreadable", reason=str(exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if len(data) > TOKEN_FILE_MAX:
        raise refuse("token_file_too_big", max=str(TOKEN_FILE_MAX))
    try:
        text = data.decode("utf-8-sig")  # a BOM, as Notepad writes one, is tolerated
    except UnicodeDecodeError:
        raise refuse("token_file_encoding") from None
    lines = text.splitlines() or [""]
    extra = next((n for n, line in enumerate(lines[1:], 2) if line.strip()), None)
    if extra is not None:
        raise refuse("token_file_lines", line=str(extra))
    return Token(lines[0])


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    import ipaddress  # only for plain http: an https address never needs it

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_api_url(
    api_url: Optional[str] = None,
    *,
    allow_insecure_http: bool = False,
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """The API base URL; plain ``http://`` only to this machine unless explicitly allowed."""
    env = os.environ if environ is None else environ
    url = (api_url or env.get(ENV_API_URL) or DEFAULT_API_URL).strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
    except ValueError as exc:  # "http://[::1" (Invalid IPv6 URL), "http://host:99999" (port out of range)
        raise _refused("url_unreadable", "API_URL",
                       {"url": repr(url), "error": str(exc), "example": DEFAULT_API_URL}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused("url_not_http", "API_URL", {"url": repr(url), "example": DEFAULT_API_URL})
    if parts.username or parts.password:
        raise _refused("url_credentials", "API_URL")
    if parts.scheme == "http" and not is_loopback_url(url) and not allow_insecure_http:
        raise _refused("insecure_http", "ALLOW_INSECURE_HTTP", {"host": parts.hostname}, on=True)
    return url
