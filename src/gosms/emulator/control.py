"""The control API under ``/_emulator``: what a test or a person changes while the emulator runs.

It needs no token (it is not part of GoSMS) and answers loopback clients only, so an emulator bound
to a wider address for a demo cannot be reconfigured from the network.  Each route mirrors a method
of :class:`gosms.emulator.Emulator`, so the CLI-started emulator is scriptable with curl.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .clock import iso_utc
from .faults import FaultError, parse_rules
from .outage import OutageError
from .phones import BEHAVIOURS
from .state import RATE_LIMIT_MODES, ScenarioError, State

__all__ = ["CONTROL_PREFIX", "handle"]

CONTROL_PREFIX = "/_emulator"


class _BadRequest(Exception):
    pass


def _body(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        raise _BadRequest("the body is not valid JSON") from None


def _object(raw: bytes) -> Mapping[str, Any]:
    data = _body(raw)
    if not isinstance(data, Mapping):
        raise _BadRequest("the body must be a JSON object")
    return data


def _clock(state: State, raw: bytes) -> Any:
    data = _object(raw)
    if set(data) - {"advance", "set"} or len(data) > 1:
        raise _BadRequest('send {"advance": seconds} or {"set": unix_seconds}')
    for key, value in data.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _BadRequest(f"{key} must be a number")
        (state.advance if key == "advance" else state.set_time)(value)
    now = state.now()
    return {"now": now, "now_iso": iso_utc(now), "offset": state.clock.offset}


def _scenario(state: State, raw: bytes) -> Any:
    state.apply(_object(raw))
    return state.snapshot()


def _add_faults(state: State, raw: bytes) -> Any:
    state.add_faults(parse_rules(_body(raw)))
    return _faults(state, raw)


def _faults(state: State, raw: bytes) -> Any:
    return state.snapshot()["faults"]


def _clear_faults(state: State, raw: bytes) -> Any:
    state.clear_faults()
    return []


def _start_outage(state: State, raw: bytes) -> Any:
    return state.start_outage(_object(raw))


def _end_outage(state: State, raw: bytes) -> Any:
    state.end_outage()
    return {"outage": None}


def _reset(state: State, raw: bytes) -> Any:
    state.reset()
    return {"reset": True}


def _clear_requests(state: State, raw: bytes) -> Any:
    state.clear_requests()
    return []


def _add_device(state: State, raw: bytes) -> Any:
    fields = dict(_object(raw))
    device_id = state.add_device(**fields)
    return next(d for d in state.snapshot()["devices"] if d["id"] == device_id)


def _set_phone(state: State, raw: bytes) -> Any:
    fields = dict(_object(raw))
    ref = fields.pop("device_id", None) or fields.pop("id", None)
    if not isinstance(ref, str) or state.find_device(ref) is None:
        raise _BadRequest('name an existing phone: {"device_id": "...", "behaviour": "offline"}')
    state.apply({"devices": {ref: fields}})
    return next(d for d in state.snapshot()["devices"] if d["id"] == state.find_device(ref).id)  # type: ignore[union-attr]


def _deliveries(state: State, raw: bytes) -> Any:
    return state.deliveries()


def _add_token(state: State, raw: bytes) -> Any:
    fields = dict(_object(raw))
    unknown = set(fields) - {"token", "label", "active", "permissions"}
    if unknown:
        raise _BadRequest(f"unknown token field(s) {', '.join(sorted(unknown))}")
    token = state.add_token(fields.pop("token", None), **fields)
    record = state.token(token)
    # The caller asked for a token and needs its value once; the state and the log never show it.
    return {"token": token, "label": record.label if record else None}


def _seed_messages(state: State, raw: bytes) -> Any:
    fields = dict(_object(raw))
    unknown = set(fields) - {"count", "phone", "time_create", "step", "message"}
    if unknown:
        raise _BadRequest(f"unknown field(s) {', '.join(sorted(unknown))}; known: count, message, phone, step, "
                          "time_create")
    if "count" not in fields:
        raise _BadRequest('send {"count": n} and optionally phone, time_create, step, message')
    return {"ids": state.seed_messages(**fields)}


_ROUTES: Mapping[tuple[str, str], Callable[[State, bytes], Any]] = {
    ("GET", "/state"): lambda state, raw: state.snapshot(),
    ("POST", "/scenario"): _scenario,
    ("GET", "/faults"): _faults,
    ("POST", "/faults"): _add_faults,
    ("DELETE", "/faults"): _clear_faults,
    ("GET", "/clock"): lambda state, raw: _clock(state, b""),
    ("POST", "/clock"): _clock,
    ("POST", "/outage"): _start_outage,
    ("DELETE", "/outage"): _end_outage,
    ("POST", "/reset"): _reset,
    ("GET", "/requests"): lambda state, raw: state.requests(),
    ("DELETE", "/requests"): _clear_requests,
    ("GET", "/messages"): lambda state, raw: state.messages_snapshot(),
    ("POST", "/messages"): _seed_messages,
    ("POST", "/devices"): _add_device,
    ("POST", "/phones"): _set_phone,
    ("GET", "/deliveries"): _deliveries,
    ("POST", "/tokens"): _add_token,
}


def _index(state: State, raw: bytes) -> Any:
    return {"routes": [f"{method} {CONTROL_PREFIX}{path}" for method, path in _ROUTES],
            "phone_behaviours": dict(BEHAVIOURS),
            "rate_limit_modes": dict(RATE_LIMIT_MODES),
            "rate_limit_mode": state.snapshot()["rate_limit_mode"]}


def handle(state: State, method: str, path: str, raw: bytes) -> tuple[int, Any]:
    """Status and JSON payload for a control request; ``path`` is what follows the prefix."""
    path = path.rstrip("/")
    if path == "" and method == "GET":
        return 200, _index(state, raw)
    action = _ROUTES.get((method, path))
    if action is None:
        known = any(route_path == path for _, route_path in _ROUTES)
        return (405, {"error": f"{method} is not supported here"}) if known else (
            404, {"error": f"no control route {CONTROL_PREFIX}{path}", **_index(state, raw)})
    try:
        return 200, action(state, raw)
    except (_BadRequest, ScenarioError, FaultError, OutageError, TypeError, ValueError) as exc:
        return 400, {"error": str(exc)}
