"""An outbox entry and what a flush reports: the records the outbox keeps, checked on every load.

Apart from :mod:`.outbox` (the queue and its flush) so each reads on its own: what an alert on disk
holds and which values each field may take here, how the queue moves them there.  The token is
never stored: an entry carries a salted fingerprint of the account (:func:`account_fingerprint`).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ..wire.config import Token
from ..wire.errors import GoSMSError
from .record import ALERT_FIELDS, VERSION, account_fingerprint
from .spool import BadEntry, check_record

__all__ = [
    "ALERT_FIELDS", "FOLLOWED", "PENDING", "STATES", "Corrupt", "Entry", "FlushReport", "account_fingerprint",
    "parse_entry",
]


STATES: tuple[str, ...] = (
    "new", "sending", "folded", "tracking", "sent", "delivered", "undelivered", "expired", "failed",
)
"""In the order an entry moves on: when a crash left two copies, the later state is the true one."""
PENDING: tuple[str, ...] = ("new", "sending")
FOLLOWED: tuple[str, ...] = ("tracking", "delivered", "undelivered")
"""States of an alert followed to the handset; delivered and undelivered ones may still have a
refused cancel (1010) to try again."""


# -- entries -----------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One recipient's alert waiting in the outbox."""

    id: str
    created: float
    phone_number: str
    parts: list[str]
    api_url: str
    account: str
    salt: str
    device_id: Optional[str] = None
    to_sim: Optional[int] = None
    callback_id: Optional[str] = None
    sent_ids: list[str] = field(default_factory=list)
    """Ids of the parts already sent (a long alert split in parts goes on where it stopped)."""
    attempts: int = 0
    last_attempt: Optional[float] = None
    last_error: str = ""
    in_flight_since: Optional[float] = None
    """Set while a flush sends it; found set by the next flush, the attempt's answer was lost."""
    maybe_sent_since: Optional[float] = None
    """An earlier attempt may have reached the server: look for the message before sending."""
    source: str = ""
    follow: Optional[dict[str, Any]] = None
    """The record of an alert followed to the handset (:meth:`gosms.wire.routes.Followed.as_dict`):
    its routes and each route's try; None for an alert that is not followed."""
    kind: str = ""
    """The alert's type (PROBLEM, RECOVERY, ...), or ``digest`` for an SMS that carries folded alerts."""
    host: str = ""
    service: str = ""
    severity: str = ""
    """The alert's state as its tool says it (CRITICAL, DOWN, OK, ...): what a digest counts by."""
    fold_burst: int = 0
    fold_window: float = 0.0
    """Folding asked for by the tool that queued it (0: off; see :mod:`gosms.wire.folding`)."""
    fold_reason: str = ""
    """Why the runner held it back: ``held`` (past the burst), ``flap``, ``reserve`` (quota)."""
    folded_into: str = ""
    """The digest entry that carried it (its ``sent_ids`` are the SMS)."""
    carries: list[str] = field(default_factory=list)
    """A digest's alerts, by entry id: a crash between writing the digest and folding them loses none."""
    state: str = "new"
    """The folder it was read from; not stored in the file."""

    @property
    def message(self) -> str:
        return "".join(self.parts)

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    def age(self, now: Optional[float] = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.created)

    def belongs_to(self, api_url: str, token: Union[Token, str]) -> bool:
        return self.api_url == api_url.rstrip("/") and secrets.compare_digest(
            self.account, account_fingerprint(api_url, token, self.salt))

    def as_dict(self) -> dict[str, Any]:
        """The file's content; the token is not in it, only the account's salted fingerprint."""
        data = {name: getattr(self, name) for name in _STORED}
        data["version"] = VERSION
        return data

    def describe(self) -> dict[str, Any]:
        """What a listing shows: no account fingerprint or salt, which mean nothing to a person."""
        data = {k: v for k, v in self.as_dict().items() if k not in ("account", "salt", "version")}
        data.update(state=self.state, age=round(self.age(), 1), message=self.message)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], state: str) -> Entry:
        """An entry from its file's content; :class:`~gosms.delivery.spool.BadEntry` if it is not sound."""
        check_record(data, _KINDS, _REQUIRED)
        fields = {name: data[name] for name in _STORED if name in data}
        fields["parts"] = [str(part) for part in fields.get("parts", [])]
        fields["sent_ids"] = [str(i) for i in fields.get("sent_ids", [])]
        fields["carries"] = [str(i) for i in fields.get("carries", [])]
        return cls(**fields, state=state)


