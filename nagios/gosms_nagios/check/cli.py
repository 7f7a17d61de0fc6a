"""The command line of check_gosms, after the Monitoring Plugins guidelines.

Any usage error, ``--help`` and ``--version`` exit UNKNOWN (3) with the text on stdout, where
Nagios and Icinga look; argparse's own exit code 2 would read as CRITICAL.  The token is never an
argument (``ps`` would show it to every user): it comes from ``GOSMS_TOKEN`` or ``--token-file``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Optional

from nagiosplugin import Range  # type: ignore[import-untyped]

from gosms import __version__ as gosms_version
from gosms.wire.config import ENV_API_URL, ENV_TOKEN, ENV_TOKEN_FILE
from gosms.wire.errors import Severity, ValidationError
from gosms.wire.folding import DEFAULT_RESERVE
from gosms.wire.health import OFFLINE_CRITICAL_AFTER_SECONDS
from gosms.wire.models import LOW_BATTERY_PERCENT, OFFLINE_AFTER_SECONDS
from gosms.wire.validation import MAX_PAGE_LIMIT, check_device_id

from ..common.arguments import bounded
from ..common.text import plain_text

__all__ = [
    "DEFAULT_DELIVERY_CRITICAL",
    "DEFAULT_DELIVERY_WARNING",
    "DEFAULT_OFFLINE_CRITICAL",
    "DEFAULT_QUOTA_WARNING",
    "DEFAULT_TIMEOUT",
    "Parser",
    "bounded",
    "build_parser",
    "parse_args",
    "unknown_exit",
]


PLUGIN_NAME = "check_gosms"
STATUS_PREFIX = "GOSMS"
DEFAULT_TIMEOUT = 10
"""Seconds, as the Monitoring Plugins' own default socket timeout."""
DEFAULT_QUOTA_WARNING = "80"
"""Per cent of the monthly quota."""
DEFAULT_OFFLINE_CRITICAL = OFFLINE_CRITICAL_AFTER_SECONDS
DEFAULT_DELIVERY_WARNING = "20"
DEFAULT_DELIVERY_CRITICAL = "50"
MAX_DELIVERY_WINDOW = 10 * MAX_PAGE_LIMIT
DEFAULT_OUTBOX_WINDOW = 24 * 3600.0
"""Seconds back that an undelivered alert keeps the outbox part CRITICAL."""
DEFAULT_OUTBOX_STALE = 600.0
"""Seconds an alert not followed to the handset may wait in the outbox before it counts as late."""


def unknown_exit(message: str, detail: str = "") -> NoReturn:
    """Print an UNKNOWN status line (and optional detail lines) on stdout and exit 3."""
    text = f"{STATUS_PREFIX} UNKNOWN - {plain_text(message)}\n"
    if detail:
        text += detail.rstrip("\n") + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    sys.exit(int(Severity.UNKNOWN))


class Parser(argparse.ArgumentParser):
    """argparse that ends every non-run (error, help, version) with UNKNOWN on stdout."""

    def error(self, message: str) -> NoReturn:
        unknown_exit(f"invalid arguments: {message}", self.format_usage() + f"Try '{self.prog} --help'.")

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            sys.stdout.write(message)
        sys.stdout.flush()
        sys.exit(int(Severity.UNKNOWN))

    def _print_message(self, message: str, file: Any = None) -> None:
        # help and version go to stdout like every other plugin output
        if message:
            sys.stdout.write(message)


