"""``gosms outbox``: list what waits in the outbox, send it (``flush``), keep it drained (``run``).

Kept apart from :mod:`gosms.cli.main` so the commands that look after the outbox read as one piece; the
shared output, exit statuses and client set-up stay in ``cli``.  What each state means lives in
:mod:`gosms.delivery.outbox`.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable

from ..delivery.alert_log import alert_log
from ..delivery.digest import fold
from ..delivery.failures import is_transient
from ..delivery.outbox import DEFAULT_MAX_AGE, ENV_OUTBOX, LOCK_WAIT, Entry, FlushReport, Outbox
from ..delivery.runner import QuotaReserve, Runner
from ..wire.folding import DEFAULT_RESERVE
from .output import describe

if TYPE_CHECKING:
    from ..clients.sync import Client
    from .output import Output

__all__ = [
    "DEFAULT_INTERVAL",
    "EXIT_QUEUED_NOTE",
    "add_outbox_arguments",
    "add_outbox_option",
    "outbox_of",
    "parse_duration",
    "reserve_share",
    "run_outbox_command",
]

DEFAULT_INTERVAL = 60.0
"""Seconds between flushes of ``gosms outbox run``."""

EXIT_QUEUED_NOTE = ("with --queue, 0 also when recipients the API could not take now were queued in the "
                    "outbox (a 'queued' line says so); 1 only for those refused for good")

_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``30m``, ``4h`` or ``1d``: ages are thought of in hours, not seconds."""
    raw = text.strip().lower()
    number, unit = raw, "s"
    for suffix in sorted(_UNITS, key=len, reverse=True):
        if raw.endswith(suffix):
            number, unit = raw[: -len(suffix)].strip(), suffix
            break
    try:
        value = float(number) * _UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90s, 30m, 4h or 1d") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a duration above 0")
    return value


def add_outbox_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outbox", metavar="DIR", default=None,
                        help=f"the outbox folder (default: ${ENV_OUTBOX}, else "
                             "$XDG_STATE_HOME/gosms-ops/outbox, else ~/.local/state/gosms-ops/outbox)")


def add_outbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("list", "log", "flush", "run"), default="list",
                        help="list (default): what waits, its age, attempts and last error; log: every alert "
                             "of the last day with the SMS that carried it (its own or a digest); flush: send "
                             "what is due, oldest first; run: send alerts as they arrive (and every --interval) "
                             "until stopped (SIGTERM)")
    add_outbox_option(parser)
    parser.add_argument("--max-age", type=parse_duration, default=DEFAULT_MAX_AGE, metavar="AGE",
                        help=f"an alert queued longer ago than this is moved to expired/ and reported, not sent "
                             f"(e.g. 90m, 4h; default {DEFAULT_MAX_AGE / 3600:g}h)")
    parser.add_argument("--interval", type=parse_duration, default=DEFAULT_INTERVAL, metavar="S",
                        help=f"run: seconds between flushes (default {DEFAULT_INTERVAL:g})")
    parser.add_argument("--quota", type=positive_int, metavar="N",
                        help="run: the tariff's messages per month; with it the runner keeps a reserve")
    parser.add_argument("--reserve", type=reserve_share, default=DEFAULT_RESERVE, metavar="PERCENT",
                        help=f"run, with --quota: when less than this share of the month's quota is left, only "
                             f"CRITICAL/DOWN alerts and recoveries go alone, the rest fold into digests "
                             f"(default {DEFAULT_RESERVE * 100:g}%%)")
    parser.add_argument("--lock-wait", type=parse_duration, default=LOCK_WAIT, metavar="S",
                        help=f"flush: how long to wait while another flush holds the outbox (default "
                             f"{LOCK_WAIT:g})")


