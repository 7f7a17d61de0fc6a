"""notify_gosms: the notification command that sends a Nagios/Icinga alert as one SMS through GoSMS.

The daemon calls it once per contact and notification, with its macros as options.  It composes
one SMS that always fits (:mod:`.compose`), sends it to every number given, and, where GoSMS cannot
be reached in time for a reason that passes (429, 5xx, time-out, unreachable), queues the alert in
the outbox so that ``gosms outbox flush`` delivers it later: the command returns well inside the
daemon's notification timeout either way.  The token comes from a file or the environment, never
from the command line, and is never printed.

Exit codes (the daemon logs a non-zero one), as ``gosms send --queue``'s:
  0  sent to every number, handed to a live ``gosms outbox run`` (a "handed to the outbox runner"
     line says so; see gosms.delivery.handoff), or queued in the outbox for those GoSMS could not
     take in time (a "queued for" line says so): the alert is not lost, so the command did not fail
  1  not sent to at least one number and not queued (GoSMS refused it, or a number is invalid)
  2  usage: no number, no notification type or host, an unknown option; nothing sent
  3  configuration: no token, unreadable token file, unsafe or unreadable API URL; nothing sent
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, NoReturn, Optional

from gosms import __version__ as gosms_version
from gosms.pacing import turnstile
from gosms.wire.config import ENV_API_URL, ENV_TOKEN, ENV_TOKEN_FILE, Token, resolve_api_url, resolve_token
from gosms.wire.errors import GoSMSError, ValidationError
from gosms.wire.folding import DEFAULT_POLICY, FoldPolicy, parse_fold
from gosms.wire.segments import SEGMENTS_HELP, TRANSLIT_HELP, count_segments, fit_segments, transliterate
from gosms.wire.validation import MAX_MESSAGE_LENGTH, normalize_phone

from ..common.arguments import bounded
from ..common.budget import Budget, budget_for_timeout
from ..common.hint_words import NOTIFY_FLAGS, explain
from ..common.timeout import DEFAULT_TIMEOUT
from .compose import MIN_LENGTH, Notification, compose
from .quick import PROG, TEXT_OPTIONS, handed_line, split_numbers, unset_macro

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main", "parse_args"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONFIG = 0, 1, 2, 3


def _fail(code: int, message: str) -> NoReturn:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        _fail(EXIT_USAGE, f"{message}. Try '{PROG} --help'.")


class _RefuseToken(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: Optional[str] = None) -> None:
        parser.error(f"the token is never given on the command line, where every user can see it with ps: "
                     f"put it in a file named by --token-file, or in the environment variable {ENV_TOKEN}")


def _set(value: Optional[str]) -> str:
    """The value, or "" for an unset custom variable: Nagios passes ``$_CONTACTGOSMS_FOLD$`` as is."""
    return "" if value is None or unset_macro(value) else value


def _fold(text: str) -> Optional[FoldPolicy]:
    try:
        return parse_fold(text)
    except ValueError as exc:
        _fail(EXIT_USAGE, f"argument --fold: {exc}. Try '{PROG} --help'.")


_max_length = bounded(int, "a whole number of characters", MIN_LENGTH, MAX_MESSAGE_LENGTH)
_segment_count = bounded(int, "a whole number of SMS segments", 1, 10)
_seconds = bounded(float, "a number of seconds", 2, unit=" seconds")


EPILOG = f"""\
Nagios Core: the commands notify-host-by-gosms and notify-service-by-gosms in nagios/commands.cfg.
Icinga 2: the NotificationCommands gosms-host-notification and gosms-service-notification in
nagios/icinga2/gosms.conf.

Environment: {ENV_TOKEN} (the token), {ENV_TOKEN_FILE} (a file holding it), {ENV_API_URL}.
Storms: with 'gosms outbox run' alive for the outbox, the alert is handed to it (on disk before exit
0) and it sends at the account's rate, folding storms per number (--fold).

