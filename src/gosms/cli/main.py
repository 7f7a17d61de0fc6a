"""The ``gosms`` command: send an alert, follow it and look after the phones from a shell or cron.

Scripts that page people need two things from a command: an exit status they can branch on and a
failure text a person can act on at 3 a.m.  So every failure ends in one documented exit status
and one line naming the GoSMS code, what it means and what to do (all read from
:mod:`gosms.wire.errors`), never in a traceback; ``--json`` gives the same facts to programs, on
stdout, for failures too.

The token is never an option: a command line shows in ``ps`` and in shell history.  It comes from
``--token-file``, ``GOSMS_TOKEN`` or ``GOSMS_TOKEN_FILE``, and everything printed passes through
:func:`gosms.wire.config.redact` in case a server or a proxy echoes it back.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Optional, Protocol, Union

from .. import __version__
from ..pacing import turnstile
from ..wire import validation as v
from ..wire.config import ENV_API_URL, ENV_TOKEN, ENV_TOKEN_FILE, redact
from ..wire.errors import TABLE, ConfigError, GoSMSError, ValidationError
from ..wire.folding import DEFAULT_RESERVE, FoldPolicy, parse_fold, reserve_sentence
from ..wire.routes import DEFAULT_DELIVER_WITHIN
from ..wire.segments import SEGMENTS_HELP, TRANSLIT_HELP
from .context import (
    DEFAULT_DEADLINE,
    DEFAULT_LIST_LIMIT,
    DEFAULT_TIMEOUT,
    DEFAULT_WAIT_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
)
from .context import client_for as _client
from .context import opt as _opt
from .outbox import (
    EXIT_QUEUED_NOTE,
    add_outbox_arguments,
    add_outbox_option,
    positive_int,
    reserve_share,
    run_outbox_command,
)
from .output import Output, dumps, write
from .send import send_command as _cmd_send
from .send import show_delivery as _show_delivery
from .send import wait_timeout as _wait_timeout

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire.models import Message

__all__ = ["EXIT_CONFIG", "EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EPILOG = f"""\
token:
  read from --token-file, else ${ENV_TOKEN}, else the file named by ${ENV_TOKEN_FILE}; there is
  deliberately no --token option (command lines are visible to every user in ps).
API address:
  --api-url, else ${ENV_API_URL}, else https://api.gosms.ru/v1.

exit status:
  {EXIT_OK}  success (with --wait: every message delivered);
     {EXIT_QUEUED_NOTE};
     outbox flush: nothing is left waiting and nothing expired or failed
  {EXIT_FAILURE}  the API refused or could not be reached, some recipients were not sent to,
     or (with --wait) a message failed or was not delivered in time
  {EXIT_USAGE}  invalid input or usage; nothing was sent
  {EXIT_CONFIG}  configuration error: no token, unreadable token file, unsafe API URL
Failures print the GoSMS error code, its description and the remedy on stderr;
with --json, stdout carries a JSON document for failures as well.
"""

log = logging.getLogger("gosms")


class _Parser(argparse.ArgumentParser):
    """argparse that also answers in JSON when ``--json`` was asked for, so programs parse one format."""

    json_requested = False

    def error(self, message: str) -> Any:  # argparse's signature is NoReturn
        if _Parser.json_requested:
            write(sys.stdout, dumps({"ok": False, "exit_code": EXIT_USAGE, "error_type": "UsageError",
                                       "error": message, "description": message,
                                       "remedy": f"Run '{self.prog} --help' for the usage."}))
        return super().error(message)


# -- argument parsing ---------------------------------------------------------------------------------


def _common_options() -> _Parser:
    """Options accepted before and after the subcommand (``gosms --json send`` = ``gosms send --json``).

    Defaults are suppressed so that a value given at one level is not overwritten by the other
    level's default; :func:`_opt` supplies the real defaults.
    """
    common = _Parser(add_help=False, allow_abbrev=False)
    group = common.add_argument_group("global options")
    group.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)
    group.add_argument("--api-url", default=argparse.SUPPRESS, metavar="URL",
                       help=f"API base URL (default: ${ENV_API_URL} or https://api.gosms.ru/v1)")
    group.add_argument("--allow-insecure-http", action="store_true", default=argparse.SUPPRESS,
                       help="allow a plain http:// API URL to another host (a trusted internal proxy); "
                            "without it, plain http is only used to this machine")
    group.add_argument("--token-file", default=argparse.SUPPRESS, metavar="PATH",
                       help=f"file holding the API token (default: ${ENV_TOKEN}, then ${ENV_TOKEN_FILE})")
    group.add_argument("--timeout", type=_positive_float, default=argparse.SUPPRESS, metavar="S",
                       help=f"seconds to wait for each answer (default {DEFAULT_TIMEOUT:g})")
    group.add_argument("--deadline", type=_non_negative_float, default=argparse.SUPPRESS, metavar="S",
                       help=f"seconds to keep retrying failed requests, waits included; 0 = no retries "
                            f"(default {DEFAULT_DEADLINE:g})")
    group.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                       help="print one JSON document on stdout, for failures too")
    group.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="log each request (URL and status, never the token) to stderr")
    return common


class _RefuseToken(argparse.Action):
    """``--token`` is refused by name, without echoing the value the way argparse's own error would."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        parser.error(f"there is no --token option: a command line is visible to every user in ps. Put the "
                     f"token in a file for --token-file or {ENV_TOKEN_FILE}, or in {ENV_TOKEN}.")


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of 0 or more")
    return value


