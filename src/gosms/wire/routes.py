"""Routes and the record of an alert followed to the handset: what was tried, how each try ended.

An alert is accepted by GoSMS long before anyone reads it: a phone still has to take it (status 0
-> 1), send it (2) and the network report it delivered (4), or not (3, 5).  A route is a phone
(``device_id``) and optionally a SIM slot; an alert given several routes goes out on the first and,
when that one fails or makes no progress within ``deliver_within`` seconds, through the next,
each route at most once.  This module holds the record and the verdicts read from statuses, with
no I/O: the flow in :mod:`.following` reads statuses, cancels and resends; the outbox stores the
record (:meth:`Followed.as_dict`) so following survives a killed process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from . import validation as v
from .models import MessageStatus
from .retry import DEFAULT_DELIVER_WITHIN

__all__ = [
    "DEFAULT_DELIVER_WITHIN",
    "DELIVERED",
    "TRACKING",
    "UNDELIVERED",
    "Followed",
    "Leg",
    "Route",
    "parse_route",
    "routes_of",
]

TRACKING, DELIVERED, UNDELIVERED = "tracking", "delivered", "undelivered"

# How a leg (one route's try) ended; "" while it is still open.
OPEN, LEG_DELIVERED, LEG_FAILED, LEG_STUCK, LEG_SKIPPED, LEG_REFUSED = (
    "", "delivered", "failed", "stuck", "skipped", "refused")
# What became of the cancel of a leg's copy that did not leave its phone.
CANCELLED, CANCEL_REFUSED, CANCEL_TOO_LATE = "cancelled", "refused", "too late"


@dataclass(frozen=True)
class Route:
    """A phone and optionally its SIM slot; both None is the account's own choice of phone."""

    device_id: Optional[str] = None
    to_sim: Optional[int] = None

    @property
    def label(self) -> str:
        if self.device_id is None:
            return "any phone"
        return self.device_id + (f":{self.to_sim}" if self.to_sim is not None else "")

    def as_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "to_sim": self.to_sim}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Route:
        sim = data.get("to_sim")
        return cls(data.get("device_id") or None, int(sim) if sim is not None else None)


def parse_route(text: Any) -> Route:
    """``DEVICE`` or ``DEVICE:SIM`` as a user writes it, checked with the API's own codes (2005, 2008)."""
    raw = str(text).strip()
    device, sep, sim = raw.rpartition(":") if ":" in raw else (raw, "", "")
    device_id = v.check_device_id(device)
    return Route(device_id, v.check_to_sim(sim, device_id) if sep else None)


@dataclass
class Leg:
    """One route's try: the copy it sent (one id per part) and how it ended."""

    route: Route
    ids: list[str] = field(default_factory=list)
    sending_since: Optional[float] = None
    """Set (wall clock) before the send leaves, cleared once every part has its id: a process
    killed in between leaves it set, and the next round looks for the copy before sending."""
    sent_at: Optional[float] = None
    statuses: dict[str, int] = field(default_factory=dict)
    progress_at: Optional[float] = None
    """When a status last moved on (or the copy was accepted): ``deliver_within`` counts from here."""
    outcome: str = OPEN
    detail: str = ""
    cancel: str = ""
    """"" (not needed), cancelled, refused (1010: tried again later; a second copy may arrive), too late."""
    cancel_tries: int = 0

    @property
    def open(self) -> bool:
        return self.outcome == OPEN

    @property
    def may_arrive(self) -> bool:
        """A copy of this leg may still reach the handset although the alert moved on."""
        return self.outcome == LEG_STUCK and self.cancel in (CANCEL_REFUSED, CANCEL_TOO_LATE)

    def judge(self, parts: int, now: float, deliver_within: float) -> None:
        """Close the leg from its statuses: delivered, failed (3/5), or stuck (no progress in time)."""
        if not self.open or len(self.ids) < parts or self.sending_since is not None:
            return
        statuses = [self.statuses.get(i) for i in self.ids]
        failed = [s for s in statuses if s is not None and MessageStatus(s).failed]
        if failed:
            self.outcome = LEG_FAILED
            self.detail = f"{MessageStatus(failed[0]).label} (status {failed[0]})"
        elif statuses and all(s == MessageStatus.DELIVERED for s in statuses):
            self.outcome = LEG_DELIVERED
            self.detail = "delivered (status 4)"
        elif self.progress_at is not None and now - self.progress_at >= deliver_within:
            lowest = min((s for s in statuses if s is not None), default=None)
            said = MessageStatus(lowest).label if lowest is not None else "not found"
            self.outcome = LEG_STUCK
            self.detail = f"still {said} after {deliver_within:g} s without progress"

    def as_dict(self) -> dict[str, Any]:
        return {"route": self.route.as_dict(), "label": self.route.label, "ids": list(self.ids),
                "sending_since": self.sending_since, "sent_at": self.sent_at, "statuses": dict(self.statuses),
                "progress_at": self.progress_at, "outcome": self.outcome, "detail": self.detail,
                "cancel": self.cancel, "cancel_tries": self.cancel_tries}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Leg:
        return cls(route=Route.from_dict(data.get("route") or {}), ids=[str(i) for i in data.get("ids") or []],
                   sending_since=data.get("sending_since"), sent_at=data.get("sent_at"),
                   statuses={str(k): int(s) for k, s in (data.get("statuses") or {}).items()},
                   progress_at=data.get("progress_at"), outcome=str(data.get("outcome") or ""),
                   detail=str(data.get("detail") or ""), cancel=str(data.get("cancel") or ""),
                   cancel_tries=int(data.get("cancel_tries") or 0))


