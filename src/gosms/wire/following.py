"""Following accepted alerts to the handset and failing over to the next route, as generator flows.

One round (:func:`follow_round`) reads the statuses of every copy still followed, closes the legs
that were delivered, failed (3/5) or made no progress within ``deliver_within``, retries the
cancels the API refused (1010), and sends each alert that needs it through its next route.  The
outbox runs one round per flush, ``gosms send --wait`` and the clients' ``follow`` run rounds
until every alert has a verdict (:func:`follow`), so the sync and async clients, the runner and
the command decide the very same way.  The flows never touch a disk: ``checkpoint`` is called with
an alert whenever its record changed, before any request that depends on it leaves, so a caller
that stores it (the outbox) resumes after ``kill -9`` without forgetting an alert or sending one
twice (a send found interrupted is first looked for on the server, as after a lost answer).

Reads stay inside the account's read budget and never take from the sends': the budget is per
endpoint, a few copies are read by ``POST /sms/get`` each, and many at once from the list
(``GET /sms``, 100 a page), with ``/sms/get`` only for those the first pages did not show.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from . import flows
from .config import Token, redact
from .errors import APIError, Category, GoSMSError
from .models import Device, Message, MessageStatus
from .paging import NEWEST_FIRST, Pager
from .retry import FOLLOW_INTERVAL, RetryPolicy, is_safe_to_resend
from .routes import (
    CANCEL_REFUSED,
    CANCEL_TOO_LATE,
    CANCELLED,
    DELIVERED,
    LEG_DELIVERED,
    LEG_REFUSED,
    LEG_SKIPPED,
    LEG_STUCK,
    TRACKING,
    UNDELIVERED,
    Followed,
    Leg,
    Route,
    parse_route,
    routes_of,
)
from .steps import Flow, Sleep

__all__ = ["DEVICE_FRESH", "FOLLOW_INTERVAL", "READ_ONE_BY_ONE", "Phones", "Reads", "follow", "follow_round", "pause",
           "prepare", "start"]

READ_ONE_BY_ONE = 10
"""Up to this many copies are read with ``POST /sms/get`` each; more are read from the list."""
LIST_PAGE = 100
LIST_PAGES_MAX = 20
"""Pages a round reads at most (2,000 messages): the rest of the ids are read one by one."""
DEVICE_FRESH = 60.0
"""Seconds a phone's device info is trusted before it is read again."""
ROUNDS_PER_WINDOW = 20
"""A runner reads each followed alert about this many times within its ``deliver_within``: often
enough to move on soon after a route is stuck, rarely enough to leave the read budget alone."""

Checkpoint = Callable[[Followed], None]


@dataclass
class Reads:
    """Read requests made by the rounds (what the benchmark divides by the alerts followed)."""

    gets: int = 0
    lists: int = 0
    devices: int = 0


@dataclass
class Phones:
    """Device info of the routes' phones, read at most every ``fresh`` seconds each."""

    fresh: float = DEVICE_FRESH
    known: dict[str, tuple[float, bool, str]] = field(default_factory=dict)

    def usable(self, base_url: str, token: Token, policy: RetryPolicy, device_id: str, now: float,
               reads: Reads) -> Flow:
        """(usable, why not): a phone switched off in the account or silent longer than a heartbeat
        is skipped up front; a phone that cannot be read is tried (the send will tell)."""
        cached = self.known.get(device_id)
        if cached is not None and now - cached[0] < self.fresh:
            return cached[1], cached[2]
        reads.devices += 1
        try:
            device: Device = yield from flows.device_info(base_url, token, device_id, policy)
        except APIError as exc:
            if exc.info.category is Category.NOT_FOUND or exc.info.category is Category.DEVICE:
                verdict = (False, f"phone not in the account ({exc.code})")
            else:
                verdict = (True, "")
        except GoSMSError:
            verdict = (True, "")
        else:
            if not device.is_active:
                verdict = (False, "phone switched off in the account (is_active false)")
            elif not device.online():
                seen = device.seconds_since_seen()
                ago = f"{seen / 60:.0f} min ago" if seen is not None else "never"
                verdict = (False, f"phone offline (last seen {ago})")
            else:
                verdict = (True, "")
        self.known[device_id] = (now, verdict[0], verdict[1])
        return verdict


def read_statuses(base_url: str, token: Token, policy: RetryPolicy, ids: list[str], reads: Reads,
                  since: Optional[float] = None) -> Flow:
    """Status per id; None for a message the API no longer knows (1008).  Ids it could not read this
    time are left out: the next round tries again.

    Many ids are read from the list, newest first, until every one was seen or the list is older
    than ``since`` (the earliest of them was sent then): other traffic of the account may stand in
    front of them, so the walk is bounded by time and by ``LIST_PAGES_MAX``, not by their count."""
    found: dict[str, Optional[int]] = {}
    wanted = set(ids)
    if len(wanted) > READ_ONE_BY_ONE:
        pager = Pager(LIST_PAGE, max_pages=LIST_PAGES_MAX, ordered=False)
        try:
            while not pager.done and len(found) < len(wanted):
                items: list[Message] = yield from pager.step(base_url, token, policy)
                found.update({m.id: m.status for m in items if m.id in wanted})
                if (since is not None and pager.order == NEWEST_FIRST and items
                        and items[-1].time_create < since - flows.CLOCK_SLACK):
                    break
        except GoSMSError:
            pass  # read one by one below, as many as a round allows
        finally:
            reads.lists += pager.requests
    for message_id in [i for i in ids if i not in found][:READ_ONE_BY_ONE]:
        reads.gets += 1
        try:
            message: Message = yield from flows.get(base_url, token, message_id, policy)
        except APIError as exc:
            if exc.info.category is Category.NOT_FOUND:
                found[message_id] = None
            continue
        except GoSMSError:
            continue
        found[message_id] = message.status
    return found