def build_parser(arguments: Optional[Sequence[str]] = None) -> argparse.ArgumentParser:
    """The command line; commands of other packages are added when ``arguments`` may name one.

    ``arguments`` None adds them always; otherwise only for ``--help`` or when no command of this
    module is named, so a ``send`` in a storm does not pay for scanning the installed packages.
    """
    common = _common_options()
    parser = _Parser(
        prog="gosms",
        description="Send SMS alerts through the GoSMS.ru API from your own Android phones, and check on "
                    "them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
        allow_abbrev=False,  # a prefix like --token would silently mean --token-file
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name: str, help_text: str, handler: Callable[[argparse.Namespace, Output], int]
                ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common], epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
        p.set_defaults(handler=handler)
        return p

    send = command("send", "send one message to one or more numbers", _cmd_send)
    send.add_argument("--to", action="append", required=True, metavar="NUMBER",
                      help="recipient, digits with the country code (e.g. 79991234567); repeat for more")
    send.add_argument("--message", required=True, metavar="TEXT",
                      help="the text, 1-300 characters; '-' reads it from stdin")
    send.add_argument("--device-id", metavar="ID", help="send from this phone only")
    send.add_argument("--to-sim", metavar="SLOT", help="SIM slot to send from (needs --device-id)")
    send.add_argument("--via", action="append", metavar="DEVICE[:SIM]",
                      help="a route: a phone (device id) and optionally its SIM slot; repeat for fallbacks, in "
                           "order. The alert is followed to the handset and, when a route fails or makes no "
                           "progress within --deliver-within, cancelled there and sent through the next")
    send.add_argument("--deliver-within", type=_non_negative_float, metavar="S",
                      help=f"follow the alert until the handset has it: seconds each route gets to make "
                           f"progress (default {DEFAULT_DELIVER_WITHIN:g} with --via; 0 = do not follow). "
                           "Followed alerts live in the outbox; 'gosms outbox run' follows them on")
    send.add_argument("--callback-id", metavar="ID", help="webhook that gets this message's events")
    send.add_argument("--invalid-chars", choices=v.INVALID_CHARS_CHOICES, default="fail",
                      help="characters the API refuses: fail (default) or replace them with a readable "
                           "spelling")
    send.add_argument("--long-message", choices=v.LONG_MESSAGE_CHOICES, default="fail",
                      help="text over 300 characters: fail (default), split into numbered parts, or "
                           "truncate")
    send.add_argument("--translit", action="store_true", help=TRANSLIT_HELP)
    send.add_argument("--segments", type=positive_int, metavar="N", help=SEGMENTS_HELP)
    send.add_argument("--normalize", action="store_true",
                      help="accept numbers as people type them: +7 (999) 123-45-67")
    send.add_argument("--queue", action="store_true",
                      help="a recipient the API cannot take before the deadline (429, 5xx, timeout, "
                           "unreachable) is queued in the outbox for 'gosms outbox flush', not failed")
    add_outbox_option(send)
    alert = send.add_argument_group("the alert, for folding storms (with --queue and 'gosms outbox run' alive)")
    alert.add_argument("--fold", type=_fold, default=None, metavar="BURST/WINDOW",
                       help="the first BURST alerts to a number within WINDOW go alone, the rest of each window "
                            "in one digest SMS (e.g. 3/60s; default off)")
    alert.add_argument("--type", dest="alert_type", default="", metavar="TYPE",
                       help="PROBLEM or RECOVERY: a PROBLEM that recovers before it left is a flap, not sent")
    alert.add_argument("--host", dest="alert_host", default="", metavar="NAME", help="the host it is about")
    alert.add_argument("--service", dest="alert_service", default="", metavar="NAME",
                       help="the service it is about")
    alert.add_argument("--state", dest="alert_state", default="", metavar="STATE",
                       help="CRITICAL, WARNING, DOWN, OK, ...: what digests count; with the quota's reserve in "
                            "force only CRITICAL/DOWN and recoveries go alone")
    _wait_options(send, "then wait until every message is delivered or failed")

    status = command("status", "show a message's delivery status", _cmd_status)
    status.add_argument("id", metavar="ID", help="message id (24 hexadecimal characters)")
    _wait_options(status, "wait until the message is delivered or failed")

    listing = command("list", "list messages, newest first", _cmd_list)
    listing.add_argument("--search", metavar="TEXT", help="only messages whose number, text or status "
                                                           "contains TEXT")
    listing.add_argument("--limit", metavar="N",
                         help=f"messages per page, 1-100 (default {DEFAULT_LIST_LIMIT}; 100 with --all)")
    listing.add_argument("--offset", metavar="PAGE", default="1", help="page number, 1 for the newest (default)")
    listing.add_argument("--all", action="store_true", help="every page")

    device = command("device", "show a phone, or switch it on/off or delete it", _cmd_device)
    device.add_argument("id", metavar="ID", help="device id from My Devices (UUID or 24-hex ObjectID)")
    action = device.add_mutually_exclusive_group()
    action.add_argument("--activate", dest="action", action="store_const", const="activate",
                        help="allow this phone to send")
    action.add_argument("--deactivate", dest="action", action="store_const", const="deactivate",
                        help="stop this phone from sending")
    action.add_argument("--delete", dest="action", action="store_const", const="delete",
                        help="remove this phone from the account")

    outbox = command("outbox", "list the alerts waiting in the outbox, send them (flush), or keep sending "
                               "them (run)", _cmd_outbox)
    add_outbox_arguments(outbox)

    command("errors", "print every GoSMS error code with its meaning and remedy (no token needed)",
            _cmd_errors)

    usage = command("usage", "count the messages created this calendar month (Moscow time)", _cmd_usage)
    usage.add_argument("--state-file", metavar="PATH",
                       help="keep the count here between runs, so only new messages are paged through and "
                            "deleted ones stay counted (default: $XDG_CACHE_HOME/gosms-ops/ or /var/tmp/, the "
                            "file check_gosms --quota uses for the same user, address and token)")
    usage.add_argument("--quota", type=positive_int, metavar="N",
                       help="the tariff's messages per month: also say what is left and whether the reserve "
                            "for urgent alerts is in force")
    usage.add_argument("--reserve", type=reserve_share, default=DEFAULT_RESERVE, metavar="PERCENT",
                       help=f"with --quota: the share kept for CRITICAL/DOWN alerts and recoveries (default "
                            f"{DEFAULT_RESERVE * 100:g}%%, as 'gosms outbox run')")
    for name, extension in _extensions(arguments, set(sub.choices)):
        p = command(name, extension.HELP, _run_extension(extension))
        extension.add_arguments(p)
    return parser


