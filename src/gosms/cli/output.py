"""What the ``gosms`` command prints: one format per mode, every failure as one line to act on.

Apart from :mod:`.main` so that the subcommands' modules (:mod:`.outbox`) print the same way
without importing the command that imports them.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

from ..wire.config import Token, redact
from ..wire.errors import APIError, ConfigError, GoSMSError, ProtocolError, TransportError, ValidationError
from .hints import hint_text

__all__ = ["Output", "describe", "dumps", "error_document", "write"]


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def write(stream: Any, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


class Output:
    """Everything the command prints goes through here: one format, and the token masked."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.token: Optional[Token] = None
        self.command = ""
        """The subcommand, whose options word the core's hints."""

    def _clean(self, text: str) -> str:
        return redact(text, self.token)

    def line(self, text: str = "") -> None:
        """Human output on stdout; silent under --json, where the document is the output."""
        if not self.as_json:
            write(sys.stdout, self._clean(text))

    def note(self, text: str) -> None:
        """Warnings and failures for a person: stderr in both modes, so stdout stays parseable."""
        write(sys.stderr, self._clean(f"gosms: {text}"))

    def document(self, data: Any) -> None:
        if self.as_json:
            write(sys.stdout, self._clean(dumps(data)))

    def failure(self, exc: BaseException, exit_code: int) -> int:
        """The one report of a command that failed as a whole."""
        self.note(describe(exc, self.command))
        if self.as_json:
            self.document({"ok": False, "exit_code": exit_code, **error_document(exc, self.command)})
        return exit_code


_GENERIC_REMEDY = {
    "TransportError": "Check that this machine reaches the API address (DNS, firewall, proxy) and try again.",
    "RateLimitError": "Send fewer requests per second (the API allows 10 per endpoint) and try again.",
    "ProtocolError": "Something between here and GoSMS (a proxy, a captive portal) or the API itself answered "
                     "garbage; try again later and check any proxy on the way.",
    "ConfigError": "Fix the configuration as the message says.",
}


def describe(exc: BaseException, command: str = "") -> str:
    """One line an operator can act on; API errors already read as code, description and remedy.

    The core's hint (which setting fixes it) is worded with this command's options.
    """
    if isinstance(exc, APIError):
        return exc.sentence(hint_text(exc.hint, command) or None)
    if isinstance(exc, ConfigError):
        hint = hint_text(exc.hint, command)
        return f"{exc} {hint}" if hint else str(exc)
    if isinstance(exc, GoSMSError):
        text = str(exc)
        remedy = _GENERIC_REMEDY.get(type(exc).__name__)
        if remedy and not isinstance(exc, (APIError, ConfigError)):
            text = f"{text} Fix: {remedy}"
        return text
    return f"unexpected error ({type(exc).__name__}{_where(exc)}); this is a gosms-ops bug."


def _where(exc: BaseException) -> str:
    """Where a bug raised, never what it said: an error's text can quote anything it had in hand
    (``Invalid header value b'Bearer <token>'``), and a last-resort report must not echo a token."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "gosms" in f.filename] or frames
    if not ours:
        return ""
    last = ours[-1]
    parts = last.filename.replace("\\", "/").split("/")
    return f" at {'/'.join(parts[-2:])}:{last.lineno}"


def error_document(exc: BaseException, command: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"error_type": type(exc).__name__, "error": describe(exc, command)}
    if isinstance(exc, APIError):
        data.update(exc.as_dict())
        if isinstance(exc, ValidationError):
            data["field"] = exc.field
            data["sent"] = False
    else:
        # A bug's own text is never repeated (see _where): it may quote the token.
        data.update(error_code=None, description=str(exc) if isinstance(exc, GoSMSError) else data["error"],
                    remedy=_GENERIC_REMEDY.get(type(exc).__name__, "Report this as a gosms-ops bug."))
        if isinstance(exc, ConfigError):
            data.update(reason=exc.reason, params=exc.params, hint=None if exc.hint is None else exc.hint.as_dict())
        if isinstance(exc, ProtocolError):
            data.update(http_status=exc.http_status, excerpt=exc.excerpt)
        if isinstance(exc, TransportError):
            data["request_may_have_arrived"] = exc.sent
    if isinstance(exc, GoSMSError):
        data["severity"] = exc.severity.name
        data["retryable"] = exc.retryable
    return data
