"""The account's messages: their lifecycle by the clock, the failure rules, the monthly usage.

Statuses are not driven by a timer thread: each access first catches every pending message up with
the clock.  Device availability only changes through a locked call, and each such call catches up
first, so the result is the same as if the phones had been working all along.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gosms.wire.errors import GoSMSError
from gosms.wire.models import MessageStatus
from gosms.wire.paging import OLDEST_FIRST
from gosms.wire.validation import check_message, check_phone

from .clock import month_key, new_object_id
from .phones import PhoneBook
from .scenario import ScenarioError, is_int, is_number

__all__ = ["DEFAULT_LIFECYCLE", "SEED_LIMIT", "MessageBook", "StoredMessage", "parse_failures"]

DEFAULT_LIFECYCLE: Mapping[str, float] = {"waiting": 0.2, "processing": 0.2, "sent": 0.2}
"""Seconds a message spends in statuses 0, 1 and 2: fast, so tests that wait for delivery are quick."""
SEED_LIMIT = 100_000
"""Messages one seed_messages call may create: plenty for paging tests, bounded for memory."""


@dataclass
class StoredMessage:
    id: str
    message: str
    phone_number: str
    device_id: str
    callback_id: str
    to_sim: int | None
    created: float
    status: int = MessageStatus.WAITING
    stage_started: float = 0.0
    fate: int = MessageStatus.DELIVERED
    """Where the lifecycle ends: 4, or 3/5 when a failure rule matched the number."""
    hold: int | None = None
    """A status the lifecycle stops at (a stuck message), from a failure rule."""
    deleted: bool = False
    carrier: str = ""
    """The phone that took the message (its pinned phone, or the one the spread picked)."""

    @property
    def settled(self) -> bool:
        return MessageStatus(self.status).final or self.status == self.hold

    def api_view(self) -> dict[str, Any]:
        return {"id": self.id, "message": self.message, "status": self.status, "callback_id": self.callback_id,
                "device_id": self.device_id, "phone_number": self.phone_number,
                "message_status": MessageStatus(self.status).label_ru, "time_create": int(self.created),
                "to_sim": self.to_sim}



class MessageBook(PhoneBook):
    """Messages by id, the ones still moving, the usage per month, and what decides their fate."""

    messages: dict[str, StoredMessage]
    _pending: set[str]
    usage: dict[str, int]
    lifecycle: dict[str, float]
    failures: list[dict[str, Any]]
    list_order: str
    _spread_turn: int

    def _catch_up(self, now: float) -> None:
        for message_id in list(self._pending):
            message = self.messages[message_id]
            self._step(message, now)
            if message.settled or (message.deleted and message.status == MessageStatus.WAITING):
                self._pending.discard(message_id)

    def _step(self, message: StoredMessage, now: float) -> None:
        """Move one message on to ``now``.  A deleted message stops only while it waits (status 0):
        once a phone has taken it the SMS is on its way, so a late delete leaves a copy that still
        arrives, as on a real account."""
        delays = (self.lifecycle["waiting"], self.lifecycle["processing"], self.lifecycle["sent"])
        while not message.settled:
            if message.status == MessageStatus.WAITING:
                if message.deleted:
                    return
                if not self._can_pick_up(message):
                    message.stage_started = now  # nothing can take it: the wait starts over once a phone can
                    return
            delay = delays[message.status] * self._pace(message)
            if now - message.stage_started < delay:
                return
            message.stage_started += delay
            if message.status == MessageStatus.WAITING:
                self._take(message)
                message.status = MessageStatus.PROCESSING
            elif message.status == MessageStatus.PROCESSING:
                failed = message.fate == MessageStatus.SEND_ERROR
                message.status = MessageStatus.SEND_ERROR if failed else MessageStatus.SENT
            else:
                failed = message.fate == MessageStatus.DELIVERY_ERROR
                message.status = MessageStatus.DELIVERY_ERROR if failed else MessageStatus.DELIVERED

    def _can_pick_up(self, message: StoredMessage) -> bool:
        if message.device_id:
            device = self.find_device(message.device_id)
            return device is not None and device.can_send()
        return any(device.can_send() for device in self.devices.values())

    def _pace(self, message: StoredMessage) -> float:
        ref = message.carrier or message.device_id
        phone = self.find_device(ref) if ref else None
        return phone.pace() if phone is not None else 1.0

    def _take(self, message: StoredMessage) -> None:
        """A phone takes the message: its pinned phone, or the next of the phones able to send in
        turn (messages without ``device_id`` are spread over them).  The phone's behaviour sets the
        end, unless a failure rule on the number already did."""
        phone = self.find_device(message.device_id) if message.device_id else None
        if phone is None:
            able = [device for device in self.devices.values() if device.can_send()]
            if not able:
                return
            phone = able[self._spread_turn % len(able)]
            self._spread_turn += 1
        message.carrier = phone.id
        if message.fate == MessageStatus.DELIVERED and message.hold is None:
            if phone.behaviour == "send_error":
                message.fate = MessageStatus.SEND_ERROR
            elif phone.behaviour == "delivery_error":
                message.fate = MessageStatus.DELIVERY_ERROR

    def create_message(self, *, message: str, phone_number: str, device_id: str, callback_id: str,
                       to_sim: int | None, now: float) -> StoredMessage:
        """Store a new message (caller holds the lock and has checked devices and quota)."""
        fate, hold = self._fate(phone_number)
        stored = StoredMessage(id=new_object_id(now), message=message, phone_number=phone_number,
                               device_id=device_id, callback_id=callback_id, to_sim=to_sim, created=now,
                               stage_started=now, fate=fate, hold=hold)
        self.messages[stored.id] = stored
        self._pending.add(stored.id)
        month = month_key(now)
        self.usage[month] = self.usage.get(month, 0) + 1
        self._step(stored, now)
        return stored

    def _fate(self, phone: str) -> tuple[int, int | None]:
        for rule in self.failures:
            pattern = rule["phone"]
            matched = phone.startswith(pattern[:-1]) if pattern.endswith("*") else phone == pattern
            if not matched or rule.get("count") == 0:
                continue
            if rule.get("count") is not None:
                rule["count"] -= 1
            if "hold" in rule:
                return MessageStatus.DELIVERED, rule["hold"]
            return rule["status"], None
        return MessageStatus.DELIVERED, None

    def quota_used(self, now: float) -> int:
        with self.lock:
            return self.usage.get(month_key(now), 0)

    def find_message(self, message_id: str) -> StoredMessage | None:
        with self.lock:
            stored = self.messages.get(message_id.lower())
            return None if stored is None or stored.deleted else stored

    def visible_messages(self) -> list[StoredMessage]:
        """In the scenario's list order (newest first unless ``list_order`` says otherwise).

        By creation time, then by arrival: seeded messages may be older than ones sent before.
        """
        with self.lock:
            oldest_first = sorted((m for m in self.messages.values() if not m.deleted), key=_created)
            return oldest_first if self.list_order == OLDEST_FIRST else oldest_first[::-1]

    def messages_snapshot(self) -> list[dict[str, Any]]:
        """Every message ever created, oldest first, deleted ones included: duplicates show here."""
        with self.current():
            return [dict(m.api_view(), deleted=m.deleted, created=m.created, carrier=m.carrier)
                    for m in sorted(self.messages.values(), key=_created)]

    def deliveries(self, phone_number: str | None = None) -> list[dict[str, Any]]:
        """The copies that reached a handset (status 4), oldest first, deleted ones too: a message
        delivered twice to one number shows as two entries here."""
        return [m for m in self.messages_snapshot()
                if m["status"] == MessageStatus.DELIVERED and phone_number in (None, m["phone_number"])]

    def seed_messages(self, count: int, phone: str = "79990000000", time_create: float | None = None, *,
                      step: float = 1.0, message: str = "seeded message {n}") -> list[str]:
        """``count`` messages as if sent earlier, ``step`` seconds apart from ``time_create``; their ids.

        For paging and usage tests: hundreds of messages without hundreds of rate-limited sends.
        ``time_create`` defaults to just so far back that the last one is created now; no message
        may be created in the emulator's future.  They count against their own month's quota and
        run the usual lifecycle (long finished for old ones).  ``{n}`` in the text is the number.
        """
        if not is_int(count) or not 1 <= count <= SEED_LIMIT:
            raise ScenarioError(f"count {count!r} must be a whole number from 1 to {SEED_LIMIT}")
        if not is_number(step) or step < 0:
            raise ScenarioError(f"step {step!r} must be seconds of 0 or more")
        if time_create is not None and not is_number(time_create):
            raise ScenarioError(f"time_create {time_create!r} must be Unix seconds")
        if not isinstance(message, str):
            raise ScenarioError("message must be text")
        try:
            phone = check_phone(phone)
            texts = [check_message(message.replace("{n}", str(n))) for n in range(count)]
        except GoSMSError as exc:
            raise ScenarioError(str(exc)) from None
        with self.current() as now:
            first = now - step * (count - 1) if time_create is None else float(time_create)
            if first + step * (count - 1) > now + 1e-6:
                raise ScenarioError("seeded messages cannot be created after the emulator's now; move the "
                                    "clock on first or pick an earlier time_create")
            return [self.create_message(message=text, phone_number=phone, device_id="", callback_id="",
                                        to_sim=None, now=first + step * n).id
                    for n, text in enumerate(texts)]

    def _apply_lifecycle(self, value: Any) -> None:
        if not isinstance(value, Mapping) or set(value) - set(DEFAULT_LIFECYCLE):
            raise ScenarioError(f"lifecycle is an object with seconds for {', '.join(DEFAULT_LIFECYCLE)}")
        for key, seconds in value.items():
            if not is_number(seconds) or seconds < 0:
                raise ScenarioError(f"lifecycle {key} must be seconds of 0 or more")
            self.lifecycle[key] = float(seconds)


def _created(message: StoredMessage) -> float:
    return message.created



def parse_failures(value: Any) -> list[dict[str, Any]]:
    final = (MessageStatus.SEND_ERROR, MessageStatus.DELIVERY_ERROR)
    holdable = (MessageStatus.WAITING, MessageStatus.PROCESSING, MessageStatus.SENT)
    if not isinstance(value, list):
        raise ScenarioError('failures is a list like [{"phone": "79990000003", "status": 3}]')
    rules = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) - {"phone", "status", "hold", "count"}:
            raise ScenarioError("a failure rule has phone, and status (3 or 5) or hold (0, 1 or 2), and count")
        phone = item.get("phone")
        if not isinstance(phone, str) or not phone:
            raise ScenarioError("a failure rule's phone is a number, a prefix ending in '*', or '*'")
        rule: dict[str, Any] = {"phone": phone, "count": item.get("count")}
        if rule["count"] is not None and (not is_int(rule["count"]) or rule["count"] < 0):
            raise ScenarioError("a failure rule's count is a whole number, or null for every message")
        if ("status" in item) == ("hold" in item):
            raise ScenarioError("a failure rule has either status (3 or 5) or hold (0, 1 or 2)")
        if "status" in item:
            if item["status"] not in final or isinstance(item["status"], bool):
                raise ScenarioError("a failure rule's status is 3 (send error) or 5 (delivery error)")
            rule["status"] = int(item["status"])
        else:
            if item["hold"] not in holdable or isinstance(item["hold"], bool):
                raise ScenarioError("a failure rule's hold is 0, 1 or 2: the status the message stays in")
            rule["hold"] = int(item["hold"])
        rules.append(rule)
    return rules