class Extension(Protocol):
    """A command another package provides through the ``gosms.commands`` entry point group."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, make_client: Callable[[], Client]) -> int: ...


EXTENSION_GROUP = "gosms.commands"


def _extensions(arguments: Optional[Sequence[str]], builtin: set[str]) -> list[tuple[str, Extension]]:
    """The installed ``gosms.commands`` (``gosms relay``), only when the command line may ask for one.

    They stand beside this package (the relay is on the CLI's floor, so neither imports the other);
    the entry point is how the command line finds them without an import edge.
    """
    if arguments is not None and not ({"-h", "--help"} & set(arguments)) and builtin & set(arguments):
        return []
    from importlib.metadata import entry_points

    found: Any = entry_points()
    group = found.select(group=EXTENSION_GROUP) if hasattr(found, "select") else found.get(EXTENSION_GROUP, [])
    extensions = []
    for point in sorted(group, key=lambda p: p.name):
        if point.name in builtin:
            continue
        try:
            extensions.append((point.name, point.load()))
        except Exception as exc:  # a broken extension must not take the built-in commands down with it
            log.debug("command %r of entry point %s not loaded: %s", point.name, point.value, exc)
    return extensions


def _run_extension(extension: Extension) -> Callable[[argparse.Namespace, Output], int]:
    def handler(args: argparse.Namespace, out: Output) -> int:
        return extension.run(args, lambda: _client(args, out))
    return handler


def _fold(text: str) -> Optional[FoldPolicy]:
    try:
        return parse_fold(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _wait_options(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--wait", action="store_true", help=help_text)
    p.add_argument("--wait-timeout", type=_non_negative_float, default=None, metavar="S",
                   help=f"give up waiting after S seconds (default {DEFAULT_WAIT_TIMEOUT:g}; for a followed "
                        "alert, --deliver-within for each route and a minute more)")
    p.add_argument("--wait-interval", type=_positive_float, default=DEFAULT_WAIT_INTERVAL, metavar="S",
                   help=f"seconds between status checks (default {DEFAULT_WAIT_INTERVAL:g})")


# -- commands -----------------------------------------------------------------------------------------


def _iso(unix_time: int) -> str:
    if not unix_time:
        return "-"
    return datetime.fromtimestamp(unix_time, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _message_line(m: Message) -> str:
    return f"{m.id}  {_iso(m.time_create)}  {m.phone_number}  {m.status_label}  {m.message}"


def _cmd_status(args: argparse.Namespace, out: Output) -> int:
    client = _client(args, out)
    if args.wait:
        message = client.wait_for_delivery(args.id, timeout=_wait_timeout(args), interval=args.wait_interval)
        code = EXIT_OK if _show_delivery(message, out) else EXIT_FAILURE
    else:
        message = client.get(args.id)
        out.line(f"{message.id}: {message.status_label} (status {message.status})")
        out.line(f"  to {message.phone_number}, created {_iso(message.time_create)}"
                 f"{', device ' + message.device_id if message.device_id else ''}")
        out.line(f"  {message.message}")
        code = EXIT_OK
    out.document(dict(message.as_dict(), ok=code == EXIT_OK, exit_code=code))
    return code


def _cmd_list(args: argparse.Namespace, out: Output) -> int:
    offset = v.check_offset(args.offset)
    client = _client(args, out)
    if args.all:
        limit = v.check_limit(args.limit) if args.limit is not None else 100
        messages = list(client.iter_messages(search=args.search, page_size=limit))
        for m in messages:
            out.line(_message_line(m))
        out.line(f"{len(messages)} message(s)")
        out.document({"ok": True, "count": len(messages), "messages": [m.as_dict() for m in messages]})
        return EXIT_OK
    limit = v.check_limit(args.limit) if args.limit is not None else DEFAULT_LIST_LIMIT
    page = client.list(limit=limit, offset=offset, search=args.search)
    for m in page.items:
        out.line(_message_line(m))
    out.line(f"page {page.offset}: {len(page.items)} of {page.total_records} message(s)")
    out.document({"ok": True, "pagination": {"total_records": page.total_records, "limit": page.limit,
                                             "offset": page.offset},
                  "messages": [m.as_dict() for m in page.items]})
    return EXIT_OK


def _cmd_device(args: argparse.Namespace, out: Output) -> int:
    device_id = v.check_device_id(args.id)
    client = _client(args, out)
    if args.action in ("activate", "deactivate"):
        client.set_device_active(device_id, args.action == "activate")
        out.line(f"device {device_id} {args.action}d")
        out.document({"ok": True, "device_id": device_id, "action": args.action})
        return EXIT_OK
    if args.action == "delete":
        client.delete_device(device_id)
        out.line(f"device {device_id} deleted")
        out.document({"ok": True, "device_id": device_id, "action": "delete"})
        return EXIT_OK
    device = client.device(device_id)
    seen = device.seconds_since_seen()
    # Named by the id it was asked for: with the English page's shape, device_id is the phone's own id.
    hardware = f", phone id {device.device_id}" if device.device_id and device.device_id != device_id else ""
    out.line(f"{device.name or 'device'} ({device_id}{hardware})")
    out.line(f"  active: {'yes' if device.is_active else 'NO (it will not send)'}")
    out.line(f"  online: {'yes' if device.online() else 'NO'}"
             f"{f', last seen {seen:.0f} s ago' if seen is not None else ', never seen'}")
    battery = "unknown" if device.battery is None else f"{device.battery}%"
    out.line(f"  battery: {battery}{', charging' if device.is_charging else ''}"
             f"{' (LOW)' if device.battery_low() else ''}")
    for sim in device.sims:
        out.line(f"  SIM slot {sim.slot_index}: {sim.display_name}")
    out.document(dict(device.as_dict(), ok=True))
    return EXIT_OK


def _cmd_outbox(args: argparse.Namespace, out: Output) -> int:
    return run_outbox_command(args, out, lambda: _client(args, out), EXIT_OK, EXIT_FAILURE)


def _cmd_errors(args: argparse.Namespace, out: Output) -> int:
    rows = sorted(TABLE.values(), key=lambda r: r.code)
    for row in rows:
        out.line(f"{row.code}  {row.severity.name:<8}  {row.category.value:<10}  {row.description}")
        out.line(f"{'':6}remedy: {row.remedy}")
    out.document({"ok": True, "errors": [row.as_dict() for row in rows]})
    return EXIT_OK


def _cmd_usage(args: argparse.Namespace, out: Output) -> int:
    # The same state as check_gosms --quota (gosms.delivery.usage_state): a message counted once stays counted
    # after it is deleted, as the tariff counts it, so both tools give one count.
    from ..delivery.usage_state import StateFile, default_state_path

    client = _client(args, out)
    store = StateFile(args.state_file or default_state_path(client.api_url, client.token), client.api_url)
    state = store.load()
    if state is None and store.path.exists():
        out.note(f"ignoring the state file: {store.note}")
    result = client.month_usage(state)
    problem = store.save(result.as_state())
    if problem and args.state_file:
        raise ConfigError(f"{problem[0].upper()}{problem[1:]}.")
    if problem:
        out.note(f"{problem}: the next count pages the month again")
    out.line(f"{result.month}: {result.count} message(s) created this month (Moscow time)")
    document: dict[str, Any] = {"ok": True, "month": result.month, "count": result.count,
                                "pages_read": result.pages_read}
    if args.quota:
        note = reserve_sentence(result.count, args.quota, args.reserve)
        out.line(f"{max(0, args.quota - result.count)} of {args.quota} left" + (f"; {note}" if note else ""))
        document.update(quota=args.quota, left=max(0, args.quota - result.count), reserve=args.reserve,
                        reserve_in_force=bool(note))
    out.document(document)
    return EXIT_OK


# -- entry point --------------------------------------------------------------------------------------


class _RedactingFilter(logging.Filter):
    """Masks the token in log lines: the core logs URLs only, this holds if that ever changes."""

    def __init__(self, out: Output) -> None:
        super().__init__()
        self._out = out

    def filter(self, record: logging.LogRecord) -> bool:
        if self._out.token is not None:
            record.msg = redact(record.getMessage(), self._out.token)
            record.args = None
        return True


def _setup_logging(out: Output) -> Callable[[], None]:
    """Log the core's request lines to stderr; returns the undo, so main() leaves logging as it was."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("gosms: %(levelname)s %(message)s"))
    handler.addFilter(_RedactingFilter(out))
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)

    def undo() -> None:
        log.removeHandler(handler)
        log.setLevel(level)

    return undo


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; pointing it at devnull keeps that from raising once more.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; the exit status is returned, not raised (argparse's own exits included)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_requested = "--json" in arguments
    parser = build_parser(arguments)
    try:
        args, extra = parser.parse_known_args(arguments)
        if extra:
            # argparse would echo every stray word, and one of them may be a token typed by mistake.
            options = [a.split("=", 1)[0] for a in extra if a.startswith("-")]
            hidden = len(extra) - len(options)
            parser.error("unrecognized arguments: " + " ".join(options)
                         + (f"{' and ' if options else ''}{hidden} value(s) (not shown)" if hidden else ""))
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    out = Output(bool(_opt(args, "json", False)))
    out.command = args.command
    undo_logging = _setup_logging(out) if _opt(args, "verbose", False) else None
    if args.command != "send":
        turnstile.leave()  # only a send takes its place in a queue before it lets the next one load
    try:
        code: int = args.handler(args, out)
        return code
    except ValidationError as exc:
        return out.failure(exc, EXIT_USAGE)
    except ConfigError as exc:
        return out.failure(exc, EXIT_CONFIG)
    except GoSMSError as exc:
        return out.failure(exc, EXIT_FAILURE)
    except KeyboardInterrupt:
        out.note("interrupted")
        return 130
    except BrokenPipeError:  # the reader (head, grep -q) went away: nothing left to say, nowhere to say it
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as exc:  # a bug must still end in one line and a failure status, not a traceback
        return out.failure(exc, EXIT_FAILURE)
    finally:
        turnstile.leave()
        client: Union[Client, None] = getattr(args, "client", None)
        if client is not None:
            client.close()
        if undo_logging is not None:
            undo_logging()


if __name__ == "__main__":
    sys.exit(main())
