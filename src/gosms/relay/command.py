"""``gosms relay``: the options of the relay, and the run that lasts until SIGTERM.

The ``gosms`` command finds this module through the ``gosms.commands`` entry point: the relay and
the command line stand on the same floor of the core (neither imports the other), and the command
line hands over what they share, its client set-up from the global options (``--token-file``,
``--api-url``, ``--timeout``, ``--deadline``) and its rendering of failures, through :func:`run`'s
arguments.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..delivery.outbox import DEFAULT_MAX_AGE, ENV_OUTBOX, Outbox
from ..wire.config import Token, resolve_token
from ..wire.errors import ConfigError
from ..wire.folding import FoldPolicy, parse_fold
from .routes import Routes, load_routes
from .server import DEFAULT_INTERVAL, DEFAULT_LISTEN, DEFAULT_MAX_BODY, DEFAULT_READ_TIMEOUT, Relay, parse_listen

if TYPE_CHECKING:
    from ..clients.sync import Client

__all__ = ["HELP", "add_arguments", "run"]

HELP = ("take Alertmanager's and Grafana's webhooks (POST /alertmanager, /grafana) and page through the "
        "outbox: one SMS per notification group")


def _listen(text: str) -> str:
    try:
        parse_listen(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _positive(kind: type[Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value
    return convert


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", type=_listen, default=DEFAULT_LISTEN, metavar="HOST:PORT",
                        help=f"address to listen on (default {DEFAULT_LISTEN}); anywhere but 127.0.0.1 or ::1 "
                             "needs --auth-token-file")
    parser.add_argument("--auth-token-file", metavar="PATH",
                        help="file holding the bearer token every post must carry (Alertmanager: "
                             "http_config.authorization.credentials_file); required off 127.0.0.1")
    parser.add_argument("--routes", metavar="FILE",
                        help="JSON file mapping receivers or labels to numbers, for posts without ?to=")
    parser.add_argument("--outbox", metavar="DIR", default=None,
                        help=f"the outbox folder (default: ${ENV_OUTBOX}, else $XDG_STATE_HOME/gosms-ops/outbox, "
                             "else ~/.local/state/gosms-ops/outbox)")
    parser.add_argument("--max-age", type=_positive(float), default=DEFAULT_MAX_AGE, metavar="S",
                        help=f"seconds after which a queued alert is reported as expired, not sent (default "
                             f"{DEFAULT_MAX_AGE:g})")
    parser.add_argument("--max-body", type=_positive(int), default=DEFAULT_MAX_BODY, metavar="BYTES",
                        help=f"largest body taken; larger ones get 413 (default {DEFAULT_MAX_BODY})")
    parser.add_argument("--read-timeout", type=_positive(float), default=DEFAULT_READ_TIMEOUT, metavar="S",
                        help=f"seconds a connection may stall while sending (default {DEFAULT_READ_TIMEOUT:g})")
    parser.add_argument("--interval", type=_positive(float), default=DEFAULT_INTERVAL, metavar="S",
                        help=f"seconds between flushes when no post wakes the runner (default {DEFAULT_INTERVAL:g})")
    parser.add_argument("--fold", type=_fold, default=None, metavar="BURST/WINDOW",
                        help="fold storms per number: BURST groups go alone within WINDOW, the rest of it in one "
                             "digest SMS (e.g. 3/60s; 'on' is 3/60s). Default off: Alertmanager and Grafana "
                             "group alerts already (group_by, group_interval)")


def _fold(text: str) -> Optional[FoldPolicy]:
    try:
        return parse_fold(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _auth(path: Optional[str]) -> Optional[Token]:
    if path is None:
        return None
    try:
        return resolve_token(token_file=path)
    except ConfigError as exc:
        raise ConfigError(f"--auth-token-file: {exc}") from None


class _Redacting(logging.Filter):
    def __init__(self, relay: Relay) -> None:
        super().__init__()
        self._relay = relay

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._relay.scrub(record.getMessage())
        record.args = None
        return True


def run(args: argparse.Namespace, make_client: Callable[[], Client]) -> int:
    """Serve until SIGTERM or SIGINT; 0 after a clean stop (failures raise, for the CLI to render)."""
    auth = _auth(args.auth_token_file)
    routes: Optional[Routes] = load_routes(args.routes) if args.routes else None
    client = make_client()
    relay = Relay(Outbox(args.outbox, max_age=args.max_age), client, listen=args.listen, auth=auth, routes=routes,
                  max_body=args.max_body, read_timeout=args.read_timeout, interval=args.interval,
                  fold=args.fold)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gosms relay: %(levelname)s %(message)s"))
    handler.addFilter(_Redacting(relay))
    log = logging.getLogger("gosms.relay")
    log.addHandler(handler)
    log.propagate = False  # one line per event, through the filter that knows both tokens, -v or not
    log.setLevel(logging.DEBUG if getattr(args, "verbose", False) else logging.INFO)
    previous = {sig: signal.signal(sig, lambda signum, frame: relay.stop_soon()) for sig in
                (signal.SIGTERM, signal.SIGINT)}
    try:
        relay.start()
        relay.wait()
    finally:
        relay.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
        log.info("relay stopped")
        log.removeHandler(handler)
        log.propagate = True
    return 0
