"""GoSMS.ru API client for operators who send alerts from their own Android phones.

``Client`` (requests) and ``AsyncClient`` (aiohttp, optional extra) share one sans-IO protocol
layer, one error table (:mod:`gosms.errors`) and one set of input rules (:mod:`gosms.validation`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import DEFAULT_API_URL, Token
from .errors import (
    TABLE,
    APIError,
    Category,
    ConfigError,
    ErrorInfo,
    GoSMSError,
    ProtocolError,
    RateLimitError,
    Severity,
    TransportError,
    ValidationError,
    lookup,
)
from .models import HEARTBEAT_SECONDS, Device, Message, MessageStatus, Page
from .outcomes import BulkResult, RecipientResult
from .retry import RetryPolicy

if TYPE_CHECKING:
    from .aio import AsyncClient
    from .client import Client

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_API_URL",
    "HEARTBEAT_SECONDS",
    "TABLE",
    "APIError",
    "AsyncClient",
    "BulkResult",
    "Category",
    "Client",
    "ConfigError",
    "Device",
    "ErrorInfo",
    "GoSMSError",
    "Message",
    "MessageStatus",
    "Page",
    "ProtocolError",
    "RateLimitError",
    "RecipientResult",
    "RetryPolicy",
    "Severity",
    "Token",
    "TransportError",
    "ValidationError",
    "__version__",
    "lookup",
]


def __getattr__(name: str) -> Any:
    # aiohttp is an optional extra: import the async client only when asked for.  The sync client
    # too is loaded on first use: ``gosms send`` queues for its turn before loading requests.
    if name == "AsyncClient":
        from .aio import AsyncClient

        return AsyncClient
    if name == "Client":
        from .client import Client

        return Client
    raise AttributeError(name)
