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

Each concern lives in its own module (:mod:`.tokens`, :mod:`.phones`, :mod:`.messages`,
:mod:`.traffic`); this one assembles them, builds and resets the account, applies patches whole or
not at all, and takes the snapshot.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

from gosms.wire.errors import TABLE, lookup
from gosms.wire.paging import NEWEST_FIRST, OFFSET_MODES, OLDEST_FIRST

from .clock import Clock, iso_utc, month_key, new_object_id
from .faults import ENDPOINTS, FaultRule, parse_rules
from .messages import DEFAULT_LIFECYCLE, SEED_LIMIT, MessageBook, StoredMessage, parse_failures
from .outage import Outage
from .phones import Device, device_fields
from .scenario import ScenarioError, as_bool, is_int, is_number, unknown_keys
from .tokens import DEFAULT_TOKEN, PERMISSIONS, TokenBook, TokenRecord, token_fields
from .traffic import DEFAULT_RATE_LIMIT, DEFAULT_STATUS_BY_CATEGORY, LOG_LIMIT, RATE_LIMIT_MODES, Traffic

__all__ = [
    "DEFAULT_LIFECYCLE",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_STATUS_BY_CATEGORY",
    "DEFAULT_TOKEN",
    "LIST_OFFSETS",
    "LIST_ORDERS",
    "PERMISSIONS",
    "RATE_LIMIT_MODES",
    "SEED_LIMIT",
    "Device",
    "ScenarioError",
    "State",
    "StoredMessage",
    "TokenRecord",
    "new_object_id",
]

DELETE_AFTER_SECONDS = lookup(1010).retry_after
"""A message can be deleted this long after creation (code 1010's own rule: 5 minutes)."""

_SCENARIO_KEYS = frozenset((
    "account_blocked", "quota", "quota_used", "device_format", "rate_limit", "rate_limit_mode", "status_overrides",
    "lifecycle", "delete_after", "failures", "devices", "tokens", "faults", "clock", "start_time",
    "list_offset", "list_order",
))
LIST_OFFSETS = OFFSET_MODES
"""What the list's ``offset`` counts: "page" (default), "record1", "record0"."""
LIST_ORDERS = (NEWEST_FIRST, OLDEST_FIRST)


class State(MessageBook, TokenBook, Traffic):
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
            raise ScenarioError(unknown_keys("scenario key", unknown, _SCENARIO_KEYS))
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
            item = {"id": item} if isinstance(item, str) else dict(device_fields(item))
            item.setdefault("id", str(uuid.uuid4()))
            item.setdefault("record_id", new_object_id(time.time()))
            fixed_devices.append(item)
        scenario["devices"] = fixed_devices
        tokens = scenario.get("tokens") or [DEFAULT_TOKEN]
        if not isinstance(tokens, list):
            raise ScenarioError("tokens must be a list of token strings or token objects")
        fixed_tokens = []
        for index, item in enumerate(tokens):
            item = {"token": item} if isinstance(item, str) else dict(token_fields(item))
            item.setdefault("label", f"token{index}")
            fixed_tokens.append(item)
        scenario["tokens"] = fixed_tokens
        return scenario

    def _build(self) -> None:
        initial = copy.deepcopy(self._initial)
        start = initial.pop("start_time", None)
        if start is not None and not is_number(start):
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
        self._spread_turn = 0
        self.usage: dict[str, int] = {}
        self.faults: list[FaultRule] = []
        self.outage: Outage | None = None
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._log_seq = itertools.count(1)
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self.rate_limited = 0
        self._label_seq = itertools.count(len(initial.get("tokens", [])))
        self._apply(initial)

    def reset(self) -> None:
        """Back to the scenario the emulator started with: same tokens and devices, no messages, no log."""
        with self.lock:
            self._build()

    # -- time ---------------------------------------------------------------------------------------------

    def advance(self, seconds: float) -> float:
        with self.current():
            return self.clock.advance(seconds)

    def set_time(self, unix_time: float) -> float:
        with self.current():
            return self.clock.set(unix_time)

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
            raise ScenarioError(unknown_keys("scenario key", unknown, _SCENARIO_KEYS))
        if "clock" in patch:
            self._apply_clock(patch["clock"])
        now = self.clock.now()
        if "account_blocked" in patch:
            self.account_blocked = as_bool("account_blocked", patch["account_blocked"])
        if "quota" in patch:
            quota = patch["quota"]
            if quota is not None and (not is_int(quota) or quota < 0):
                raise ScenarioError(f"quota {quota!r} must be a whole number of 0 or more, or null for no limit")
            self.quota = quota
        if "quota_used" in patch:
            used = patch["quota_used"]
            if not is_int(used) or used < 0:
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
            if not is_int(limit) or limit < 0:
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
            if not is_number(patch["delete_after"]) or patch["delete_after"] < 0:
                raise ScenarioError("delete_after must be seconds of 0 or more")
            self.delete_after = float(patch["delete_after"])
        if "failures" in patch:
            self.failures = parse_failures(patch["failures"])
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
        if not is_number(amount):
            raise ScenarioError(f"clock {key} must be a number")
        try:
            if key == "advance":
                self.clock.advance(amount)
            else:
                self.clock.set(amount)
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None

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

