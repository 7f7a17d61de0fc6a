"""Folding an alert storm into a few SMS per recipient: which alerts go alone, which wait for a digest.

Why: a host with 200 services going down makes its monitoring tool send 200 alerts within seconds.
As 200 SMS they burn the month's quota, get the SIM throttled by its carrier and are read by
nobody.  The first few alerts to a number go alone (the on-call learns at once that something is
wrong); the rest of the window wait and leave as one digest: counts by state, the hosts and
services that fit, the window's times.  While alerts keep coming, one digest per window follows;
a window without alerts ends the storm, and the next alert goes alone again.

A PROBLEM whose RECOVERY arrives while it still waits is a flap: neither goes alone, the digest
counts it.  When the month's quota is down to its reserve, only urgent alerts (CRITICAL, DOWN)
and their recoveries go alone; the rest fold as well.

No I/O and no clock here: :mod:`gosms.delivery.digest` reads the outbox, asks :func:`plan_folding`
what to do with one recipient's alerts and writes the answer back.  The same rules serve every
tool that queues alerts (notify_gosms, ``gosms send --queue``, the relay).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from .fold_policy import DEFAULT_POLICY, FoldPolicy, parse_fold
from .validation import MAX_MESSAGE_LENGTH, replace_invalid_chars

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_RESERVE",
    "Alert",
    "FoldPlan",
    "FoldPolicy",
    "digest_text",
    "parse_fold",
    "plan_folding",
    "reserve_in_force",
    "reserve_sentence",
]

DEFAULT_RESERVE = 0.10
"""The share of the month's quota kept for urgent alerts once a tariff is known."""
RESERVE_NOTE = "only CRITICAL/DOWN alerts and recoveries go out alone, the rest fold into digests"

URGENT = frozenset({"CRITICAL", "DOWN", "UNREACHABLE"})
"""States that go out even when the quota is down to its reserve."""
RECOVERED = frozenset({"OK", "UP"})


def reserve_in_force(used: int, quota: int, reserve: float = DEFAULT_RESERVE) -> bool:
    """Whether less than ``reserve`` (a share) of the month's ``quota`` is left after ``used``."""
    return quota > 0 and quota - used < reserve * quota


def reserve_sentence(used: int, quota: int, reserve: float = DEFAULT_RESERVE) -> str:
    """What a person reads when the reserve is in force (empty when it is not)."""
    if not reserve_in_force(used, quota, reserve):
        return ""
    return (f"quota reserve in force: {max(0, quota - used)} of {quota} SMS left, under {reserve:.0%}; "
            f"{RESERVE_NOTE}")


@dataclass(frozen=True)
class Alert:
    """One alert to one number as the folding sees it (the outbox entry's fields)."""

    id: str
    created: float
    text: str = ""
    kind: str = ""
    host: str = ""
    service: str = ""
    severity: str = ""

    @property
    def recovery(self) -> bool:
        return self.kind.upper() == "RECOVERY" or (not self.kind and self.severity.upper() in RECOVERED)

    @property
    def problem(self) -> bool:
        return self.kind.upper() == "PROBLEM" or (not self.kind and self.severity.upper() in URGENT)

    @property
    def urgent(self) -> bool:
        """Goes out while the reserve holds the rest: CRITICAL/DOWN, and every recovery."""
        return self.severity.upper() in URGENT or self.recovery

    @property
    def subject(self) -> tuple[str, str]:
        return (self.host, self.service)


@dataclass
class FoldPlan:
    """What to do now with one number's alerts."""

    alone: list[str] = field(default_factory=list)
    """Send these now, each as its own SMS."""
    held: dict[str, str] = field(default_factory=dict)
    """Newly held alerts and why: ``held`` (past the burst), ``flap``, ``reserve``."""
    digest: list[str] = field(default_factory=list)
    """Fold these (every held alert) into one digest now; empty while the window runs."""
    due: Optional[float] = None
    """When the held alerts' digest is due, if not now."""


