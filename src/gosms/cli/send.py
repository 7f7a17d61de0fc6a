"""``gosms send``: check everything first, then send, queue, hand over or follow, and say which.

The longest command, apart from :mod:`.main`: its text may come from stdin, it may take its place
in the account's queue, hand the alert to a live runner (:mod:`gosms.delivery.handoff`), follow it
to the handset (:mod:`.follow`) or queue what cannot go now, and its report says per number what
became of the alert.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from ..delivery.spool import crash_point
from ..pacing import turnstile
from ..pacing.budget import queue_to_send
from ..wire import validation as v
from ..wire.config import Token
from ..wire.errors import ConfigError, GoSMSError, ValidationError
from ..wire.routes import DEFAULT_DELIVER_WITHIN
from ..wire.segments import count_segments, fit_segments, transliterate
from .context import DEFAULT_DEADLINE, DEFAULT_WAIT_TIMEOUT, EXIT_FAILURE, EXIT_OK
from .context import account as _account
from .context import client_for as _client
from .context import opt as _opt
from .outbox import outbox_of
from .output import Output, describe, error_document

if TYPE_CHECKING:
    from ..clients.sync import Client
    from ..wire.models import Message
    from ..wire.outcomes import BulkResult, SendPlan

__all__ = ["read_message", "send_command", "show_delivery", "wait_timeout"]


def read_message(text: str) -> str:
    if text != "-":
        return text
    data = sys.stdin.read()
    return data[:-1] if data.endswith("\n") else data


def send_command(args: argparse.Namespace, out: Output) -> int:
    from ..delivery.queued_send import send_plan_or_queue
    from ..wire.outcomes import plan_send
    from ..wire.routes import parse_route, routes_of

    if args.message == "-":
        turnstile.leave()  # stdin may keep us waiting: let the next command load meanwhile
    message = read_message(args.message)
    if args.translit:
        message = transliterate(message)
    if args.segments:
        message = fit_segments(message, args.segments)
    # --to-sim arrives as text; the core's rule gives the API's own codes (2008, 1017) for it.
    device_id = v.check_device_id(args.device_id) if args.device_id else None
    to_sim = v.check_to_sim(args.to_sim, device_id) if args.to_sim is not None else None
    try:
        via = [parse_route(r) for r in args.via or ()]
    except ValidationError as exc:
        exc.hint = None  # the core's hint names --device-id; this device was given with --via
        raise
    routes = routes_of(device_id, to_sim, via)
    deliver_within = args.deliver_within if args.deliver_within is not None else (
        DEFAULT_DELIVER_WITHIN if args.via else 0.0)
    if device_id is None and args.via:
        device_id, to_sim = routes[0].device_id, routes[0].to_sim  # not followed: the first route only
    plan = plan_send(args.to, message, device_id=device_id, to_sim=to_sim, callback_id=args.callback_id,
                     invalid_chars=args.invalid_chars, long_message=args.long_message, normalize=args.normalize)
    # In a storm, take this alert's place in the account's queue before loading the HTTP stack,
    # and let the next process through the start-up turnstile (gosms.pacing.turnstile) then.
    segments = _segments(plan, args, out)
    account = _account(args)
    if args.queue and not args.wait and deliver_within <= 0 and _handed_over(args, out, account, plan, segments):
        return EXIT_OK
    queue_to_send(*account, deadline=float(_opt(args, "deadline", DEFAULT_DEADLINE)), placed=turnstile.leave)
    client = _client(args, out, account)
    if deliver_within > 0:
        from .follow import send_followed

        return send_followed(client, plan, routes, deliver_within, args, out)  # exits 0/1 as below
    if args.queue:
        outbox = outbox_of(args)
        outbox.check()  # an outbox that cannot be used is said before anything is sent (exit 3)
        result: BulkResult = send_plan_or_queue(client, outbox, plan, source="gosms send")
    else:
        result = client.send_plan(plan)
        crash_point("answered-all")
    code = _report_send(result, out)
    document = result.as_dict()
    document.update(segments)
    first_failure = next((r.error for r in result.failed if r.error is not None), None)
    if first_failure is not None:
        # The first failure at the top as well, so a script reads `.error_code` as for any command.
        document.update({k: v for k, v in error_document(first_failure, "send").items() if k not in document})
    if args.wait and result.ids:
        try:
            delivered, report = _wait_all(client, result, args, out)
        except GoSMSError as exc:
            # The messages are out; only the delivery check failed. Say so, or a script resends.
            out.note(f"Sent ({', '.join(result.ids)}), but delivery could not be checked: "
                     f"{describe(exc, out.command)}")
            document["delivery_error"] = error_document(exc, "send")
            delivered, report = False, []
        document["delivery"] = report
        if not delivered:
            code = EXIT_FAILURE
    document["exit_code"] = code
    out.document(document)
    return code


def _segments(plan: SendPlan, args: argparse.Namespace, out: Output) -> dict[str, Any]:
    """The SMS segments the phone will send the text in (``-v`` says it, JSON carries it)."""
    counts = [count_segments(part) for part in plan.parts]
    total = sum(c.segments for c in counts)
    if _opt(args, "verbose", False):
        encodings = "/".join(sorted({c.encoding for c in counts}))
        out.note(f"text: {sum(len(p) for p in plan.parts)} characters, {total} SMS segment(s) per number "
                 f"({encodings})")
    return {"segments": total, "segment_counts": [c.as_dict() for c in counts]}


def _handed_over(args: argparse.Namespace, out: Output, account: tuple[str, Token], plan: SendPlan,
                 segments: dict[str, Any]) -> bool:
    """Spool-first: with ``gosms outbox run`` alive, write the alert for it (gosms.delivery.handoff)."""
    from ..delivery.handoff import alert_fields, hand_over

    alert = alert_fields(args.alert_type, args.alert_host, args.alert_service, args.alert_state, args.fold)
    outbox = outbox_of(args)
    try:
        entries = hand_over(outbox, *account, plan.recipients, plan.parts, source="gosms send", alert=alert,
                            device_id=plan.device_id, to_sim=plan.to_sim, callback_id=plan.callback_id)
    except ConfigError as exc:
        out.note(f"could not hand the alert to the outbox runner ({exc}); sending it now")
        return False
    if entries is None:
        return False
    for entry in entries:
        out.line(f"handed to the outbox runner for {entry.phone_number} ({entry.id}): it sends at the account's "
                 "rate")
    out.document({"ok": True, "handed_over": True, "outbox": str(outbox.directory),
                  "queued": [e.describe() for e in entries], **segments, "exit_code": EXIT_OK})
    return True


def _report_send(result: BulkResult, out: Output) -> int:
    from ..delivery.queued_send import QueuedSend

    parts = f" in {len(result.parts)} parts" if len(result.parts) > 1 else ""
    queued = set(result.queued_numbers) if isinstance(result, QueuedSend) else set()
    unqueued = result.unqueued if isinstance(result, QueuedSend) else {}
    for r in result.results:
        if r.phone_number in unqueued:
            out.note(f"NOT sent to {r.phone_number} and NOT queued: the API could not take it now "
                     f"({r.error if r.error else '?'}); {unqueued[r.phone_number]} Send it again to "
                     f"{r.phone_number} only.")
        elif r.phone_number in queued:
            out.line(f"queued for {r.phone_number}: the API could not take it now "
                     f"({r.error if r.error else '?'}); it waits in the outbox for 'gosms outbox flush'")
        elif r.ok:
            out.line(f"sent to {r.phone_number}{parts}: {', '.join(r.ids)}")
        else:
            done = f" ({len(r.ids)} of {len(result.parts)} parts went out: {', '.join(r.ids)})" if r.ids else ""
            maybe = (" It may have been sent anyway: the answer was lost and the server could not be checked."
                     if r.error is not None and r.error.maybe_sent else "")
            why = describe(r.error, out.command) if r.error else "?"
            out.note(f"NOT sent to {r.phone_number}{done}: {why}{maybe}")
        for note in r.notes:
            out.note(f"{r.phone_number}: {note}")
    if result.ok or (isinstance(result, QueuedSend) and result.accepted):
        return EXIT_OK
    went = ", ".join(r.phone_number for r in result.sent) or "nobody"
    missed = ", ".join(r.phone_number for r in result.failed)
    out.note(f"sent to {len(result.sent)} of {len(result.results)} number(s); got it: {went}; did NOT get it: "
             f"{missed}")
    return EXIT_FAILURE


def _wait_all(client: Client, result: BulkResult, args: argparse.Namespace, out: Output
              ) -> tuple[bool, list[dict[str, Any]]]:
    end = time.monotonic() + wait_timeout(args)
    report: list[dict[str, Any]] = []
    all_delivered = True
    for recipient in result.sent + [r for r in result.failed if r.ids]:
        for message_id in recipient.ids:
            message = client.wait_for_delivery(message_id, timeout=max(0.0, end - time.monotonic()),
                                               interval=args.wait_interval)
            ok = show_delivery(message, out)
            all_delivered = all_delivered and ok
            report.append(dict(message.as_dict(), delivered=ok))
    return all_delivered, report


def wait_timeout(args: argparse.Namespace) -> float:
    return float(args.wait_timeout) if args.wait_timeout is not None else DEFAULT_WAIT_TIMEOUT


def show_delivery(message: Message, out: Output) -> bool:
    """Print a final or timed-out state; True only for delivered."""
    delivered = message.final and not message.failed
    if delivered:
        out.line(f"{message.id} to {message.phone_number}: {message.status_label}")
    elif message.final:
        out.note(f"{message.id} to {message.phone_number}: {message.status_label} (status {message.status}); "
                 "the phone could not send it: check the phone, its SIM and its balance.")
    else:
        out.note(f"{message.id} to {message.phone_number}: still {message.status_label} when the wait ran out; "
                 "is the sending phone online?")
    return delivered