Exit codes: 0 sent to every number, handed to the outbox runner, or queued in the outbox where GoSMS
could not take it in time ('gosms outbox flush' sends it), 1 not sent to some number (refused by
GoSMS or an invalid number), 2 usage error (nothing sent), 3 configuration error: token or API URL (nothing sent).
"""


def build_parser() -> _Parser:
    parser = _Parser(prog=PROG, description="Sends a Nagios or Icinga notification as one SMS through GoSMS.ru.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False)
    parser.add_argument("-V", "--version", action="version", version=f"{PROG} {gosms_version} (gosms-ops)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="say what was sent, queued or refused")
    to = parser.add_argument_group("who")
    to.add_argument("--to", action="append", default=[], metavar="NUMBER",
                    help="phone number(s) to text ($CONTACTPAGER$, $user.pager$); repeatable, or "
                         "several in one separated by commas")
    what = parser.add_argument_group("what (the daemon's macros)")
    what.add_argument("--type", default="", help="notification type: PROBLEM, RECOVERY, ACKNOWLEDGEMENT, ...")
    what.add_argument("--host", default="", help="host name")
    what.add_argument("--service", default="", help="service description (leave out for a host notification)")
    what.add_argument("--state", default="", help="host or service state: DOWN, CRITICAL, OK, ...")
    what.add_argument("--output", default="", help="the plugin output")
    what.add_argument("--time", default="", help="when ($SHORTDATETIME$, $icinga.short_date_time$)")
    what.add_argument("--author", default="", help="who acknowledged or commented")
    what.add_argument("--comment", default="", help="the acknowledgement or comment text")
    what.add_argument("--max-length", type=_max_length, default=MAX_MESSAGE_LENGTH, metavar="CHARS",
                      help="longest SMS to compose (default: %(default)s, the API's limit)")
    what.add_argument("--translit", action="store_true", help=TRANSLIT_HELP)
    what.add_argument("--segments", type=_segment_count, metavar="N", help=SEGMENTS_HELP)
    how = parser.add_argument_group("how")
    how.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                     help="give up sending after this and queue instead (default: %(default)g)")
    how.add_argument("--via", action="append", default=[], metavar="DEVICE[:SIM]",
                     help="a route (a phone, optionally its SIM slot); repeat for fallbacks, in order. The alert "
                          "is followed to the handset by the outbox's runner ('gosms outbox run'), which sends it "
                          "through the next route when one fails or makes no progress within --deliver-within")
    how.add_argument("--deliver-within", type=_seconds, default=None, metavar="SECONDS",
                     help="with --via: seconds each route gets to make progress (default: 300)")
    how.add_argument("--fold", dest="fold_text", default="", metavar="BURST/WINDOW",
                     help="with 'gosms outbox run' alive: the first BURST alerts to a number within WINDOW go "
                          "alone, the rest of each window in one digest SMS; a PROBLEM that recovers before it "
                          "left is counted as a flap, not sent; 'off' sends each alert alone (default: "
                          f"{DEFAULT_POLICY.spec()})")
    how.add_argument("--no-queue", action="store_true",
                     help="do not queue what could not be sent in time (exit 1 instead)")
    how.add_argument("--outbox", metavar="DIR", help="outbox folder (default: $GOSMS_OUTBOX, else "
                                                      "$XDG_STATE_HOME/gosms-ops/outbox)")
    how.add_argument("--api-url", metavar="URL", help=f"GoSMS API base URL (default: ${ENV_API_URL} or the public API)")
    how.add_argument("--allow-insecure-http", action="store_true",
                     help="allow plain http to an address that is not this machine")
    how.add_argument("--token-file", metavar="PATH",
                     help=f"file holding the token (default: ${ENV_TOKEN}, then ${ENV_TOKEN_FILE})")
    how.add_argument("--token", action=_RefuseToken, nargs="?", help=argparse.SUPPRESS)
    return parser


def _joined(argv: Sequence[str]) -> list[str]:
    """``--output -x`` as ``--output=-x``: Icinga passes each value as its own argument."""
    out: list[str] = []
    items = iter(argv)
    for item in items:
        if item in TEXT_OPTIONS:
            out.append(f"{item}={next(items, '')}")
        else:
            out.append(item)
    return out


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(_joined(sys.argv[1:] if argv is None else argv))
    numbers = split_numbers(args.to)
    if not numbers:
        parser.error("no phone number: give --to NUMBER (Nagios: the contact's pager, Icinga 2: the user's "
                     "pager attribute)")
    if not args.host.strip():
        parser.error("no host: give --host (the daemon's host name macro)")
    args.numbers = numbers
    args.routes = []
    try:
        if any(route.strip() for route in args.via):
            from gosms.wire.routes import parse_route  # only for --via: a plain notifier never loads it

            args.routes = [parse_route(route) for route in args.via if route.strip()]
    except ValidationError as exc:
        parser.error(f"--via {exc.description} {exc.remedy} (a route is DEVICE or DEVICE:SIM)")
    if args.deliver_within is not None and not args.routes:
        parser.error("--deliver-within only applies with --via DEVICE[:SIM]: add it, or leave it out")
    if args.routes and args.no_queue:
        parser.error("--via needs the outbox, where the alert is followed: leave out --no-queue")
    args.token_file = args.token_file or None  # an empty macro means "not given"
    args.outbox = _set(args.outbox) or None
    args.fold = _fold(_set(args.fold_text))
    return args


def _numbers(raw: Sequence[str]) -> tuple[list[str], list[str]]:
    """Valid numbers (normalised, each once) and one sentence per invalid one."""
    valid: list[str] = []
    problems: list[str] = []
    for number in raw:
        try:
            phone = normalize_phone(number)
        except ValidationError as exc:
            problems.append(f"NOT sent to {number!r}: GoSMS error {exc.code}: {exc.description} {exc.detail}")
            continue
        if phone not in valid:
            valid.append(phone)
    return valid, problems


def _hand_over(args: argparse.Namespace, numbers: Sequence[str], text: str, api_url: str, token: Token,
               problems: Sequence[str]) -> None:
    """Spool-first: with a runner alive, write the alert for it and exit 0 (see gosms.delivery.handoff).

    Returns when no runner is alive, or the outbox cannot be written: then this process sends.
    """
    from gosms.delivery.handoff import alert_fields, hand_over
    from gosms.delivery.outbox import Outbox

    alert = alert_fields(args.type, args.host, args.service, args.state, args.fold)
    try:
        entries = hand_over(Outbox(args.outbox), api_url, token, numbers, [text], source=PROG, alert=alert)
    except GoSMSError:
        return  # the outbox cannot be written: send as without a runner, which says why if it must queue
    if entries is None:
        return
    lines = [handed_line(e.phone_number, e.id, args.fold is not None) for e in entries]
    _finish(args, text, lines, problems, EXIT_OK)


def main(argv: Optional[Sequence[str]] = None) -> NoReturn:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
        sys.stderr.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        _main(argv)
    except Exception as exc:  # a bug: one line in the daemon's log, its type and place, never its text
        from gosms.cli.output import describe

        _fail(EXIT_FAILED, f"{describe(exc)} The alert may not have gone out.")


def _main(argv: Optional[Sequence[str]]) -> NoReturn:
    args = parse_args(argv)
    note = Notification(type=args.type, host=args.host, state=args.state, output=args.output,
                        service=args.service, time=args.time, author=args.author, comment=args.comment)
    text = compose(note, args.max_length)
    if args.translit:
        text = transliterate(text)
    if args.segments:
        text = fit_segments(text, args.segments)
    valid, problems = _numbers(args.numbers)
    if not valid:
        _fail(EXIT_USAGE, " ".join(problems) + " Nothing sent.")

    # In a storm of notifications, take this alert's place in the account's queue before loading
    # the send path (see gosms.pacing.budget.queue_to_send); the deadline is the one deliver() keeps.
    try:
        token = resolve_token(None, token_file=args.token_file)
        api_url = resolve_api_url(args.api_url, allow_insecure_http=args.allow_insecure_http)
    except GoSMSError as exc:  # ConfigError: no token, unreadable token file, unsafe URL
        _fail(EXIT_CONFIG, f"{explain(exc, NOTIFY_FLAGS)} Nothing sent.")
    if not args.no_queue and not args.routes:  # routed alerts go in the outbox with their routes (deliver)
        _hand_over(args, valid, text, api_url, token, problems)
    # --timeout counts from the start: the wait at the start-up turnstile and for the account's
    # turn come out of it, so the notifier ends within it and inside the daemon's own timeout.
    started = turnstile.entered_at() or time.monotonic()
    budget = Budget(float(args.timeout) - (time.monotonic() - started))
    from gosms.pacing.budget import queue_to_send  # only a process that sends itself queues for its turn

    queue_to_send(api_url, token, deadline=budget_for_timeout(budget.remaining()), placed=turnstile.leave)
    from .deliver import deliver  # the client only once the input is known to be good

    try:
        outcome = deliver(valid, text, api_url=api_url, token=token,
                          allow_insecure_http=args.allow_insecure_http, timeout=budget.remaining(),
                          queue=not args.no_queue, outbox_dir=args.outbox, routes=args.routes,
                          deliver_within=args.deliver_within)
    except GoSMSError as exc:  # ConfigError: no token, unreadable token file, unsafe URL
        _fail(EXIT_CONFIG, f"{explain(exc, NOTIFY_FLAGS)} Nothing sent.")
    _finish(args, text, outcome.lines, problems, outcome.code)


def _finish(args: argparse.Namespace, text: str, lines: Sequence[str], problems: Sequence[str], code: int
            ) -> NoReturn:
    """Say what happened (stdout when all went well, else stderr) and exit: 1 for any invalid number."""
    said = [*lines, *problems]
    if args.verbose:
        said.append(f"text ({len(text)} characters, {count_segments(text)}): {text}")
    stream = sys.stdout if code == EXIT_OK and not problems else sys.stderr
    stream.write("".join(f"{PROG}: {line}\n" for line in said))
    stream.flush()
    sys.exit(EXIT_FAILED if problems and code == EXIT_OK else code)
