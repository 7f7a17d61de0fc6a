"""The exceptions gosms raises, each carrying what an operator needs to act on it.

An :class:`APIError` carries its row of the one error table (:mod:`gosms.wire.error_table`: codes,
texts, remedies, monitoring states).  The table and the hints' words load when an error is made,
not when this module is: a run that goes well never pays for them.  ``TABLE``, ``ErrorInfo`` and
``lookup`` are still importable from here, as they always were.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

from .codes import Category, Severity

if TYPE_CHECKING:
    from .error_table import TABLE, ErrorInfo, lookup
    from .hints import Hint

__all__ = [
    "TABLE",
    "APIError",
    "Category",
    "ConfigError",
    "DeliveryTimeout",
    "ErrorInfo",
    "GoSMSError",
    "ProtocolError",
    "RateLimitError",
    "Severity",
    "TransportError",
    "ValidationError",
    "lookup",
]


def __getattr__(name: str) -> Any:
    """``TABLE``, ``ErrorInfo`` and ``lookup``, loaded from the table's module on first use."""
    if name in ("TABLE", "ErrorInfo", "lookup"):
        from . import error_table

        return getattr(error_table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _row(code: int) -> ErrorInfo:
    from .error_table import lookup

    return lookup(code)


def _detail(reason: str, params: Mapping[str, str], *, russian: bool = False) -> str:
    from .hints import render_detail

    return render_detail(reason, params, russian=russian)


class GoSMSError(Exception):
    """Base of every error gosms raises; ``str()`` is a complete sentence for an operator."""

    severity: Severity = Severity.UNKNOWN
    retryable: bool = False
    maybe_sent: bool = False
    """Set on a failed send whose request may have reached the server despite the error."""
    notes: list[str] = []  # noqa: RUF012 - replaced per instance, never mutated in place

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process pools and task queues; keyword-only constructors defeat the default
        # pickling (it calls cls(*args)), so rebuild from the message and restore the attributes.
        return (_rebuild, (type(self), self.args), dict(self.__dict__))


def _rebuild(cls: type[GoSMSError], args: tuple[Any, ...]) -> GoSMSError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    return error


class _Explained:
    """What an error tells an adapter beyond its sentence: a reason key, its params and a hint.

    ``reason`` names the detail's template in :data:`gosms.wire.hints.DETAILS`, ``params`` fill it in, so
    an adapter can render the detail in its user's language; ``hint`` says which setting fixes it.
    """

    reason: str = ""
    params: dict[str, str] = {}  # noqa: RUF012 - replaced per instance, never mutated in place
    hint: Optional[Hint] = None

    @property
    def detail_ru(self) -> str:
        """The detail in Russian, rendered from the reason and its params ("" without a reason)."""
        return _detail(self.reason, self.params, russian=True)


class APIError(_Explained, GoSMSError):
    """An error the API answered (or that local validation found first), decoded by its code."""

    def __init__(
        self,
        code: int,
        server_message: str = "",
        *,
        hash: str = "",
        http_status: Optional[int] = None,
        detail: str = "",
        reason: str = "",
        params: Optional[Mapping[str, str]] = None,
        hint: Optional[Hint] = None,
    ) -> None:
        self.code = code
        self.info = _row(code)
        self.server_message = server_message
        self.hash = hash
        self.http_status = http_status
        self.reason = reason
        self.params = dict(params or {})
        self.detail = detail or _detail(reason, self.params)
        """What exactly is wrong, in English, naming no tool's option."""
        if hint is None and self.info.setting:
            from .hints import Hint

            hint = Hint(self.info.setting)
        self.hint = hint
        super().__init__(self.sentence())

    @property
    def description(self) -> str:
        """The table's English description of the code (the doc page's own text)."""
        return self.info.description

    @property
    def remedy(self) -> str:
        """What an operator does about it, in English, naming no tool's option."""
        return self.info.remedy

    @property
    def severity(self) -> Severity:  # type: ignore[override]
        """The monitoring state of the code (:class:`Severity`)."""
        return self.info.severity

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        """True when repeating the same request later can succeed."""
        return self.info.retryable

    def sentence(self, hint_text: Optional[str] = None) -> str:
        """Code, description, detail and remedy in one line; ``str()`` of the error.

        ``hint_text`` is the hint worded by an adapter in its own options; by default a hint with a
        value is added in neutral words ("Or set the handling of refused characters to replace.").
        """
        description = self.info.description
        text = f"GoSMS error {self.code}: {description}{'' if description.endswith(('.', '?', '!')) else '.'}"
        if self.detail:
            text += f" {self.detail}"
        if self.server_message and (
            not self.info.known
            or self.server_message.strip().rstrip(".") not in (
                self.info.description.rstrip("."), self.info.description_ru.rstrip(".")
            )
        ):
            text += f" (server said: {self.server_message})"
        if self.hash:
            text += f" [hash {self.hash}]"
        text = f"{text} Fix: {self.info.remedy}"
        if hint_text is None and self.hint is not None and self.hint.value is not None:
            hint_text = f"Or {self.hint.text()}."
        return f"{text} {hint_text}" if hint_text else text

    def as_dict(self) -> dict[str, Any]:
        """The error's facts for JSON output: code, texts, severity, detail, reason, params, hint."""
        return {
            "error_code": self.code,
            "description": self.info.description,
            "remedy": self.info.remedy,
            "category": self.info.category.value,
            "severity": self.info.severity.name,
            "retryable": self.info.retryable,
            "server_message": self.server_message,
            "hash": self.hash,
            "http_status": self.http_status,
            "detail": self.detail,
            "reason": self.reason,
            "params": dict(self.params),
            "hint": None if self.hint is None else self.hint.as_dict(),
        }


class ValidationError(APIError):
    """Input refused before any request, with the code the API itself would have answered."""

    def __init__(
        self,
        code: int,
        detail: str = "",
        *,
        field: Optional[str] = None,
        reason: str = "",
        params: Optional[Mapping[str, str]] = None,
        hint: Optional[Hint] = None,
    ) -> None:
        self.field = field or _row(code).field
        super().__init__(code, detail=detail, reason=reason, params=params, hint=hint)


class TransportError(GoSMSError):
    """The API could not be reached, or did not answer in time: alerts cannot go out."""

    severity = Severity.CRITICAL
    retryable = True

    def __init__(self, message: str, *, sent: bool = False) -> None:
        self.sent = sent
        """True when the request may have reached the server (timeout after sending, reset)."""
        super().__init__(message)


class RateLimitError(TransportError):
    """429 answers outlasted the retry deadline.

    WARNING, not CRITICAL: the API is up and answering; the account's requests (every program using
    it counts) are over its rate limit, so alerts are delayed rather than lost.
    """

    severity = Severity.WARNING

    def __init__(self, message: str, *, retry_after: Optional[float] = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, sent=False)


class ProtocolError(GoSMSError):
    """The server answered something that is not the GoSMS API (HTML from a proxy, empty, truncated)."""

    severity = Severity.CRITICAL

    def __init__(self, message: str, *, http_status: int, excerpt: str = "") -> None:
        self.http_status = http_status
        self.excerpt = excerpt
        self.retryable = http_status >= 500 or http_status == 429
        super().__init__(message)


class DeliveryTimeout(GoSMSError):
    """A message was neither delivered nor failed when the wait ran out (``raise_on_timeout=True``).

    The message went out to the gateway; only its fate is unknown.  ``last_seen`` is the message as
    last read (``status`` 0-2), so a caller can report it or keep waiting.
    """

    severity = Severity.WARNING

    def __init__(self, message_id: str, timeout: float, last_seen: Any = None) -> None:
        self.message_id = message_id
        self.timeout = timeout
        self.last_seen = last_seen
        state = getattr(last_seen, "status_label", None) or "not final"
        super().__init__(f"Message {message_id} was still {state} after {timeout:g} s of waiting: it went out "
                         "to the gateway, but whether it reached the phone is not known yet.")


class ConfigError(_Explained, GoSMSError):
    """The client is set up wrongly (no token, plain http to a remote host): fix the configuration.

    ``str()`` is the English sentence (from ``reason`` and ``params`` when given); ``hint`` names the
    setting that fixes it, for the adapter to word.
    """

    severity = Severity.UNKNOWN

    def __init__(
        self,
        message: str = "",
        *,
        reason: str = "",
        params: Optional[Mapping[str, str]] = None,
        hint: Optional[Hint] = None,
    ) -> None:
        self.reason = reason
        self.params = dict(params or {})
        self.hint = hint
        super().__init__(message or _detail(reason, self.params))