def follow_round(
    base_url: str,
    token: Token,
    policy: RetryPolicy,
    items: list[Followed],
    *,
    phones: Optional[Phones] = None,
    reads: Optional[Reads] = None,
    checkpoint: Checkpoint = lambda item: None,
    wall_clock: Callable[[], float] = time.time,
) -> Flow:
    """One round over ``items`` (see the module); returns the items that changed."""
    phones = phones if phones is not None else Phones()
    reads = reads if reads is not None else Reads()
    now = wall_clock()
    legs = [leg for f in items for leg in f.legs if leg.ids and (leg.open or leg.cancel == CANCEL_REFUSED)]
    watched = [i for leg in legs for i in leg.ids]
    since = min((leg.sent_at or leg.sending_since or now for leg in legs), default=now)
    statuses = (yield from read_statuses(base_url, token, policy, watched, reads, since)) if watched else {}
    changed: list[Followed] = []
    for item in items:
        before = Followed.from_dict(item.as_dict())
        yield from _one(base_url, token, policy, item, statuses, phones, reads, checkpoint, now)
        if _worth_storing(before, item):
            changed.append(item)
            checkpoint(item)
    return changed


def _worth_storing(before: Followed, after: Followed) -> bool:
    """Whether a round changed what a restarted follower must know.

    Every decision is (routes tried, outcomes, cancels, the verdict).  A status that merely moved on
    is stored only once the stored clock of progress would be a quarter of ``deliver_within``
    behind: writing two hundred followed alerts at each step of their phones costs the disk (and
    with it the sends of this machine) more than it saves.  A follower that reads the record back
    each round (the outbox's runner) so judges a route stuck at most that much late, and one
    restarted after a kill at most that much early."""
    if before.decisions() != after.decisions():
        return True
    slack = after.deliver_within / 4
    return any((leg.progress_at or 0.0) - (old.progress_at or 0.0) >= slack
               for old, leg in zip(before.legs, after.legs))


def _one(base_url: str, token: Token, policy: RetryPolicy, item: Followed, statuses: dict[str, Optional[int]],
         phones: Phones, reads: Reads, checkpoint: Checkpoint, now: float) -> Flow:
    for leg in item.legs:
        for message_id in leg.ids:
            if message_id in statuses:
                status = statuses[message_id]
                if status is not None and status != leg.statuses.get(message_id):
                    leg.statuses[message_id] = status
                    leg.progress_at = now
    for leg in item.cancels_pending:
        yield from _cancel(base_url, token, policy, leg)
    current = item.current
    if current is not None and current.sending_since is not None:
        # A send that a killed process (or a lost answer) left: look for it, then finish it.
        yield from _send(base_url, token, policy, item, current, checkpoint, now)
        current = item.current
    if current is not None:
        current.judge(len(item.parts), now, item.deliver_within)
        if current.outcome == LEG_DELIVERED:
            item.verdict = DELIVERED
    if item.verdict == TRACKING and item.current is None:
        yield from _next_route(base_url, token, policy, item, phones, reads, checkpoint, now)


def _next_route(base_url: str, token: Token, policy: RetryPolicy, item: Followed, phones: Phones, reads: Reads,
                checkpoint: Checkpoint, now: float) -> Flow:
    """Send through the next usable route (cancelling the stuck copy first), or give the verdict."""
    stuck = item.legs[-1] if item.legs and item.legs[-1].outcome == LEG_STUCK else None
    while True:
        route = item.next_route()
        if route is None:
            item.verdict = UNDELIVERED
            return
        if route.device_id is not None:
            usable, why = yield from phones.usable(base_url, token, policy, route.device_id, now, reads)
            if not usable:
                item.legs.append(Leg(route, outcome=LEG_SKIPPED, detail=f"skipped: {why}"))
                continue
        if stuck is not None and not stuck.cancel:
            yield from _cancel(base_url, token, policy, stuck)
        leg = Leg(route, sending_since=now)
        item.legs.append(leg)
        checkpoint(item)  # on disk before the request leaves
        yield from _send(base_url, token, policy, item, leg, checkpoint, now)
        if leg.outcome != LEG_REFUSED:
            return


