"""Everything the emulated GoSMS account holds, behind one lock.

The state is a scenario (tokens, devices, quota, switches) plus what the API did with it (messages,
usage, the request log).  The scenario keys: ``tokens``, ``devices``, ``account_blocked``, ``quota``,
``quota_used``, ``device_format`` ("ru" | "en"), ``rate_limit``, ``rate_limit_mode`` (see
``RATE_LIMIT_MODES``), ``status_overrides``, ``lifecycle``,
``delete_after``, ``failures``, ``faults``, ``clock``, ``start_time``, and the two readings of the list
page a client must survive: ``list_offset`` ("page": ``offset`` is a page number from 1, as our
reading of the docs; "record1" / "record0": a record offset counted from 1 / from 0) and
``list_order`` ("newest_first", as the docs' example; "oldest_first").  A scenario is plain JSON so
the same description serves a scenario file, a control-API patch and a Python call.  Patches follow
JSON merge-patch: objects merge, lists replace, ``null`` removes — with devices and tokens keyed by
id/label so a test changes one without restating the others.

Message statuses are not driven by a timer thread: each access first catches every pending message
up with the clock.  Device availability only changes through a locked call, and each such call
catches up first, so the result is the same as if the phones had been working all along.
"""

from __future__ import annotations

import copy
import itertools
import os
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gosms.wire.errors import TABLE, Category, GoSMSError, lookup
from gosms.wire.models import HEARTBEAT_SECONDS, MessageStatus
from gosms.wire.paging import NEWEST_FIRST, OFFSET_MODES, OLDEST_FIRST
from gosms.wire.validation import check_device_id, check_message, check_phone

from .clock import Clock, iso_utc, month_key
from .faults import ENDPOINTS, FaultRule, parse_rules
from .outage import Outage, parse_outage

__all__ = [
    "DEFAULT_LIFECYCLE",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_STATUS_BY_CATEGORY",
    "DEFAULT_TOKEN",
    "PERMISSIONS",
    "RATE_LIMIT_MODES",
    "Device",
    "ScenarioError",
    "State",
    "StoredMessage",
    "TokenRecord",
    "new_object_id",
]

DEFAULT_TOKEN = "demo-token"
PERMISSIONS: tuple[str, ...] = ("send", "read", "delete", "devices_read", "devices_edit", "devices_delete")
"""The grants of the control panel's API settings (SMS: send/see/delete; devices: see/edit/delete)."""

DEFAULT_RATE_LIMIT = 10
"""Requests per second per endpoint and token (rate-limit page)."""

RATE_LIMIT_MODES: Mapping[str, str] = {
    "lenient": "refused requests do not count in the window; each 429 carries Retry-After: 1 (default)",
    "strict": "refused requests count in the window, so hammering keeps it shut; no Retry-After",
}
"""How the rate limiter treats the requests it refuses: many real limiters behave as ``strict``."""

DEFAULT_LIFECYCLE: Mapping[str, float] = {"waiting": 0.2, "processing": 0.2, "sent": 0.2}
"""Seconds a message spends in statuses 0, 1 and 2: fast, so tests that wait for delivery are quick."""

DEFAULT_STATUS_BY_CATEGORY: Mapping[Category, int] = {
    Category.AUTH: 401,
    Category.PERMISSION: 403,
    Category.ACCOUNT: 403,
    Category.QUOTA: 403,
    Category.NOT_FOUND: 404,
    Category.VALIDATION: 400,
    Category.DEVICE: 400,
    Category.UNKNOWN: 500,
}
"""HTTP status per kind of error.  The docs never pair codes with statuses, so these are the
responses page's own meanings (401 authentication, 403 permissions, 404 not found, 400 bad request,
500 internal) applied to each code's category; a scenario overrides them per code."""

DELETE_AFTER_SECONDS = lookup(1010).retry_after
"""A message can be deleted this long after creation (code 1010's own rule: 5 minutes)."""

