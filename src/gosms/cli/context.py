"""What every ``gosms`` subcommand shares: its exit statuses, its defaults, its account and client.

Apart from :mod:`.main` (the parser and the small commands) and :mod:`.send` (the send command),
which both build on it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Optional

from ..wire.config import Token, resolve_api_url, resolve_token
from .output import Output

if TYPE_CHECKING:
    from ..clients.sync import Client

__all__ = [
    "DEFAULT_DEADLINE", "DEFAULT_LIST_LIMIT", "DEFAULT_TIMEOUT", "DEFAULT_WAIT_INTERVAL", "DEFAULT_WAIT_TIMEOUT",
    "EXIT_CONFIG", "EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "account", "client_for", "opt",
]

EXIT_OK = 0
EXIT_FAILURE = 1
"""The API refused, could not be reached, or a message was not delivered: the alert may not be out."""
EXIT_USAGE = 2
"""Bad input (argparse uses 2 as well): nothing was sent, fix the command."""
EXIT_CONFIG = 3
"""No token, an unreadable token file or an unsafe URL: fix the set-up, not the command."""

DEFAULT_TIMEOUT = 20.0
DEFAULT_DEADLINE = 60.0
DEFAULT_WAIT_TIMEOUT = 120.0
DEFAULT_WAIT_INTERVAL = 2.0
DEFAULT_LIST_LIMIT = 20


def opt(args: argparse.Namespace, name: str, default: Any) -> Any:
    return getattr(args, name, default)


def account(args: argparse.Namespace) -> tuple[str, Token]:
    """The API address and token the options and the environment name (ConfigError if unusable)."""
    token = resolve_token(None, token_file=opt(args, "token_file", None))
    return resolve_api_url(opt(args, "api_url", None),
                           allow_insecure_http=bool(opt(args, "allow_insecure_http", False))), token


def client_for(args: argparse.Namespace, out: Output, resolved: Optional[tuple[str, Token]] = None) -> Client:
    """The command's client, for ``account`` when the caller resolved it already."""
    from ..clients.sync import Client
    from ..transports.stdlib import StdlibHTTP  # a command lives for a request or a few: no requests to load
    from ..wire.retry import RetryPolicy

    api_url, token = resolved or account(args)
    timeout = float(opt(args, "timeout", DEFAULT_TIMEOUT))
    deadline = float(opt(args, "deadline", DEFAULT_DEADLINE))
    client = Client(
        token,
        api_url=api_url,
        timeout=timeout,
        retry=RetryPolicy(deadline=deadline),
        allow_insecure_http=bool(opt(args, "allow_insecure_http", False)),
        transport=StdlibHTTP(),
    )
    out.token = client.token
    args.client = client
    return client