class _RefuseToken(argparse.Action):
    """``--token`` exists only to refuse it without repeating the secret."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        parser.error(
            f"the token is never given on the command line, where every user can see it with ps. "
            f"Put it in the environment variable {ENV_TOKEN} or in a file named by --token-file."
        )


_positive_int = bounded(int, "a whole number", 1)
_percent = bounded(float, "a share in per cent", 0, 99, unit=" %")


def _reserve(text: str) -> float:
    return _percent(text.strip().rstrip("%")) / 100
_seconds = bounded(float, "a number of seconds", 0, unit=" seconds", above=True)
_percent = bounded(int, "a whole per cent", 0, 100)


def _range(text: str) -> str:
    """A Nagios threshold range ([@][start:][end]), checked the way nagiosplugin will read it.

    nagiosplugin reads ``''``, ``@`` and ``~:`` as ranges that never (or, inverted, always) alert, and
    would echo them into the performance data: a threshold with no number in it is a mistake, refused.
    """
    spec = text.strip()
    bounds = spec[1:] if spec.startswith("@") else spec
    hint = f"{text!r} is not a threshold range like 80, 10:90, 10:, ~:50 or @20:30"
    if not any(ch.isdigit() for ch in bounds):
        raise argparse.ArgumentTypeError(f"{hint}: it has no number, so it would never (or always) alert")
    try:
        Range(spec)
    except ValueError as exc:
        detail = str(exc) if "greater than" in str(exc) else "it does not parse"
        raise argparse.ArgumentTypeError(f"{hint}: {detail}") from None
    return spec


def _device_id(text: str) -> str:
    try:
        return check_device_id(text.strip())
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.description} {exc.remedy}") from None


def _delivery_window(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_DELIVERY_WINDOW:
        raise argparse.ArgumentTypeError(f"{text!r} is more than {MAX_DELIVERY_WINDOW} messages")
    return value


DESCRIPTION = """\
Checks that a GoSMS.ru account can send alerts: the API answers and accepts the token (every run),
and optionally the monthly SMS quota, the phones that send, and how many recent messages failed.
Never sends an SMS.  The token comes from GOSMS_TOKEN or --token-file, never from the command line.
"""

EPILOG = f"""\
Thresholds -w/-c and --delivery-warning/--delivery-critical use the Nagios range syntax
([@][start:][end]): "80" alerts above 80, "10:90" outside 10..90, "@10:20" inside 10..20.