@dataclass
class Followed:
    """One recipient's alert from acceptance to a verdict: delivered, or undelivered on every route."""

    phone_number: str
    parts: list[str]
    routes: list[Route]
    deliver_within: float = DEFAULT_DELIVER_WITHIN
    legs: list[Leg] = field(default_factory=list)
    verdict: str = TRACKING
    callback_id: Optional[str] = None
    key: str = ""
    """The caller's name for it (the outbox entry's id)."""

    @property
    def current(self) -> Optional[Leg]:
        return self.legs[-1] if self.legs and self.legs[-1].open else None

    @property
    def possible_double(self) -> bool:
        """A copy on an earlier route could not be cancelled and may arrive as well."""
        return self.verdict == DELIVERED and any(leg.may_arrive for leg in self.legs)

    @property
    def cancels_pending(self) -> list[Leg]:
        return [leg for leg in self.legs if leg.outcome == LEG_STUCK and leg.cancel == CANCEL_REFUSED]

    @property
    def busy(self) -> bool:
        """Still something to do: following, or a refused cancel to try again."""
        return self.verdict == TRACKING or bool(self.cancels_pending)

    def tried(self, route: Route) -> bool:
        return any(leg.route == route for leg in self.legs)

    def next_route(self) -> Optional[Route]:
        """The first route not yet tried, in the order given."""
        return next((r for r in self.routes if not self.tried(r)), None)

    def story(self) -> str:
        """Each route's try in a few words, in order: what a person reads in an alert about an alert."""
        words = []
        for leg in self.legs:
            text = f"{leg.route.label}: {leg.detail or leg.outcome or 'in progress'}"
            if leg.cancel == CANCELLED:
                text += ", cancelled"
            elif leg.cancel == CANCEL_REFUSED:
                text += ", cancel refused for now (1010): a second copy may arrive"
            elif leg.cancel == CANCEL_TOO_LATE:
                text += ", too late to cancel: a second copy may arrive"
            words.append(text)
        return "; ".join(words) or "not sent yet"

    def decisions(self) -> dict[str, Any]:
        """The record without the statuses read along the way: what was decided and done."""
        data = self.as_dict()
        for leg in data["legs"]:
            leg.pop("statuses")
            leg.pop("progress_at")
        return data

    def as_dict(self) -> dict[str, Any]:
        return {"phone_number": self.phone_number, "parts": list(self.parts),
                "routes": [r.as_dict() for r in self.routes], "deliver_within": self.deliver_within,
                "legs": [leg.as_dict() for leg in self.legs], "verdict": self.verdict,
                "callback_id": self.callback_id, "key": self.key, "possible_double": self.possible_double,
                "story": self.story()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Followed:
        return cls(phone_number=str(data["phone_number"]), parts=[str(p) for p in data.get("parts") or []],
                   routes=[Route.from_dict(r) for r in data.get("routes") or []],
                   deliver_within=float(data.get("deliver_within", DEFAULT_DELIVER_WITHIN)),
                   legs=[Leg.from_dict(leg) for leg in data.get("legs") or []],
                   verdict=str(data.get("verdict") or TRACKING), callback_id=data.get("callback_id"),
                   key=str(data.get("key") or ""))


def routes_of(device_id: Optional[str], to_sim: Optional[int], via: Sequence[Route] = ()) -> list[Route]:
    """The routes a send names, in order: its device (and SIM) as one route, then ``via``; without
    either, the account's own choice of phone.  A route named twice is tried once."""
    first = [Route(device_id, to_sim)] if device_id is not None or not via else []
    return list(dict.fromkeys([*first, *via]))