def _send(base_url: str, token: Token, policy: RetryPolicy, item: Followed, leg: Leg, checkpoint: Checkpoint,
          now: float) -> Flow:
    """Send the leg's missing parts through its route; a send found interrupted is looked for first."""
    known = {i for other in item.legs for i in other.ids}
    since = leg.sending_since if leg.sending_since is not None else now
    resumed = since < now
    try:
        for part in item.parts[len(leg.ids):]:
            found = None
            if resumed:
                try:
                    found = yield from flows.find_sent(base_url, token, item.phone_number, part, since, known,
                                                       policy)
                except APIError as exc:
                    if exc.info.category is not Category.PERMISSION:
                        raise
            if found is None:
                result: flows.SendResult = yield from flows.send(
                    base_url, token, item.phone_number, part, device_id=leg.route.device_id,
                    to_sim=leg.route.to_sim, callback_id=item.callback_id, policy=policy, known_ids=known)
                found = result.id
            known.add(found)
            leg.ids.append(found)
            checkpoint(item)
    except GoSMSError as exc:
        if _route_refused(exc):
            leg.outcome, leg.detail, leg.sending_since = LEG_REFUSED, f"refused: {redact(str(exc), token)}", None
            return
        leg.detail = f"send to retry: {redact(str(exc), token)}"  # sending_since stays: the next round looks first
        return
    leg.sending_since = None
    leg.sent_at = leg.progress_at = now
    leg.detail = "accepted (status 0)"


def _route_refused(exc: GoSMSError) -> bool:
    """The route itself was refused (its phone gone or switched off, a SIM it lacks): try the next."""
    return isinstance(exc, APIError) and not exc.info.retryable and (
        exc.info.category in (Category.DEVICE, Category.VALIDATION, Category.NOT_FOUND))


def _cancel(base_url: str, token: Token, policy: RetryPolicy, leg: Leg) -> Flow:
    """Delete the copies that have not left their phone (status 0); 1010 is tried again next round."""
    if any(leg.statuses.get(i, 0) != MessageStatus.WAITING for i in leg.ids):
        leg.cancel = CANCEL_TOO_LATE  # a phone took it: deleting the record would not stop the SMS
        return
    leg.cancel_tries += 1
    try:
        for message_id in leg.ids:
            yield from flows.delete(base_url, token, message_id, policy)
    except APIError as exc:
        if exc.info.category is Category.NOT_FOUND:
            leg.cancel = CANCELLED
            return
        leg.cancel = CANCEL_REFUSED
        return
    except GoSMSError as exc:
        if not is_safe_to_resend(exc):
            leg.cancel = CANCEL_REFUSED  # the delete may or may not have happened: ask again
            return
        leg.cancel = CANCEL_REFUSED
        return
    leg.cancel = CANCELLED


def pause(items: Sequence[Followed]) -> float:
    """Seconds a runner may wait before the next round over these alerts."""
    windows = [i.deliver_within for i in items if i.busy and i.deliver_within > 0]
    return max(FOLLOW_INTERVAL, min(windows, default=0.0) / ROUNDS_PER_WINDOW)


def follow(
    base_url: str,
    token: Token,
    policy: RetryPolicy,
    items: list[Followed],
    *,
    timeout: float,
    interval: float = FOLLOW_INTERVAL,
    phones: Optional[Phones] = None,
    reads: Optional[Reads] = None,
    checkpoint: Checkpoint = lambda item: None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> Flow:
    """Rounds until every item has a verdict or ``timeout`` seconds passed; returns the items."""
    phones = phones if phones is not None else Phones()
    end = clock() + timeout
    while True:
        yield from follow_round(base_url, token, policy, [i for i in items if i.busy], phones=phones,
                                reads=reads, checkpoint=checkpoint, wall_clock=wall_clock)
        remaining = end - clock()
        if all(i.verdict != TRACKING for i in items) or remaining <= 0:
            return items
        yield Sleep(min(interval, remaining))


def start(phone_number: str, parts: list[str], routes: list[Route], deliver_within: float,
          callback_id: Optional[str] = None, key: str = "") -> Followed:
    """A fresh record: nothing sent yet; the first round sends through the first usable route."""
    return Followed(phone_number, list(parts), list(routes) or [Route()], deliver_within,
                    callback_id=callback_id, key=key)


def prepare(to: Union[str, Sequence[str]], message: str, routes: Sequence[Union[Route, str]], deliver_within: float,
            timeout: Optional[float], **send_options: Any) -> tuple[list[Followed], float]:
    """What the clients' ``deliver`` follows: a fresh record per recipient, all input checked first
    (the send's rules, each route's device id and SIM), and the time to wait for the verdicts
    (each route's ``deliver_within`` and a minute, unless ``timeout`` says)."""
    from .outcomes import plan_send

    if deliver_within <= 0:
        raise ValueError("deliver_within must be above 0: an alert followed for no time has no verdict")
    plan = plan_send(to, message, **send_options)
    chosen = routes_of(plan.device_id, plan.to_sim, [r if isinstance(r, Route) else parse_route(r) for r in routes])
    items = [start(phone, list(plan.parts), chosen, deliver_within, callback_id=plan.callback_id, key=phone)
             for phone in plan.recipients]
    return items, timeout if timeout is not None else deliver_within * len(chosen) + 60