def positive_int(text: str) -> int:
    """An argparse type for counts (``--quota``, ``--segments``): a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def reserve_share(text: str) -> float:
    """``10%``, ``10`` or ``0.1`` as 0.1."""
    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share such as 10%") from None
    value = value / 100 if text.strip().endswith("%") or value > 1 else value
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a share from 0% to below 100%")
    return value


def outbox_of(args: argparse.Namespace) -> Outbox:
    outbox = Outbox(getattr(args, "outbox", None), max_age=getattr(args, "max_age", DEFAULT_MAX_AGE))
    outbox.folding = fold
    return outbox


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _line(entry: Entry) -> str:
    error = f"  last error: {entry.last_error}" if entry.last_error else ""
    source = f"  from {entry.source}" if entry.source else ""
    routes = f"  routes: {entry.follow.get('story', '')}" if entry.follow else ""
    return (f"{entry.state:<8} {_age(entry.age()):>7}  attempts {entry.attempts}  {entry.phone_number}  "
            f"{entry.message!r}{source}{error}{routes}")


def run_outbox_command(args: argparse.Namespace, out: Output, make_client: Callable[[], Client],
                       exit_ok: int, exit_failure: int) -> int:
    outbox = outbox_of(args)
    if args.action == "list":
        return _list(outbox, out, exit_ok)
    if args.action == "log":
        return _log(outbox, out, exit_ok)
    client = make_client()
    if args.action == "flush":
        report = outbox.flush(client, wait=args.lock_wait)
        _show(report, outbox, out)
        code = exit_ok if report.ok else exit_failure
        out.document(dict(report.as_dict(), outbox=str(outbox.directory), exit_code=code))
        return code
    reserve = QuotaReserve(client, args.quota, args.reserve) if getattr(args, "quota", None) else None
    return _run(Runner(outbox, client, args.interval, reserve), out, exit_ok, exit_failure)


def _list(outbox: Outbox, out: Output, exit_ok: int) -> int:
    entries = outbox.entries(("new", "sending", "tracking", "undelivered", "expired", "failed"))
    for entry in entries:
        out.line(_line(entry))
    corrupt = outbox.corrupt()
    for bad in corrupt:
        where = bad.name if bad.where == "corrupt" else f"{bad.where}/{bad.name} (the next flush sets it aside)"
        out.line(f"corrupt  {where}  {bad.reason}")
    waiting = sum(1 for e in entries if e.pending)
    tracking = sum(1 for e in entries if e.state == "tracking")
    undelivered = sum(1 for e in entries if e.state == "undelivered")
    sent = len(outbox.entries(("sent",)))
    delivered = outbox.entries(("delivered",))
    for entry in delivered:
        out.line(_line(entry))
    out.line(f"{waiting} waiting, {tracking} followed to the handset, {undelivered} undelivered, "
             f"{len(entries) - waiting - tracking - undelivered} expired or failed, {sent} sent and "
             f"{len(delivered)} delivered in the last day"
             f"{f', {len(corrupt)} corrupt (never sent: see above)' if corrupt else ''} ({outbox.directory})")
    out.document({"ok": True, "outbox": str(outbox.directory), "waiting": waiting, "sent_recently": sent,
                  "tracking": tracking, "undelivered": undelivered, "delivered_recently": len(delivered),
                  "entries": [e.describe() for e in entries + delivered], "corrupt": [c.as_dict() for c in corrupt]})
    return exit_ok


def _log(outbox: Outbox, out: Output, exit_ok: int) -> int:
    records = alert_log(outbox)
    for r in records:
        carried = ", ".join(r["sms_ids"]) or "-"
        how = f"in digest {r['carried_by']}" if r["folded"] else "alone"
        out.line(f"{r['state']:<8} {r['phone_number']}  {r['message']!r}  {how}  sms {carried}")
    out.line(f"{len(records)} alert(s) on record ({outbox.directory})")
    out.document({"ok": True, "outbox": str(outbox.directory), "alerts": records})
    return exit_ok


def _show(report: FlushReport, outbox: Outbox, out: Output) -> None:

    for entry in report.sent:
        out.line(f"sent to {entry.phone_number}: {', '.join(entry.sent_ids)} (queued {_age(entry.age())} ago, "
                 f"attempt {entry.attempts})")
    for entry in report.recovered:
        out.line(f"already sent to {entry.phone_number}: {', '.join(entry.sent_ids)} was found on the server "
                 "after an attempt whose answer was lost; not sent again")
    for entry in report.expired:
        out.note(f"EXPIRED, not sent to {entry.phone_number}: queued {_age(entry.age())} ago, longer than "
                 f"--max-age allows: {entry.message!r} (kept in {outbox.directory / 'expired'})")
    for entry, exc in report.failed:
        out.note(f"NOT sent to {entry.phone_number}: {describe(exc)} (kept in {outbox.directory / 'failed'})")
    for bad in report.corrupt:
        out.note(f"set aside, never sent: {bad.name} is not a sound entry ({bad.reason}); it is in "
                 f"{outbox.directory / 'corrupt'}")
    if report.other_account:
        out.note(f"{len(report.other_account)} alert(s) were queued with another API address or token; flush "
                 "them with that account's --api-url and token")
    if report.busy:
        out.note(f"another flush is working on {outbox.directory}; nothing was sent by this one. Try again "
                 "later or raise --lock-wait.")
    elif report.stopped_by is not None:
        waiting = len(report.pending)
        if is_transient(report.stopped_by):
            out.note(f"GoSMS cannot take alerts yet ({report.stopped_by}); {waiting} alert(s) wait for the next "
                     "flush.")
        else:
            out.note(f"GoSMS refuses this account, so the flush stopped: {describe(report.stopped_by)} "
                     f"{waiting} alert(s) wait until that is fixed or they are older than --max-age.")
    for entry in report.delivered:
        out.line(f"delivered to {entry.phone_number}: {(entry.follow or {}).get('story', '')}")
    for entry in report.undelivered:
        out.note(f"NOT delivered to {entry.phone_number}, every route tried: {(entry.follow or {}).get('story', '')}"
                 f" (kept in {outbox.directory / 'undelivered'})")
    done = len(report.sent) + len(report.recovered)
    following = (f", {len(report.delivered)} delivered, {len(report.undelivered)} undelivered, "
                 f"{len(report.following)} followed to the handset"
                 if report.delivered or report.undelivered or report.following else "")
    out.line(f"outbox: {done} sent, {len(report.pending)} waiting, {len(report.expired)} expired, "
             f"{len(report.failed)} failed{following} ({outbox.directory})")


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """SIGTERM (a service manager) and SIGINT end ``run`` between two entries, never in mid-send."""
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _run(runner: Runner, out: Output, exit_ok: int, exit_failure: int) -> int:
    outbox = runner.outbox
    with outbox.as_runner() as mine, _stop_signals() as stop:
        if not mine:
            out.note(f"another runner already drains {outbox.directory}: one runner per outbox")
            return exit_failure
        out.line(f"sending alerts from {outbox.directory} as they arrive (and every {runner.interval:g} s) "
                 "until stopped")

        def show(report: FlushReport) -> None:
            if (report.sent or report.recovered or report.expired or report.failed or report.stopped_by
                    or report.corrupt or report.delivered or report.undelivered):
                _show(report, outbox, out)

        runner.run(stop.is_set, show, lambda exc: out.note(f"flush failed: {describe(exc)}"))
    out.line("stopped")
    return exit_ok