_LOG_LIMIT = 10_000
_SCENARIO_KEYS = frozenset((
    "account_blocked", "quota", "quota_used", "device_format", "rate_limit", "rate_limit_mode", "status_overrides",
    "lifecycle", "delete_after", "failures", "devices", "tokens", "faults", "clock", "start_time",
    "list_offset", "list_order",
))
LIST_OFFSETS = OFFSET_MODES
"""What the list's ``offset`` counts: "page" (default), "record1", "record0"."""
LIST_ORDERS = (NEWEST_FIRST, OLDEST_FIRST)
SEED_LIMIT = 100_000
"""Messages one seed_messages call may create: plenty for paging tests, bounded for memory."""
_DEVICE_ALIASES = {"device_id": "id", "is_active": "active", "is_charging": "charging"}
_DEVICE_KEYS = frozenset((
    "id", "record_id", "name", "name_type", "battery", "charging", "active", "online", "last_seen",
    "last_seen_ago", "low_battery_alert", "to_sim", "sims", "console_data",
))
_TOKEN_KEYS = frozenset(("token", "label", "active", "deleted", "permissions"))


class ScenarioError(ValueError):
    """A scenario or patch the emulator refuses; nothing of it was applied."""


_PROCESS_BYTES = os.urandom(5)
_OBJECT_ID_COUNTER = itertools.count(int.from_bytes(os.urandom(3), "big"))
_OBJECT_ID_LOCK = threading.Lock()


def new_object_id(unix_time: float) -> str:
    """A MongoDB-style ObjectID as the API hands out: creation second, process bytes, counter."""
    with _OBJECT_ID_LOCK:
        counter = next(_OBJECT_ID_COUNTER) & 0xFFFFFF
    return (int(unix_time).to_bytes(4, "big") + _PROCESS_BYTES + counter.to_bytes(3, "big")).hex()


@dataclass
class TokenRecord:
    value: str
    label: str
    active: bool = True
    deleted: bool = False
    permissions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, True))

    def snapshot(self, index: int) -> dict[str, Any]:
        """Everything but the token itself: state dumps end up in CI logs."""
        return {"index": index, "label": self.label, "active": self.active, "deleted": self.deleted,
                "permissions": dict(self.permissions)}


@dataclass
class Device:
    id: str
    record_id: str
    name: str = "Pixel 7 (emulated)"
    name_type: str = "Mobile phone"
    battery: int = 87
    charging: bool = True
    active: bool = True
    online: bool = True
    """A phone that keeps sending heartbeats; an offline phone's last_seen stays where it stopped."""
    last_seen: float = 0.0
    online_since: float = 0.0
    low_battery_alert: bool = True
    to_sim: int = -2
    sims: list[dict[str, Any]] = field(default_factory=lambda: [{"slot_index": 0, "display_name": "Emulator SIM"}])
    console_data: str = ""

    def seen(self, now: float) -> float:
        """The last heartbeat: an online phone reports every HEARTBEAT_SECONDS, so it is up to that old."""
        if not self.online:
            return self.last_seen
        beats = max(0.0, now - self.online_since) // HEARTBEAT_SECONDS
        return self.online_since + beats * HEARTBEAT_SECONDS

    def can_send(self) -> bool:
        return self.active and self.online

    def api_view(self, now: float, device_format: str) -> dict[str, Any]:
        """The device-info answer in the Russian page's shape, or the older English one."""
        last = iso_utc(self.seen(now))
        if device_format == "en":
            return {"id": self.record_id, "device_id": self.id, "device_battery_state": str(self.battery),
                    "device_name": self.name, "is_active": self.active, "is_charging": self.charging,
                    "last_online_date": last, "console_data": self.console_data}
        return {"device_id": self.id, "device_battery_state": self.battery, "device_name": self.name,
                "is_active": self.active, "is_charging": self.charging, "last_online_date": last,
                "device_name_type": self.name_type, "low_battery_alert": self.low_battery_alert,
                "to_sim": self.to_sim, "sim_list": [dict(s) for s in self.sims]}

    def snapshot(self, now: float) -> dict[str, Any]:
        seen = self.seen(now)
        return {"id": self.id, "record_id": self.record_id, "name": self.name, "name_type": self.name_type,
                "battery": self.battery, "charging": self.charging, "active": self.active,
                "online": self.online, "last_seen": seen, "last_seen_iso": iso_utc(seen),
                "seconds_since_seen": max(0.0, now - seen), "low_battery_alert": self.low_battery_alert,
                "to_sim": self.to_sim, "sims": [dict(s) for s in self.sims], "console_data": self.console_data}


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

    @property
    def settled(self) -> bool:
        return MessageStatus(self.status).final or self.status == self.hold

    def api_view(self) -> dict[str, Any]:
        return {"id": self.id, "message": self.message, "status": self.status, "callback_id": self.callback_id,
                "device_id": self.device_id, "phone_number": self.phone_number,
                "message_status": MessageStatus(self.status).label_ru, "time_create": int(self.created),
                "to_sim": self.to_sim}


