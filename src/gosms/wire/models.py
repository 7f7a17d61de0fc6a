"""Typed views of what the API returns, tolerant of both documented shapes.

The English and Russian pages disagree on devices (``id`` + battery as a string versus ``device_id``
+ battery as a number, plus SIM fields): the parsers accept either, so the same code works against
an older and a newer server.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

__all__ = [
    "HEARTBEAT_SECONDS",
    "LOW_BATTERY_PERCENT",
    "OFFLINE_AFTER_SECONDS",
    "Device",
    "Message",
    "MessageStatus",
    "Page",
    "SimCard",
]

HEARTBEAT_SECONDS = 300
"""The GoSMS app reports to the server every 5 minutes (device page, ``last_online_date``)."""
OFFLINE_AFTER_SECONDS = HEARTBEAT_SECONDS + 60
"""A phone counts as offline once a heartbeat is overdue by more than a minute of network slack."""
LOW_BATTERY_PERCENT = 20
"""Below this, a phone that is not charging may die before the next alert; Android warns at 15-20 %."""


class MessageStatus(enum.IntEnum):
    """The documented message lifecycle: 0 → 1 → 2 → 4, or 3 / 5 on failure."""

    WAITING = 0
    PROCESSING = 1
    SENT = 2
    SEND_ERROR = 3
    DELIVERED = 4
    DELIVERY_ERROR = 5

    @property
    def final(self) -> bool:
        """No further change is expected: delivered, or failed for good."""
        return self in (MessageStatus.SEND_ERROR, MessageStatus.DELIVERED, MessageStatus.DELIVERY_ERROR)

    @property
    def failed(self) -> bool:
        """True for the statuses that end in failure (3 and 5)."""
        return self in (MessageStatus.SEND_ERROR, MessageStatus.DELIVERY_ERROR)

    @property
    def label(self) -> str:
        """The status in English words."""
        return _STATUS_LABELS[self][0]

    @property
    def label_ru(self) -> str:
        """The text the API itself puts in ``message_status``."""
        return _STATUS_LABELS[self][1]


_STATUS_LABELS = {
    MessageStatus.WAITING: ("waiting for processing", "Ждет обработки"),
    MessageStatus.PROCESSING: ("processing", "Взято в обработку"),
    MessageStatus.SENT: ("sent", "Отправлено"),
    MessageStatus.SEND_ERROR: ("send error", "Ошибка отправки"),
    MessageStatus.DELIVERED: ("delivered", "Доставлено"),
    MessageStatus.DELIVERY_ERROR: ("delivery error", "Ошибка доставки"),
}


def _int_or_none(value: Any) -> Optional[int]:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def parse_time(value: Any) -> Optional[datetime]:
    """An aware UTC datetime from the API's ISO-8601 text (``2024-02-01T17:54:02.668Z``) or Unix time."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.9's fromisoformat wants 0, 3 or 6 fraction digits.
    if "." in text:
        head, tail = text.split(".", 1)
        digits = tail[: len(tail) - len(tail.lstrip("0123456789"))]  # the fraction only, not the offset
        zone = tail[len(digits):]
        text = f"{head}.{(digits + '000000')[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Message:
    """A message as the API reports it: fields as named on the SMS page, ``status`` 0-5."""

    id: str
    phone_number: str
    message: str
    status: int
    message_status: str = ""
    device_id: str = ""
    callback_id: str = ""
    time_create: int = 0
    to_sim: Optional[int] = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Message:
        """A message from the API's JSON object (``/sms/get`` or an ``sms_list`` item)."""
        return cls(
            id=_str(data.get("id")),
            phone_number=_str(data.get("phone_number")),
            message=_str(data.get("message")),
            status=_int_or_none(data.get("status")) or 0,
            message_status=_str(data.get("message_status")),
            device_id=_str(data.get("device_id")),
            callback_id=_str(data.get("callback_id")),
            time_create=_int_or_none(data.get("time_create")) or 0,
            to_sim=_int_or_none(data.get("to_sim")),
        )

    @property
    def state(self) -> Optional[MessageStatus]:
        """The status as an enum; None for a number the docs do not list."""
        try:
            return MessageStatus(self.status)
        except ValueError:
            return None

    @property
    def final(self) -> bool:
        """True once the status can no longer change (delivered or failed)."""
        state = self.state
        return state is not None and state.final

    @property
    def failed(self) -> bool:
        """True when the message will not be delivered."""
        state = self.state
        return state is not None and state.failed

    @property
    def status_label(self) -> str:
        """The status in English words (the number itself for an undocumented status)."""
        state = self.state
        return state.label if state is not None else f"status {self.status}"

    def as_dict(self) -> dict[str, Any]:
        """The message for JSON output, with its status label and finality."""
        return {
            "id": self.id,
            "phone_number": self.phone_number,
            "message": self.message,
            "status": self.status,
            "status_label": self.status_label,
            "message_status": self.message_status,
            "device_id": self.device_id,
            "callback_id": self.callback_id,
            "time_create": self.time_create,
            "to_sim": self.to_sim,
        }


