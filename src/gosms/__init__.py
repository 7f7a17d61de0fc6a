"""GoSMS.ru API client for operators who send alerts from their own Android phones.

``Client`` (requests) and ``AsyncClient`` (aiohttp, optional extra) share one sans-IO protocol
layer, one error table (:mod:`gosms.wire.error_table`) and one set of input rules (:mod:`gosms.wire.validation`).
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

TYPE_CHECKING = False
"""``typing.TYPE_CHECKING`` without importing ``typing``: every command loads this package before
its start-up turnstile (:mod:`gosms.pacing.turnstile`), and what it costs there, a storm pays per process."""
if TYPE_CHECKING:
    from typing import Any

    from .clients.aio import AsyncClient
    from .clients.sync import Client
    from .delivery.outbox import Outbox
    from .wire.codes import Category, Severity
    from .wire.config import DEFAULT_API_URL, Token
    from .wire.error_table import TABLE, ErrorInfo, lookup
    from .wire.errors import (
        APIError,
        ConfigError,
        DeliveryTimeout,
        GoSMSError,
        ProtocolError,
        RateLimitError,
        TransportError,
        ValidationError,
    )
    from .wire.flows import SendResult
    from .wire.hints import Hint, Setting
    from .wire.models import HEARTBEAT_SECONDS, Device, Message, MessageStatus, Page
    from .wire.outcomes import BulkResult, RecipientResult
    from .wire.retry import RetryPolicy
    from .wire.validation import (
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

_HOME = {
    "clients.aio": ("AsyncClient",),
    "clients.sync": ("Client",),
    "delivery.outbox": ("Outbox",),
    "wire.config": ("DEFAULT_API_URL", "Token"),
    "wire.codes": ("Category", "Severity"),
    "wire.error_table": ("TABLE", "ErrorInfo", "lookup"),
    "wire.errors": ("APIError", "ConfigError", "DeliveryTimeout", "GoSMSError", "ProtocolError", "RateLimitError",
                    "TransportError", "ValidationError"),
    "wire.flows": ("SendResult",),
    "wire.hints": ("Hint", "Setting"),
    "wire.models": ("HEARTBEAT_SECONDS", "Device", "Message", "MessageStatus", "Page"),
    "wire.outcomes": ("BulkResult", "RecipientResult"),
    "wire.retry": ("RetryPolicy",),
    "wire.validation": ("check_callback_id", "check_device_id", "check_message", "check_message_id", "check_phone",
                   "check_to_sim", "normalize_phone", "prepare_message", "replace_invalid_chars"),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}

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
    "Outbox",
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
    """Each name is loaded from its module on first use (PEP 562).

    A command started once per alert (``gosms send``, a notification command) takes its place in
    the account's queue before loading anything it does not need yet: in a storm of hundreds of
    them, start-up CPU decides when the first SMS leaves.  ``AsyncClient`` needs the optional
    ``async`` extra (aiohttp), ``Client`` needs requests; neither loads before it is asked for.
    """
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'gosms' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
