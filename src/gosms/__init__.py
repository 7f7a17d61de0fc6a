"""GoSMS.ru API client for operators who send alerts from their own Android phones.

``Client`` (requests) and ``AsyncClient`` (aiohttp, optional extra) share one sans-IO protocol
layer, one error table (:mod:`gosms.errors`) and one set of input rules (:mod:`gosms.validation`).
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_API_URL, Token
from .errors import (
    TABLE,
    APIError,
    Category,
    ConfigError,
    DeliveryTimeout,
    ErrorInfo,
    GoSMSError,
    ProtocolError,
    RateLimitError,
    Severity,
    TransportError,
    ValidationError,
    lookup,
)
from .flows import SendResult
from .hints import Hint, Setting
from .models import HEARTBEAT_SECONDS, Device, Message, MessageStatus, Page
from .outcomes import BulkResult, RecipientResult
from .retry import RetryPolicy
from .validation import (
    check_callback_id,
    check_device_id,
    check_message,
    check_message_id,
    check_phone,
    check_to_sim,
    normalize_phone,
    prepare_message,
    replace_invalid_chars,
)

if TYPE_CHECKING:
    from .aio import AsyncClient
    from .client import Client

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_API_URL",
    "HEARTBEAT_SECONDS",
    "TABLE",
    "APIError",
    "BulkResult",
    "Category",
    "Client",
    "ConfigError",
    "DeliveryTimeout",
    "Device",
    "ErrorInfo",
    "GoSMSError",
    "Hint",
    "Message",
    "MessageStatus",
    "Page",
    "ProtocolError",
    "RateLimitError",
    "RecipientResult",
    "RetryPolicy",
    "SendResult",
    "Setting",
    "Severity",
    "Token",
    "TransportError",
    "ValidationError",
    "__version__",
    "check_callback_id",
    "check_device_id",
    "check_message",
    "check_message_id",
    "check_phone",
    "check_to_sim",
    "lookup",
    "normalize_phone",
    "prepare_message",
    "replace_invalid_chars",
]


def _aiohttp_installed() -> bool:
    try:
        return find_spec("aiohttp") is not None
    except (ImportError, ValueError):  # an import hook refusing it, or a half-removed package
        return False


# The async client needs the optional ``async`` extra (aiohttp): offered by ``import *`` only with it.
if _aiohttp_installed():
    __all__ += ["AsyncClient"]


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