@dataclass(frozen=True)
class Page:
    """One page of ``GET /sms``: the messages and the pagination the server echoed."""

    total_records: int
    limit: int
    offset: int
    items: list[Message]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Page:
        """A page from the API's ``GET /sms`` answer (``pagination`` and ``sms_list``)."""
        pagination = data.get("pagination") or {}
        items = data.get("sms_list") or []
        return cls(
            total_records=_int_or_none(pagination.get("total_records")) or 0,
            limit=_int_or_none(pagination.get("limit")) or len(items),
            offset=_int_or_none(pagination.get("offset")) or 1,
            items=[Message.from_api(item) for item in items if isinstance(item, Mapping)],
        )


@dataclass(frozen=True)
class SimCard:
    """A SIM in a gateway phone: its physical slot (0 first) and the operator's name."""

    slot_index: int
    display_name: str


@dataclass(frozen=True)
class Device:
    """A gateway phone, read from either doc page's shape, with the verdicts monitoring needs."""

    device_id: str
    name: str = ""
    battery: Optional[int] = None
    is_active: bool = False
    is_charging: bool = False
    last_online: Optional[datetime] = None
    name_type: str = ""
    low_battery_alert: Optional[bool] = None
    to_sim: Optional[int] = None
    sims: tuple[SimCard, ...] = field(default_factory=tuple)
    record_id: str = ""
    """The English page's ``id`` (the device record), when the server sends one."""

    @classmethod
    def from_api(cls, data: Mapping[str, Any], requested_id: str = "") -> Device:
        """A phone from either doc page's device shape; ``requested_id`` names it when the answer does not."""
        sims = tuple(
            SimCard(_int_or_none(s.get("slot_index")) or 0, _str(s.get("display_name")))
            for s in (data.get("sim_list") or [])
            if isinstance(s, Mapping)
        )
        low = data.get("low_battery_alert")
        return cls(
            device_id=_str(data.get("device_id")) or _str(data.get("id")) or requested_id,
            name=_str(data.get("device_name")),
            battery=_int_or_none(data.get("device_battery_state")),
            is_active=bool(data.get("is_active")),
            is_charging=bool(data.get("is_charging")),
            last_online=parse_time(data.get("last_online_date")),
            name_type=_str(data.get("device_name_type")),
            low_battery_alert=low if isinstance(low, bool) else None,
            to_sim=_int_or_none(data.get("to_sim")),
            sims=sims,
            record_id=_str(data.get("id")),
        )

    def seconds_since_seen(self, now: Optional[datetime] = None) -> Optional[float]:
        """Seconds since the phone's last heartbeat, or None when it was never seen."""
        if self.last_online is None:
            return None
        now = now or datetime.now(timezone.utc)
        return max(0.0, (now - self.last_online).total_seconds())

    def online(self, now: Optional[datetime] = None, offline_after: float = OFFLINE_AFTER_SECONDS) -> bool:
        """Whether the phone's heartbeat is recent enough for it to pick up a message now."""
        age = self.seconds_since_seen(now)
        return age is not None and age <= offline_after

    def battery_low(self, threshold: int = LOW_BATTERY_PERCENT) -> bool:
        """Low and not charging: the phone will go quiet unless someone plugs it in."""
        return self.battery is not None and self.battery < threshold and not self.is_charging

    def as_dict(self, now: Optional[datetime] = None) -> dict[str, Any]:
        """The phone for JSON output, with its online and battery verdicts at ``now``."""
        return {
            "device_id": self.device_id,
            "name": self.name,
            "battery": self.battery,
            "is_active": self.is_active,
            "is_charging": self.is_charging,
            "last_online": self.last_online.isoformat() if self.last_online else None,
            "seconds_since_seen": self.seconds_since_seen(now),
            "online": self.online(now),
            "battery_low": self.battery_low(),
            "name_type": self.name_type,
            "low_battery_alert": self.low_battery_alert,
            "to_sim": self.to_sim,
            "sims": [{"slot_index": s.slot_index, "display_name": s.display_name} for s in self.sims],
            "record_id": self.record_id,
        }