class State:
    """The emulated account.  Every public method takes the one lock; ``lock`` is there for the API
    handlers, which must check and change state in one step (quota check and message creation)."""

    def __init__(self, scenario: Mapping[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self._initial = self._normalise_initial(dict(scenario or {}))
        self._build()

    # -- building and resetting -------------------------------------------------------------------------

    def _normalise_initial(self, scenario: dict[str, Any]) -> dict[str, Any]:
        """Fix generated ids and labels once, so reset() brings back the very same account."""
        unknown = sorted(set(scenario) - _SCENARIO_KEYS)
        if unknown:
            raise ScenarioError(_unknown("scenario key", unknown, _SCENARIO_KEYS))
        scenario = copy.deepcopy(scenario)
        if "devices" not in scenario:
            scenario["devices"] = [{}]
        devices = scenario["devices"]
        if isinstance(devices, Mapping):
            devices = [dict(fields or {}, id=key) for key, fields in devices.items()]
        if not isinstance(devices, list):
            raise ScenarioError("devices must be a list of device objects or an object keyed by device id")
        fixed_devices = []
        for item in devices:
            item = {"id": item} if isinstance(item, str) else dict(_device_fields(item))
            item.setdefault("id", str(uuid.uuid4()))
            item.setdefault("record_id", new_object_id(time.time()))
            fixed_devices.append(item)
        scenario["devices"] = fixed_devices
        tokens = scenario.get("tokens") or [DEFAULT_TOKEN]
        if not isinstance(tokens, list):
            raise ScenarioError("tokens must be a list of token strings or token objects")
        fixed_tokens = []
        for index, item in enumerate(tokens):
            item = {"token": item} if isinstance(item, str) else dict(_token_fields(item))
            item.setdefault("label", f"token{index}")
            fixed_tokens.append(item)
        scenario["tokens"] = fixed_tokens
        return scenario

    def _build(self) -> None:
        initial = copy.deepcopy(self._initial)
        start = initial.pop("start_time", None)
        if start is not None and not _is_number(start):
            raise ScenarioError(f"start_time {start!r} must be Unix seconds")
        self.clock = Clock(start)
        self.account_blocked = False
        self.quota: int | None = None
        self.device_format = "ru"
        self.list_offset = "page"
        self.list_order = NEWEST_FIRST
        self.rate_limit = DEFAULT_RATE_LIMIT
        self.rate_limit_mode = "lenient"
        self.status_overrides: dict[int, int] = {}
        self.lifecycle: dict[str, float] = dict(DEFAULT_LIFECYCLE)
        self.delete_after = DELETE_AFTER_SECONDS
        self.failures: list[dict[str, Any]] = []
        self.tokens: dict[str, TokenRecord] = {}
        self.devices: dict[str, Device] = {}
        self.messages: dict[str, StoredMessage] = {}
        self._pending: set[str] = set()
        self.usage: dict[str, int] = {}
        self.faults: list[FaultRule] = []
        self.outage: Outage | None = None
        self.log: deque[dict[str, Any]] = deque(maxlen=_LOG_LIMIT)
        self._log_seq = itertools.count(1)
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self.rate_limited = 0
        self._label_seq = itertools.count(len(initial.get("tokens", [])))
        self._apply(initial)

    def reset(self) -> None:
        """Back to the scenario the emulator started with: same tokens and devices, no messages, no log."""
        with self.lock:
            self._build()

    # -- time and lifecycles --------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    @contextmanager
    def current(self) -> Iterator[float]:
        """Hold the lock with every message caught up to the clock; yields that moment."""
        with self.lock:
            now = self.clock.now()
            self._catch_up(now)
            yield now

    def advance(self, seconds: float) -> float:
        with self.current():
            return self.clock.advance(seconds)

    def set_time(self, unix_time: float) -> float:
        with self.current():
            return self.clock.set(unix_time)

    def _catch_up(self, now: float) -> None:
        for message_id in list(self._pending):
            message = self.messages[message_id]
            self._step(message, now)
            if message.settled or message.deleted:
                self._pending.discard(message_id)

    def _step(self, message: StoredMessage, now: float) -> None:
        delays = (self.lifecycle["waiting"], self.lifecycle["processing"], self.lifecycle["sent"])
        while not message.settled:
            if message.status == MessageStatus.WAITING and not self._can_pick_up(message):
                message.stage_started = now  # nothing can take it: the wait starts over once a phone can
                return
            delay = delays[message.status]
            if now - message.stage_started < delay:
                return
            message.stage_started += delay
            if message.status == MessageStatus.WAITING:
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

    # -- tokens ---------------------------------------------------------------------------------------

    def token(self, value: str) -> TokenRecord | None:
        with self.lock:
            return self.tokens.get(value)

    def add_token(self, token: str | None = None, *, label: str | None = None, active: bool = True,
                  permissions: Any = None) -> str:
        """A new API token; returns its value (the only place a caller gets it back)."""
        fields: dict[str, Any] = {"token": token or "emu-" + secrets.token_hex(16), "active": active}
        if label is not None:
            fields["label"] = label
        if permissions is not None:
            fields["permissions"] = permissions
        with self.current():
            record = self._new_token(fields)
            return record.value

    def _new_token(self, fields: Mapping[str, Any]) -> TokenRecord:
        fields = _token_fields(fields)
        value = fields.get("token")
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            raise ScenarioError("a token is non-empty text without spaces")
        if value in self.tokens:
            raise ScenarioError(f"token {self._label_of(value)!r} already exists")
        label = fields.get("label")
        while label is None or ("label" not in fields and any(t.label == label for t in self.tokens.values())):
            label = f"token{next(self._label_seq)}"
        if not isinstance(label, str) or not label:
            raise ScenarioError("a token label is non-empty text")
        if any(t.label == label for t in self.tokens.values()):
            raise ScenarioError(f"token label {label!r} is already used")
        record = TokenRecord(value=value, label=label)
        self._patch_token(record, {k: v for k, v in fields.items() if k not in ("token", "label")})
        self.tokens[value] = record
        return record

    def _label_of(self, value: str) -> str:
        record = self.tokens.get(value)
        return record.label if record else "?"

    def _patch_token(self, record: TokenRecord, fields: Mapping[str, Any]) -> None:
        for key, value in fields.items():
            if key in ("active", "deleted"):
                setattr(record, key, _bool(f"token {key}", value))
            elif key == "permissions":
                record.permissions = _permissions(value, record.permissions)
            elif key == "label":
                if not isinstance(value, str) or not value:
                    raise ScenarioError("a token label is non-empty text")
                record.label = value
            elif key == "token" and value != record.value:
                raise ScenarioError("a token's value cannot change; add a new token instead")

    def _find_token_key(self, key: str) -> str | None:
        if key in self.tokens:
            return key
        for index, (value, record) in enumerate(self.tokens.items()):
            if record.label == key or str(index) == key:
                return value
        return None

    # -- devices --------------------------------------------------------------------------------------

    def find_device(self, ref: str) -> Device | None:
        """By the id the Russian page uses or the record id the English page uses (hex in any case)."""
        with self.lock:
            device = self.devices.get(ref)
            if device is not None:
                return device
            folded = ref.lower()
            for device in self.devices.values():
                if folded in (device.id.lower(), device.record_id.lower()):
                    return device
            return None

    def add_device(self, device_id: str | None = None, **fields: Any) -> str:
        """A new phone in the account (active, charging and online unless told otherwise); its id."""
        if device_id is not None:
            fields["id"] = device_id
        with self.current() as now:
            return self._new_device(fields, now).id

    def _new_device(self, fields: Mapping[str, Any], now: float) -> Device:
        fields = dict(_device_fields(fields))
        device_id = fields.pop("id", None) or str(uuid.uuid4())
        record_id = fields.pop("record_id", None) or new_object_id(now)
        for name, value in (("id", device_id), ("record_id", record_id)):
            try:
                check_device_id(value)
            except Exception as exc:
                raise ScenarioError(f"device {name} {value!r} could never be addressed: {exc}") from None
        if self.find_device(device_id) is not None or self.find_device(record_id) is not None:
            raise ScenarioError(f"device {device_id!r} already exists")
        device = Device(id=device_id, record_id=record_id, last_seen=now, online_since=now)
        self._patch_device(device, fields, now)
        self.devices[device_id] = device
        return device

    def _patch_device(self, device: Device, fields: Mapping[str, Any], now: float) -> None:
        fields = _device_fields(fields)
        if "id" in fields and fields["id"] != device.id:
            raise ScenarioError("a device's id cannot change; remove it and add a new one")
        for key in ("name", "name_type", "console_data"):
            if key in fields:
                if not isinstance(fields[key], str):
                    raise ScenarioError(f"device {key} must be text")
                setattr(device, key, fields[key])
        for key in ("charging", "active", "low_battery_alert"):
            if key in fields:
                setattr(device, key, _bool(f"device {key}", fields[key]))
        if "battery" in fields:
            battery = fields["battery"]
            if not _is_int(battery) or not 0 <= battery <= 100:
                raise ScenarioError(f"device battery {battery!r} must be a whole number from 0 to 100")
            device.battery = battery
        if "to_sim" in fields:
            if not _is_int(fields["to_sim"]):
                raise ScenarioError("device to_sim must be a whole number (-2 default SIM, -1 random, 0.. slot)")
            device.to_sim = fields["to_sim"]
        if "sims" in fields:
            device.sims = _sims(fields["sims"])
        if "record_id" in fields and fields["record_id"] != device.record_id:
            raise ScenarioError("a device's record_id cannot change")
        seen: float | None = None
        if "last_seen" in fields:
            if not _is_number(fields["last_seen"]):
                raise ScenarioError("device last_seen must be Unix seconds")
            seen = float(fields["last_seen"])
        if "last_seen_ago" in fields:
            if not _is_number(fields["last_seen_ago"]) or fields["last_seen_ago"] < 0:
                raise ScenarioError("device last_seen_ago must be seconds of 0 or more")
            seen = now - float(fields["last_seen_ago"])
        online = fields.get("online")
        if online is not None:
            online = _bool("device online", online)
        if seen is not None:
            # A heartbeat time means the phone stopped there, unless it is said to be online right now.
            device.last_seen = seen
            device.online_since = seen
            device.online = bool(online)
        elif online is not None and online != device.online:
            if online:
                device.online_since = now
            else:
                device.last_seen = device.seen(now)
            device.online = online

    # -- messages and quota ---------------------------------------------------------------------------

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
            return [dict(m.api_view(), deleted=m.deleted, created=m.created)
                    for m in sorted(self.messages.values(), key=_created)]

    def seed_messages(self, count: int, phone: str = "79990000000", time_create: float | None = None, *,
                      step: float = 1.0, message: str = "seeded message {n}") -> list[str]:
        """``count`` messages as if sent earlier, ``step`` seconds apart from ``time_create``; their ids.

        For paging and usage tests: hundreds of messages without hundreds of rate-limited sends.
        ``time_create`` defaults to just so far back that the last one is created now; no message
        may be created in the emulator's future.  They count against their own month's quota and
        run the usual lifecycle (long finished for old ones).  ``{n}`` in the text is the number.
        """
        if not _is_int(count) or not 1 <= count <= SEED_LIMIT:
            raise ScenarioError(f"count {count!r} must be a whole number from 1 to {SEED_LIMIT}")
        if not _is_number(step) or step < 0:
            raise ScenarioError(f"step {step!r} must be seconds of 0 or more")
        if time_create is not None and not _is_number(time_create):
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

    # -- errors, rate limit, faults, log --------------------------------------------------------------

    def status_for(self, code: int) -> int:
        with self.lock:
            if code in self.status_overrides:
                return self.status_overrides[code]
            return DEFAULT_STATUS_BY_CATEGORY.get(lookup(code).category, 500)

    def admit(self, endpoint: str, token: str, moment: float) -> bool:
        """Sliding one-second window per endpoint and token; a refused request counts in it only in
        the ``strict`` mode."""
        with self.lock:
            if self.rate_limit <= 0:
                return True
            window = self._windows.setdefault((endpoint, token), deque())
            while window and moment - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.rate_limit:
                self.rate_limited += 1
                if self.rate_limit_mode == "strict":
                    window.append(moment)
                return False
            window.append(moment)
            return True

    def add_faults(self, rules: Iterable[FaultRule]) -> None:
        with self.lock:
            self.faults.extend(rules)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, endpoint: str) -> FaultRule | None:
        """The first queued rule for this endpoint, used up by one request."""
        with self.lock:
            for index, rule in enumerate(self.faults):
                if rule.matches(endpoint):
                    if rule.after > 0:
                        rule.after -= 1
                        return None
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count <= 0:
                            del self.faults[index]
                    return rule
            return None

    def start_outage(self, data: Any) -> dict[str, Any]:
        """Every API request fails from now on, for ``seconds`` of emulator time (see :mod:`.outage`)."""
        with self.lock:
            now = self.clock.now()
            self.outage = parse_outage(data, now)
            return self.outage.as_dict(now)

    def end_outage(self) -> None:
        with self.lock:
            self.outage = None

    def outage_now(self) -> Outage | None:
        """The outage in force at this moment, if any."""
        with self.lock:
            return self.outage if self.outage is not None and self.outage.active(self.clock.now()) else None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = next(self._log_seq)
            self.log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self.log))

    def clear_requests(self) -> None:
        with self.lock:
            self.log.clear()

    # -- scenario patches and snapshots ---------------------------------------------------------------

    def apply(self, patch: Mapping[str, Any]) -> None:
        """Merge a scenario patch; all of it or, on a ScenarioError, none of it."""
        if not isinstance(patch, Mapping):
            raise ScenarioError("a scenario patch is a JSON object")
        if "start_time" in patch:
            raise ScenarioError("start_time only applies when the emulator starts; use clock.set to move on")
        with self.current():
            saved = self._save()
            try:
                self._apply(copy.deepcopy(dict(patch)))
            except Exception:
                self._restore(saved)
                raise

    def _save(self) -> dict[str, Any]:
        keep = ("account_blocked", "quota", "device_format", "list_offset", "list_order", "rate_limit",
                "rate_limit_mode",
                "status_overrides", "lifecycle", "delete_after", "failures", "tokens", "devices", "usage", "faults")
        saved = {name: copy.deepcopy(getattr(self, name)) for name in keep}
        saved["clock_offset"] = self.clock.offset
        return saved

    def _restore(self, saved: dict[str, Any]) -> None:
        offset = saved.pop("clock_offset")
        for name, value in saved.items():
            setattr(self, name, value)
        self.clock.restore_offset(offset)

    def _apply(self, patch: dict[str, Any]) -> None:
        unknown = sorted(set(patch) - _SCENARIO_KEYS)
        if unknown:
            raise ScenarioError(_unknown("scenario key", unknown, _SCENARIO_KEYS))
        if "clock" in patch:
            self._apply_clock(patch["clock"])
        now = self.clock.now()
        if "account_blocked" in patch:
            self.account_blocked = _bool("account_blocked", patch["account_blocked"])
        if "quota" in patch:
            quota = patch["quota"]
            if quota is not None and (not _is_int(quota) or quota < 0):
                raise ScenarioError(f"quota {quota!r} must be a whole number of 0 or more, or null for no limit")
            self.quota = quota
        if "quota_used" in patch:
            used = patch["quota_used"]
            if not _is_int(used) or used < 0:
                raise ScenarioError(f"quota_used {used!r} must be a whole number of 0 or more")
            self.usage[month_key(now)] = used
        if "device_format" in patch:
            if patch["device_format"] not in ("ru", "en"):
                raise ScenarioError("device_format must be 'ru' (newer Russian page) or 'en' (English page)")
            self.device_format = patch["device_format"]
        if "list_offset" in patch:
            if patch["list_offset"] not in LIST_OFFSETS:
                raise ScenarioError("list_offset must be 'page' (offset is a page number from 1), 'record1' or "
                                    "'record0' (a record offset counted from 1 or from 0)")
            self.list_offset = patch["list_offset"]
        if "list_order" in patch:
            if patch["list_order"] not in LIST_ORDERS:
                raise ScenarioError("list_order must be 'newest_first' or 'oldest_first'")
            self.list_order = patch["list_order"]
        if "rate_limit" in patch:
            limit = patch["rate_limit"]
            if not _is_int(limit) or limit < 0:
                raise ScenarioError(f"rate_limit {limit!r} must be requests per second, 0 for no limit")
            self.rate_limit = limit
        if "rate_limit_mode" in patch:
            if patch["rate_limit_mode"] not in RATE_LIMIT_MODES:
                raise ScenarioError("rate_limit_mode must be " + " or ".join(
                    f"'{name}' ({meaning})" for name, meaning in RATE_LIMIT_MODES.items()))
            self.rate_limit_mode = patch["rate_limit_mode"]
        if "status_overrides" in patch:
            self._apply_overrides(patch["status_overrides"])
        if "lifecycle" in patch:
            self._apply_lifecycle(patch["lifecycle"])
        if "delete_after" in patch:
            if not _is_number(patch["delete_after"]) or patch["delete_after"] < 0:
                raise ScenarioError("delete_after must be seconds of 0 or more")
            self.delete_after = float(patch["delete_after"])
        if "failures" in patch:
            self.failures = _failures(patch["failures"])
        if "tokens" in patch:
            self._apply_tokens(patch["tokens"])
        if "devices" in patch:
            self._apply_devices(patch["devices"], now)
        if "faults" in patch:
            try:
                self.faults = parse_rules(patch["faults"]) if patch["faults"] else []
            except ValueError as exc:
                raise ScenarioError(str(exc)) from None

    def _apply_clock(self, value: Any) -> None:
        if not isinstance(value, Mapping) or set(value) - {"advance", "set"} or len(value) != 1:
            raise ScenarioError('clock is {"advance": seconds} or {"set": unix_seconds}')
        (key, amount), = value.items()
        if not _is_number(amount):
            raise ScenarioError(f"clock {key} must be a number")
        try:
            if key == "advance":
                self.clock.advance(amount)
            else:
                self.clock.set(amount)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None

    def _apply_overrides(self, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise ScenarioError('status_overrides is an object like {"1006": 429}')
        for key, status in value.items():
            try:
                code = int(key)
            except (TypeError, ValueError):
                raise ScenarioError(f"status_overrides key {key!r} is not an error code") from None
            if status is None:
                self.status_overrides.pop(code, None)
            elif _is_int(status) and 100 <= status <= 599:
                self.status_overrides[code] = status
            else:
                raise ScenarioError(f"status_overrides[{key!r}] = {status!r} is not an HTTP status")

    def _apply_lifecycle(self, value: Any) -> None:
        if not isinstance(value, Mapping) or set(value) - set(DEFAULT_LIFECYCLE):
            raise ScenarioError(f"lifecycle is an object with seconds for {', '.join(DEFAULT_LIFECYCLE)}")
        for key, seconds in value.items():
            if not _is_number(seconds) or seconds < 0:
                raise ScenarioError(f"lifecycle {key} must be seconds of 0 or more")
            self.lifecycle[key] = float(seconds)

    def _apply_tokens(self, value: Any) -> None:
        if isinstance(value, list):
            self.tokens = {}
            for item in value:
                self._new_token({"token": item} if isinstance(item, str) else item)
            return
        if not isinstance(value, Mapping):
            raise ScenarioError("tokens is a list (replaces all) or an object keyed by label, index or token")
        for key, fields in value.items():
            found = self._find_token_key(str(key))
            if fields is None:
                if found is None:
                    raise ScenarioError(f"no token {key!r} to remove")
                del self.tokens[found]
            elif found is None:
                raise ScenarioError(f"no token {key!r}; add tokens with add_token or a tokens list")
            else:
                self._patch_token(self.tokens[found], _token_fields(fields))

    def _apply_devices(self, value: Any, now: float) -> None:
        if isinstance(value, list):
            self.devices = {}
            for item in value:
                self._new_device({"id": item} if isinstance(item, str) else item, now)
            return
        if not isinstance(value, Mapping):
            raise ScenarioError("devices is a list (replaces all) or an object keyed by device id")
        for key, fields in value.items():
            device = self.find_device(str(key))
            if fields is None:
                if device is None:
                    raise ScenarioError(f"no device {key!r} to remove")
                del self.devices[device.id]
            elif device is None:
                self._new_device(dict(_device_fields(fields), id=key), now)
            else:
                self._patch_device(device, fields, now)

    def snapshot(self) -> dict[str, Any]:
        """Everything a test or a person wants to see, token values excepted."""
        with self.current() as now:
            return {
                "now": now,
                "now_iso": iso_utc(now),
                "clock_offset": self.clock.offset,
                "account_blocked": self.account_blocked,
                "quota": self.quota,
                "quota_used": self.usage.get(month_key(now), 0),
                "month": month_key(now),
                "device_format": self.device_format,
                "list_offset": self.list_offset,
                "list_order": self.list_order,
                "rate_limit": self.rate_limit,
                "rate_limit_mode": self.rate_limit_mode,
                "rate_limited": self.rate_limited,
                "status_overrides": {str(code): status for code, status in sorted(self.status_overrides.items())},
                "default_statuses": {str(code): DEFAULT_STATUS_BY_CATEGORY.get(info.category, 500)
                                     for code, info in TABLE.items()},
                "lifecycle": dict(self.lifecycle),
                "delete_after": self.delete_after,
                "failures": copy.deepcopy(self.failures),
                "tokens": [record.snapshot(index) for index, record in enumerate(self.tokens.values())],
                "devices": [device.snapshot(now) for device in self.devices.values()],
                "faults": [rule.as_dict() for rule in self.faults],
                "outage": self.outage.as_dict(now) if self.outage is not None else None,
                "messages": sum(1 for m in self.messages.values() if not m.deleted),
                "messages_created": len(self.messages),
                "requests_logged": len(self.log),
                "endpoints": list(ENDPOINTS),
            }


# -- value checks for scenarios ---------------------------------------------------------------------------

def _created(message: StoredMessage) -> float:
    return message.created


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{name} must be true or false, not {value!r}")
    return value


def _unknown(what: str, unknown: Iterable[str], known: Iterable[str]) -> str:
    return f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"


def _device_fields(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ScenarioError("a device is an object of fields (or just its id as text)")
    renamed = {_DEVICE_ALIASES.get(str(key), str(key)): value for key, value in fields.items()}
    unknown = sorted(set(renamed) - _DEVICE_KEYS)
    if unknown:
        raise ScenarioError(f"unknown device field(s) {', '.join(unknown)}; known: {', '.join(sorted(_DEVICE_KEYS))}")
    return renamed


def _token_fields(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ScenarioError("a token is its text or an object with token, label, active, deleted, permissions")
    unknown = sorted(set(fields) - _TOKEN_KEYS)
    if unknown:
        raise ScenarioError(f"unknown token field(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOKEN_KEYS))}")
    return dict(fields)


def _permissions(value: Any, current: Mapping[str, bool]) -> dict[str, bool]:
    """A list is the exact set granted; an object changes only the grants it names."""
    if isinstance(value, list):
        unknown = sorted(set(map(str, value)) - set(PERMISSIONS))
        if unknown:
            raise ScenarioError(f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}")
        return {name: name in value for name in PERMISSIONS}
    if isinstance(value, Mapping):
        merged = dict(current)
        for name, granted in value.items():
            if name not in PERMISSIONS:
                raise ScenarioError(f"unknown permission {name!r}; known: {', '.join(PERMISSIONS)}")
            merged[name] = _bool(f"permission {name}", granted)
        return merged
    raise ScenarioError("permissions is a list of granted names or an object of name: true/false")


def _sims(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ScenarioError('sims is a list of {"slot_index": n, "display_name": "..."} or of operator names')
    sims = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            sims.append({"slot_index": index, "display_name": item})
        elif isinstance(item, Mapping) and _is_int(item.get("slot_index")) and isinstance(
                item.get("display_name", ""), str):
            sims.append({"slot_index": item["slot_index"], "display_name": item.get("display_name", "")})
        else:
            raise ScenarioError(f"sim {item!r} needs a whole-number slot_index and a display_name")
    return sims


def _failures(value: Any) -> list[dict[str, Any]]:
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
        if rule["count"] is not None and (not _is_int(rule["count"]) or rule["count"] < 0):
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
