"""The account's phones: what device info reports about them and how a scenario changes them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gosms.wire.models import HEARTBEAT_SECONDS
from gosms.wire.validation import check_device_id

from .clock import iso_utc, new_object_id
from .scenario import Account, ScenarioError, as_bool, is_int, is_number

__all__ = ["BEHAVIOURS", "DEFAULT_SLOW_FACTOR", "Device", "PhoneBook", "device_fields"]

_DEVICE_ALIASES = {"device_id": "id", "is_active": "active", "is_charging": "charging"}
_DEVICE_KEYS = frozenset((
    "id", "record_id", "name", "name_type", "battery", "charging", "active", "online", "last_seen",
    "last_seen_ago", "low_battery_alert", "to_sim", "sims", "console_data", "behaviour", "slow_factor",
))
BEHAVIOURS: dict[str, str] = {
    "delivers": "takes each message through 0 -> 1 -> 2 -> 4 at the lifecycle's pace (default)",
    "offline": "sends no heartbeat and takes nothing; what waits for it goes out when it comes back",
    "send_error": "takes each message and fails to send it: status 3",
    "delivery_error": "sends each message and the network reports it undelivered: status 5",
    "slow": "delivers, each stage slow_factor times the lifecycle's seconds",
}
"""What a phone does with the messages it takes; ``offline`` is the same as ``online: false``.
A failure rule on the recipient's number wins over the phone's behaviour."""
DEFAULT_SLOW_FACTOR = 20.0


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
    behaviour: str = "delivers"
    """What the phone does with a message it takes (see BEHAVIOURS; offline is kept in ``online``)."""
    slow_factor: float = DEFAULT_SLOW_FACTOR

    def pace(self) -> float:
        """How many times the lifecycle's seconds each stage takes on this phone."""
        return self.slow_factor if self.behaviour == "slow" else 1.0

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
                "to_sim": self.to_sim, "sims": [dict(s) for s in self.sims], "console_data": self.console_data,
                "behaviour": self.behaviour if self.online else "offline", "slow_factor": self.slow_factor}



class PhoneBook(Account):
    """The phones, keyed by the id the Russian page uses; found by either id."""

    devices: dict[str, Device]

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
        fields = dict(device_fields(fields))
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
        fields = device_fields(fields)
        if "id" in fields and fields["id"] != device.id:
            raise ScenarioError("a device's id cannot change; remove it and add a new one")
        for key in ("name", "name_type", "console_data"):
            if key in fields:
                if not isinstance(fields[key], str):
                    raise ScenarioError(f"device {key} must be text")
                setattr(device, key, fields[key])
        for key in ("charging", "active", "low_battery_alert"):
            if key in fields:
                setattr(device, key, as_bool(f"device {key}", fields[key]))
        if "battery" in fields:
            battery = fields["battery"]
            if not is_int(battery) or not 0 <= battery <= 100:
                raise ScenarioError(f"device battery {battery!r} must be a whole number from 0 to 100")
            device.battery = battery
        if "to_sim" in fields:
            if not is_int(fields["to_sim"]):
                raise ScenarioError("device to_sim must be a whole number (-2 default SIM, -1 random, 0.. slot)")
            device.to_sim = fields["to_sim"]
        if "sims" in fields:
            device.sims = parse_sims(fields["sims"])
        if "record_id" in fields and fields["record_id"] != device.record_id:
            raise ScenarioError("a device's record_id cannot change")
        seen: float | None = None
        if "last_seen" in fields:
            if not is_number(fields["last_seen"]):
                raise ScenarioError("device last_seen must be Unix seconds")
            seen = float(fields["last_seen"])
        if "last_seen_ago" in fields:
            if not is_number(fields["last_seen_ago"]) or fields["last_seen_ago"] < 0:
                raise ScenarioError("device last_seen_ago must be seconds of 0 or more")
            seen = now - float(fields["last_seen_ago"])
        online = fields.get("online")
        if online is not None:
            online = as_bool("device online", online)
        if "slow_factor" in fields:
            factor = fields["slow_factor"]
            if not is_number(factor) or factor < 1:
                raise ScenarioError(f"device slow_factor {factor!r} must be a number of 1 or more")
            device.slow_factor = float(factor)
        if "behaviour" in fields:
            behaviour = fields["behaviour"]
            if behaviour not in BEHAVIOURS:
                raise ScenarioError(f"device behaviour {behaviour!r} is not one of: " + "; ".join(
                    f"{name} ({meaning})" for name, meaning in BEHAVIOURS.items()))
            if behaviour == "offline":
                online = False if online is None else online
            else:
                device.behaviour = behaviour
                online = True if online is None else online
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
                self._new_device(dict(device_fields(fields), id=key), now)
            else:
                self._patch_device(device, fields, now)


def device_fields(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ScenarioError("a device is an object of fields (or just its id as text)")
    renamed = {_DEVICE_ALIASES.get(str(key), str(key)): value for key, value in fields.items()}
    unknown = sorted(set(renamed) - _DEVICE_KEYS)
    if unknown:
        raise ScenarioError(f"unknown device field(s) {', '.join(unknown)}; known: {', '.join(sorted(_DEVICE_KEYS))}")
    return renamed



def parse_sims(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ScenarioError('sims is a list of {"slot_index": n, "display_name": "..."} or of operator names')
    sims = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            sims.append({"slot_index": index, "display_name": item})
        elif isinstance(item, Mapping) and is_int(item.get("slot_index")) and isinstance(
                item.get("display_name", ""), str):
            sims.append({"slot_index": item["slot_index"], "display_name": item.get("display_name", "")})
        else:
            raise ScenarioError(f"sim {item!r} needs a whole-number slot_index and a display_name")
    return sims