def plan_folding(
    fresh: Sequence[Alert],
    held: Sequence[tuple[Alert, str]],
    sent_alone: Sequence[float],
    last_digest: Optional[float],
    policy: FoldPolicy,
    now: float,
    reserve: bool = False,
) -> FoldPlan:
    """Decide for one number: ``fresh`` alerts not yet looked at, ``held`` ones (with their reason)
    waiting for a digest, the times alerts went alone, the time of the last digest.

    An alert goes alone when none waits for a digest past the burst, no digest went within the window before it,
    fewer than ``burst`` alerts went alone in that window, and (with the ``reserve`` in force) it is
    urgent: once a storm is folding, every alert of it waits for the digest.
    """
    plan = FoldPlan()
    alone_times = sorted(sent_alone)
    waiting = {a.id: a for a, _reason in held}
    reasons = {a.id: reason for a, reason in held}
    fresh_sorted = sorted(fresh, key=lambda a: (a.created, a.id))
    storming = "held" in reasons.values()
    flapped = _flaps(fresh_sorted, [a for a, reason in held if reason != "flap"])
    for alert in fresh_sorted:
        if alert.id in flapped:
            plan.held[alert.id] = "flap"
        elif reserve and not alert.urgent:
            plan.held[alert.id] = "reserve"
        elif storming or (last_digest is not None and last_digest > alert.created - policy.window) or (
                sum(1 for t in alone_times if t > alert.created - policy.window) >= policy.burst):
            plan.held[alert.id] = "held"
            storming = True
        else:
            plan.alone.append(alert.id)
            alone_times.append(alert.created)
            continue
        waiting[alert.id] = alert
    for alert_id in flapped:  # the held PROBLEM of a flap is a flap too
        if alert_id in reasons and reasons[alert_id] != "flap":
            plan.held[alert_id] = "flap"
    if not waiting:
        return plan
    first = min(a.created for a in waiting.values())
    if last_digest is not None and last_digest > first - policy.window:
        anchor = last_digest
    else:
        anchor = min([t for t in alone_times if first - policy.window < t <= first] or [first])
    due = anchor + policy.window
    if now >= due:
        plan.digest = sorted(waiting, key=lambda i: (waiting[i].created, i))
    else:
        plan.due = due
    return plan


def _flaps(fresh: Sequence[Alert], waiting_problems: Sequence[Alert]) -> set[str]:
    """Ids of PROBLEMs that a RECOVERY for the same host and service followed before they left, and
    of those RECOVERYs."""
    open_problems: dict[tuple[str, str], list[str]] = {}
    for alert in sorted(waiting_problems, key=lambda a: (a.created, a.id)):
        if alert.problem and alert.host:
            open_problems.setdefault(alert.subject, []).append(alert.id)
    flapped: set[str] = set()
    for alert in fresh:
        if not alert.host:
            continue
        if alert.problem:
            open_problems.setdefault(alert.subject, []).append(alert.id)
        elif alert.recovery and open_problems.get(alert.subject):
            flapped.add(open_problems[alert.subject].pop())
            flapped.add(alert.id)
    return flapped


def digest_text(alerts: Sequence[tuple[Alert, str]], limit: int = MAX_MESSAGE_LENGTH,
                clock: str = "%H:%M:%S") -> str:
    """One SMS for folded alerts: ``Digest 10:00:01-10:01:00: 197 alerts: 150 CRITICAL, 47 WARNING;
    20 flaps. web01: HTTP, SSH; db1: Disk +180 more``, at most ``limit`` characters.

    Counts come first and are always there; names follow as far as they fit, flapped ones last.
    """
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    times = sorted(a.created for a, _reason in alerts)
    span = time.strftime(clock, time.localtime(times[0]))
    if times[-1] - times[0] >= 1:
        span += "-" + time.strftime(clock, time.localtime(times[-1]))
    flaps = [a for a, reason in alerts if reason == "flap"]
    plain = [a for a, reason in alerts if reason != "flap"]
    states = Counter(_state_of(a) for a in plain)
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items(), key=lambda kv: (-kv[1], kv[0])))
    head = f"Digest {span}: "
    if plain:
        head += f"{len(plain)} alert{'s' if len(plain) != 1 else ''}: {counts}" + ("; " if flaps else "")
    if flaps:
        pairs = sum(1 for a in flaps if a.problem) or len(flaps)
        head += f"{pairs} flap{'s' if pairs != 1 else ''}"
    head = _clean(head) + "."
    names = _names(plain + [a for a in flaps if a.problem])
    return _fit(head, names, limit)


def _state_of(alert: Alert) -> str:
    return _clean(alert.severity).upper() or _clean(alert.kind).upper() or "ALERT"


def _clean(text: str) -> str:
    return " ".join(replace_invalid_chars(text).split())


def _names(alerts: Sequence[Alert]) -> list[tuple[str, str]]:
    """(host, what) in order of first appearance, each once; plain alerts by the start of their text."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    for alert in alerts:
        host = _clean(alert.host)[:40]
        what = _clean(alert.service)[:40] if alert.host else _clean(alert.text)[:40]
        if (host, what) not in seen:
            seen.add((host, what))
            out.append((host, what))
    return out


def _fit(head: str, names: Sequence[tuple[str, str]], limit: int) -> str:
    """The head, then ``host: svc, svc; host2: ...`` while it fits with room for ``+N more``."""
    text = head[:limit]
    last_host: Optional[str] = None
    for index, (host, what) in enumerate(names):
        if host != last_host:
            piece = (" " if last_host is None else "; ") + (f"{host}: {what}" if host and what else host or what)
        else:
            piece = f", {what}" if what else ""
        rest = len(names) - index - 1
        more = f" +{rest} more" if rest else ""
        if len(text) + len(piece) + len(more) > limit:
            tail = f" +{len(names) - index} more"
            return text + tail if len(text) + len(tail) <= limit else text
        text += piece
        last_host = host
    return text