_STORED = (
    "id", "created", "phone_number", "parts", "api_url", "account", "salt", "device_id", "to_sim",
    "callback_id", "sent_ids", "attempts", "last_attempt", "last_error", "in_flight_since",
    "maybe_sent_since", "source", "follow", "kind", "host", "service", "severity", "fold_burst", "fold_window",
    "fold_reason", "folded_into", "carries",
)
_TEXT, _NUMBER, _WHOLE, _LIST = (str,), (int, float), (int,), (list,)
_KINDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": (_TEXT, False), "created": (_NUMBER, False), "phone_number": (_TEXT, False), "parts": (_LIST, False),
    "api_url": (_TEXT, False), "account": (_TEXT, False), "salt": (_TEXT, False), "device_id": (_TEXT, True),
    "to_sim": (_WHOLE, True), "callback_id": (_TEXT, True), "sent_ids": (_LIST, False),
    "attempts": (_WHOLE, False), "last_attempt": (_NUMBER, True), "last_error": (_TEXT, False),
    "in_flight_since": (_NUMBER, True), "maybe_sent_since": (_NUMBER, True), "source": (_TEXT, False),
    "follow": ((dict,), True), "kind": (_TEXT, False), "host": (_TEXT, False), "service": (_TEXT, False),
    "severity": (_TEXT, False), "fold_burst": (_WHOLE, False), "fold_window": (_NUMBER, False),
    "fold_reason": (_TEXT, False), "folded_into": (_TEXT, False), "carries": (_LIST, False),
}
"""What each stored field may hold: an entry a person or another program edited is checked before
it is trusted, so one bad file cannot crash a flush and hold every later alert back."""
_REQUIRED = ("id", "created", "phone_number", "parts", "api_url", "account", "salt")


@dataclass
class Corrupt:
    """A file of the outbox that is not a sound entry: set aside, never sent, reported."""

    name: str
    reason: str
    where: str
    """``corrupt`` once set aside, else the state folder it still is in (a listing does not move it)."""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "reason": self.reason, "where": self.where}


def parse_entry(raw: bytes, name: str, state: str) -> Entry:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadEntry(f"not JSON ({exc})") from None
    entry = Entry.from_dict(data, state)
    if f"{entry.id}.json" != name or os.sep in entry.id:
        raise BadEntry(f"its id {entry.id!r} is not its file name")
    if entry.attempts < 0 or not entry.parts:
        raise BadEntry("a negative attempt count or no text")
    return entry


# -- the flush's report -------------------------------------------------------------------------------


@dataclass
class FlushReport:
    """What one flush did, and what is still waiting."""

    sent: list[Entry] = field(default_factory=list)
    recovered: list[Entry] = field(default_factory=list)
    """Found on the server after a lost answer or a killed flush: counted as sent, not sent again."""
    expired: list[Entry] = field(default_factory=list)
    failed: list[tuple[Entry, GoSMSError]] = field(default_factory=list)
    other_account: list[Entry] = field(default_factory=list)
    """Queued through another API address or token: this client may not send them."""
    pending: list[Entry] = field(default_factory=list)
    stopped_by: Optional[GoSMSError] = None
    """The error that ended the flush early (the API still unreachable, the account refused)."""
    busy: bool = False
    """Another flush held the outbox for longer than this one would wait."""
    corrupt: list[Corrupt] = field(default_factory=list)
    """Files this flush found unsound and set aside in ``corrupt/`` (never sent); the rest went on."""
    delivered: list[Entry] = field(default_factory=list)
    undelivered: list[Entry] = field(default_factory=list)
    following: list[Entry] = field(default_factory=list)
    """Alerts still followed to the handset after this flush (their next round is due soon)."""
    follow_again: Optional[float] = None
    """Seconds until the next round of following is due (None: nothing is followed)."""
    next_due: Optional[float] = None
    """When the next digest is due (wall clock): the runner wakes for it."""

    @property
    def ok(self) -> bool:
        """Nothing left waiting, and nothing given up on by this flush."""
        return not (self.pending or self.expired or self.failed or self.busy or self.undelivered)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sent": [e.describe() for e in self.sent],
            "recovered": [e.id for e in self.recovered],
            "expired": [e.describe() for e in self.expired],
            "failed": [dict(e.describe(), error=str(exc)) for e, exc in self.failed],
            "other_account": [e.id for e in self.other_account],
            "pending": [e.describe() for e in self.pending],
            "stopped_by": str(self.stopped_by) if self.stopped_by is not None else None,
            "busy": self.busy,
            "corrupt": [c.as_dict() for c in self.corrupt],
            "delivered": [e.describe() for e in self.delivered],
            "undelivered": [e.describe() for e in self.undelivered],
            "following": [e.describe() for e in self.following],
        }
