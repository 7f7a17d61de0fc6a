"""``main()``: the check_gosms plugin (console script and the drop-in ``nagios/check_gosms``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import Any, Optional

import nagiosplugin  # type: ignore[import-untyped]

from gosms.clients.sync import Client
from gosms.transports.stdlib import StdlibHTTP
from gosms.wire.errors import GoSMSError
from gosms.wire.validation import MAX_PAGE_LIMIT

from ..common.budget import Budget, budget_for_timeout
from ..common.hint_words import CHECK_FLAGS, explain
from .cli import STATUS_PREFIX, parse_args, unknown_exit
from .contexts import (
    ApiTimeContext,
    DeliveryContext,
    ErrorContext,
    NoteContext,
    PerfOnlyContext,
    PhoneActiveContext,
    PhoneBatteryContext,
    PhoneSeenContext,
    QuotaContext,
    SkippedContext,
)
from .reads import CheckClient
from .resources import Account, Delivery, Phone, Quota, Session
from .summary import GoSMSSummary

__all__ = ["GoSMSCheck", "build_check", "main", "worst_state"]

# Worst last: the order of the Monitoring Plugins' max_state_alt().  CRITICAL outranks UNKNOWN, so a
# token that may not read phones (UNKNOWN) does not hide a quota past -c (CRITICAL), and an UNKNOWN
# part is not hidden by the OK ones.
_STATE_ORDER = (nagiosplugin.Ok, nagiosplugin.Unknown, nagiosplugin.Warn, nagiosplugin.Critical)


def worst_state(states: Iterable[Any]) -> Any:
    """The state a check with these part states reports (UNKNOWN when there is none)."""
    ranked = [state for state in states if state in _STATE_ORDER]
    return max(ranked, key=_STATE_ORDER.index) if ranked else nagiosplugin.Unknown


class GoSMSCheck(nagiosplugin.Check):  # type: ignore[misc]
    """nagiosplugin's Check with the Monitoring Plugins' ranking of states, and the GOSMS prefix.

    nagiosplugin ranks by exit code, which puts UNKNOWN (3) above CRITICAL (2).  The prefix is set
    after construction: nagiosplugin 1.3 (Debian 12's python3-nagiosplugin) has no ``name=``.
    """

    def __init__(self, *objects: Any) -> None:
        super().__init__(*objects)
        self.name = STATUS_PREFIX

    @property
    def state(self) -> Any:
        return worst_state(result.state for result in self.results)

    @property
    def exitcode(self) -> int:
        return int(self.state)



def first_page(args: argparse.Namespace) -> int:
    """How many of the newest messages the account check reads: the page a later part reads as well.

    The quota's count starts with a page of its size, and the delivery window is the first
    ``--delivery-window`` messages (a page of up to the API's maximum); a plain account check asks
    for one message, the cheapest read.
    """
    if args.quota:
        from gosms.wire.usage import PAGE_SIZE  # only a quota check counts the month

        return PAGE_SIZE
    if args.delivery_window:
        return int(min(args.delivery_window, MAX_PAGE_LIMIT))
    return 1


def build_check(args: argparse.Namespace, client: Client, budget: Budget) -> Any:
    """The nagiosplugin Check for these arguments: the account always, the rest when asked for."""
    session = Session(client, budget, first_page(args))
    objects: list[Any] = [
        Account(session),
        ApiTimeContext(),
        ErrorContext(),
        SkippedContext(),
        PerfOnlyContext(),
        GoSMSSummary(),
    ]
    if args.outbox and not (args.quota or args.devices or args.delivery_window):
        # The outbox alone is read from disk: its service says what became of the alerts, and a
        # blocked account is the account service's to report (once), not this one's as well.
        objects = [GoSMSSummary()]
    if args.quota:
        from gosms.delivery.usage_state import StateFile, default_state_path  # only a quota check keeps a state

        path = args.state_file or default_state_path(client.api_url, client.token)
        objects += [
            Quota(session, args.quota, StateFile(path, client.api_url), args.reserve),
            QuotaContext(args.warning, args.critical),
            NoteContext("state_file"),
            NoteContext("quota_reserve"),
        ]
    if args.devices:
        objects += [Phone(session, device_id) for device_id in args.devices]
        objects += [
            PhoneActiveContext(),
            PhoneSeenContext(args.offline_warning, args.offline_critical),
            PhoneBatteryContext(args.battery_warning, args.battery_critical),
        ]
    if args.delivery_window:
        objects += [
            Delivery(session, args.delivery_window),
            DeliveryContext(args.delivery_warning, args.delivery_critical),
        ]
    if args.outbox:
        from .outbox_part import OutboxContext, OutboxPart

        objects += [OutboxPart(args.outbox, args.outbox_window, args.outbox_stale), OutboxContext()]
    return GoSMSCheck(*objects)


def _trace_http(verbose: int) -> None:
    """At -vvv, the core client's request log (method, URL, status, time; never the token)."""
    if verbose < 3:
        return
    core = logging.getLogger("gosms")
    core.setLevel(logging.DEBUG)
    core.addHandler(nagiosplugin.Runtime().logchan)


@nagiosplugin.guarded(verbose=0)  # type: ignore[untyped-decorator]
def main(argv: Optional[Sequence[str]] = None) -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    args = parse_args(argv)
    try:
        client = CheckClient(api_url=args.api_url, token_file=args.token_file,
                             allow_insecure_http=args.allow_insecure_http, transport=StdlibHTTP())
    except GoSMSError as exc:  # ConfigError: no token, unreadable token file, unsafe URL
        unknown_exit(explain(exc, CHECK_FLAGS))
    _trace_http(args.verbose)
    with client:
        check = build_check(args, client, Budget(budget_for_timeout(args.timeout)))
        try:
            check.main(verbose=args.verbose, timeout=args.timeout)
        except nagiosplugin.Timeout:
            unknown_exit(
                f"plugin timeout: the check did not finish within {args.timeout} s "
                f"({client.api_url}). Raise -t if the first count of a busy month needs longer."
            )
