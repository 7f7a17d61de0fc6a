"""What a failed send means for an alert that is still to go out: try again later, or never.

The outbox, the runner and ``gosms send --queue`` each decide from this whether an alert stays
queued; the judgment is read from the error's type and the error table, never from code numbers.
"""

from __future__ import annotations

from ..wire.errors import APIError, Category, GoSMSError, ProtocolError, TransportError

__all__ = ["is_transient", "message_specific"]


def is_transient(exc: GoSMSError) -> bool:
    """Whether the alert may go out later: a 429, a 5xx, a timeout, an unreachable API.

    An API error is transient only where the table says retrying helps; one that the server or a
    proxy answered without a GoSMS code is transient when it is a 429, a 5xx, or a mangled answer
    that may hide a sent message.
    """
    if isinstance(exc, APIError):
        return exc.info.retryable
    if isinstance(exc, TransportError):
        return True
    if isinstance(exc, ProtocolError):
        return exc.retryable or exc.maybe_sent
    return False


def message_specific(exc: GoSMSError) -> bool:
    """A refusal about this one message (its number, its phone), not about the account as a whole."""
    return isinstance(exc, APIError) and (exc.info.field is not None or exc.info.category is Category.VALIDATION)