Environment: {ENV_TOKEN} (the token), {ENV_TOKEN_FILE} (a file holding it), {ENV_API_URL}.
Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors, --help, --version,
a missing token and the plugin timeout).
"""


def build_parser() -> Parser:
    parser = Parser(
        prog=PLUGIN_NAME,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("-V", "--version", action="version",
                        version=f"{PLUGIN_NAME} {gosms_version} (gosms-ops)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more output: -v every measurement, -vv the state file, -vvv HTTP requests")
    parser.add_argument("-t", "--timeout", type=_positive_int, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="plugin timeout; GoSMS calls give up before it (default: %(default)s)")

    api = parser.add_argument_group("API and token")
    api.add_argument("--api-url", metavar="URL",
                     help=f"GoSMS API base URL (default: ${ENV_API_URL} or the public API)")
    api.add_argument("--allow-insecure-http", action="store_true",
                     help="allow plain http to an address that is not this machine (the token then "
                          "crosses the network unencrypted; for a TLS-terminating proxy next to you)")
    api.add_argument("--token-file", metavar="PATH",
                     help=f"file holding the token (default: ${ENV_TOKEN}, then ${ENV_TOKEN_FILE})")
    api.add_argument("--token", action=_RefuseToken, nargs="?", help=argparse.SUPPRESS)

    quota = parser.add_argument_group("monthly quota (only with --quota)")
    quota.add_argument("--quota", type=_positive_int, metavar="SMS",
                       help="SMS per month on the tariff; counts the messages created this month")
    quota.add_argument("-w", "--warning", type=_range, metavar="RANGE",
                       help=f"quota used, per cent: WARNING outside this range (default: {DEFAULT_QUOTA_WARNING})")
    quota.add_argument("-c", "--critical", type=_range, metavar="RANGE",
                       help="quota used, per cent: CRITICAL outside this range (default: none)")
    quota.add_argument("--reserve", type=_reserve, default=DEFAULT_RESERVE, metavar="PERCENT",
                       help="say when less than this share of the quota is left, where 'gosms outbox run "
                            "--quota' sends only CRITICAL/DOWN alerts and recoveries alone (default: "
                            f"{DEFAULT_RESERVE * 100:g}%%)")
    quota.add_argument("--state-file", metavar="PATH",
                       help="where the month's count is kept between runs (default: "
                            "$XDG_CACHE_HOME/gosms-ops/ or /var/tmp/, named by a hash of URL and token)")

    phones = parser.add_argument_group("phones (only with --device)")
    phones.add_argument("--device", dest="devices", action="append", type=_device_id, default=[],
                        metavar="ID", help="a phone to check (repeatable): active, heartbeat, battery")
    phones.add_argument("--offline-warning", type=_seconds, metavar="SECONDS",
                        help="WARNING when the phone was last seen longer ago "
                             f"(default: {OFFLINE_AFTER_SECONDS:g})")
    phones.add_argument("--offline-critical", type=_seconds, metavar="SECONDS",
                        help="CRITICAL when the phone was last seen longer ago "
                             f"(default: {DEFAULT_OFFLINE_CRITICAL:g})")
    phones.add_argument("--battery-warning", type=_percent, metavar="PERCENT",
                        help="WARNING when the battery is below this and not charging "
                             f"(default: {LOW_BATTERY_PERCENT})")
    phones.add_argument("--battery-critical", type=_percent, metavar="PERCENT",
                        help="CRITICAL when the battery is below this and not charging (default: none)")

    delivery = parser.add_argument_group("delivery (only with --delivery-window)")
    delivery.add_argument("--delivery-window", type=_delivery_window, metavar="N",
                          help="judge the last N messages: share that failed to send or deliver")
    delivery.add_argument("--delivery-warning", type=_range, metavar="RANGE",
                          help=f"failed, per cent: WARNING outside (default: {DEFAULT_DELIVERY_WARNING})")
    delivery.add_argument("--delivery-critical", type=_range, metavar="RANGE",
                          help=f"failed, per cent: CRITICAL outside (default: {DEFAULT_DELIVERY_CRITICAL})")
    outbox = parser.add_argument_group("outbox (only with --outbox)")
    outbox.add_argument("--outbox", metavar="DIR",
                        help="the gosms outbox folder: CRITICAL while an alert of the window reached no "
                             "handset on any route, WARNING when alerts wait too long or no runner drains it. "
                             "Alone (without --quota, --device, --delivery-window) the check reads only the "
                             "folder and asks the API nothing")
    outbox.add_argument("--outbox-window", type=_seconds, metavar="SECONDS",
                        help=f"how far back undelivered alerts count (default: {DEFAULT_OUTBOX_WINDOW:g}, a day)")
    outbox.add_argument("--outbox-stale", type=_seconds, metavar="SECONDS",
                        help="WARNING when an alert not followed to the handset waits longer "
                             f"(default: {DEFAULT_OUTBOX_STALE:g})")
    return parser


# Thresholds only mean something with the part they judge: given alone they would be ignored in
# silence (an OK where the user asked for a threshold), so they are refused, naming what is missing.
# (--state-file alone is allowed: it only says where a count would be kept, and templates pass it.)
_NEEDS = (
    ("quota", "--quota SMS (the SMS per month on your tariff)",
     (("warning", "-w/--warning"), ("critical", "-c/--critical"))),
    ("devices", "--device ID (the phone to watch)",
     (("offline_warning", "--offline-warning"), ("offline_critical", "--offline-critical"),
      ("battery_warning", "--battery-warning"), ("battery_critical", "--battery-critical"))),
    ("delivery_window", "--delivery-window N (how many recent messages to judge)",
     (("delivery_warning", "--delivery-warning"), ("delivery_critical", "--delivery-critical"))),
    ("outbox", "--outbox DIR (the gosms outbox folder)",
     (("outbox_window", "--outbox-window"), ("outbox_stale", "--outbox-stale"))),
)
_DEFAULTS = {
    "warning": DEFAULT_QUOTA_WARNING,
    "offline_warning": float(OFFLINE_AFTER_SECONDS),
    "offline_critical": float(DEFAULT_OFFLINE_CRITICAL),
    "battery_warning": LOW_BATTERY_PERCENT,
    "delivery_warning": DEFAULT_DELIVERY_WARNING,
    "delivery_critical": DEFAULT_DELIVERY_CRITICAL,
    "outbox_window": DEFAULT_OUTBOX_WINDOW,
    "outbox_stale": DEFAULT_OUTBOX_STALE,
}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    for part, missing, options in _NEEDS:
        given = [flag for dest, flag in options if getattr(args, dest) is not None]
        if given and not getattr(args, part):
            parser.error(f"{' and '.join(given)} only {'apply' if len(given) > 1 else 'applies'} with "
                         f"{missing}: add it, or leave {'them' if len(given) > 1 else 'it'} out")
    for dest, default in _DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, default)
    if args.offline_critical < args.offline_warning:
        parser.error("--offline-critical must not be shorter than --offline-warning")
    if args.battery_critical is not None and args.battery_critical > args.battery_warning:
        parser.error("--battery-critical must not be above --battery-warning")
    args.devices = list(dict.fromkeys(args.devices))
    return args
