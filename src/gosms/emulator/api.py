"""What the GoSMS API answers, endpoint by endpoint, with its checks in the API's order.

Checks run as the server would meet them: rate limit, token (1003, 1002), account (3000), JSON body
(1001), the token's permission for the endpoint, each field with the rules in
:mod:`gosms.wire.validation` (so the emulator and the client refuse exactly the same input), and then the
account's state.  Error texts are the table's ``description_ru``: the API answers in Russian.

Where the pages are silent, the emulator decides as follows (each is a guess a client must not
depend on, so a test can also override most of them):

- HTTP status per code: from the code's category (see ``DEFAULT_STATUS_BY_CATEGORY``); clients
  must decode the ``errors.code``, and ``status_overrides`` proves they do.
- ``GET /sms``: ``offset`` is the page number, 1 first ("by default 1, the first page"); 0 reads as
  1 and ``pagination.offset`` echoes the page served.  ``pagination.limit`` echoes the requested
  limit; ``total_records`` counts the messages the search matched.  Newest first.  The docs also
  call ``offset`` "the offset relative to the beginning of the list" and only show an example of
  the order, so the scenario switches ``list_offset`` ("record1": the record to start at, 1 first,
  0 read as 1; "record0": records skipped, 0 first) and ``list_order`` ("oldest_first") play the
  other readings; ``pagination.offset`` then echoes the offset asked for.
- An empty ``device_id`` or ``callback_id`` is the same as none (the send page says so); a
  ``null`` ``to_sim`` too.  ``phone_number`` and ``message`` must be JSON strings and ``to_sim`` a
  JSON number, as the pages type them; the text is checked and stored exactly as sent (no
  normalisation), so ``/sms/get`` returns what was sent.  ``is_active`` must be a JSON boolean;
  missing or ``null`` is false.
- 1015 when no phone is active at all; a message for an inactive or offline phone is accepted
  and waits in status 0 until that phone can take it (with no ``device_id``, until any can).
- The monthly quota is the calendar month in Moscow time, as the core counts usage
  (:func:`gosms.wire.usage.month_start`); deleted messages still count against it.
- The rate limiter stands in front of the API: it counts before the token is checked (unknown
  tokens too), per endpoint and token, in real time (not the emulator clock).  By default a refused
  request does not count and the 429 says ``Retry-After: 1``; ``rate_limit_mode: "strict"`` counts
  refused requests too (hammering keeps the window shut) and sends no ``Retry-After``, as many
  limiters do.  Its 429 is plain text, not the API's JSON.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gosms.wire.errors import ValidationError, lookup
from gosms.wire.validation import (
    api_accepts_message,
    check_callback_id,
    check_device_id,
    check_limit,
    check_message_id,
    check_offset,
    check_phone,
    check_to_sim,
)

from .state import State

__all__ = ["JSON_TYPE", "PATHS", "ROUTES", "Reply", "error_reply", "execute", "json_reply", "too_many"]

JSON_TYPE = "application/json; charset=utf-8"

ROUTES: Mapping[tuple[str, str], str] = {
    ("POST", "/sms/send"): "send",
    ("POST", "/sms/get"): "get",
    ("DELETE", "/sms/del"): "delete",
    ("GET", "/sms"): "list",
    ("POST", "/devices/get/info"): "device_info",
    ("POST", "/devices/edit"): "device_edit",
    ("POST", "/devices/del"): "device_delete",
}
"""Method and path under ``/v1`` for each endpoint name."""
PATHS = frozenset(path for _, path in ROUTES)

# The grant each endpoint needs and the code the API answers without it.
_PERMISSION: Mapping[str, tuple[str, int]] = {
    "send": ("send", 1005),
    "get": ("read", 1007),
    "list": ("read", 1007),
    "delete": ("delete", 1009),
    "device_info": ("devices_read", 1011),
    "device_edit": ("devices_edit", 1013),
    "device_delete": ("devices_delete", 1014),
}


@dataclass
class Reply:
    """An answer the server is about to send, with what the request log needs to know about it."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    code: int | None = None
    """The API error code answered, if any."""
    token_label: str | None = None
    executed: bool = True
    """False when the request was turned away before the API acted on it (rate limit)."""


class _Refusal(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def json_reply(status: int, payload: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body)


def error_reply(state: State, code: int) -> Reply:
    """The documented error shape; the message is the table's Russian text, the hash a fresh one."""
    info = lookup(code)
    reply = json_reply(state.status_for(code), {
        "errors": {"code": code, "message": info.description_ru, "hash": secrets.token_hex(6)}
    })
    reply.code = code
    return reply


def too_many(retry_after: bool = True) -> Reply:
    """The rate limiter's answer: plain text, as a limiter in front of the API sends, not the API's JSON."""
    return Reply(429, b"Too Many Requests", "text/plain; charset=utf-8",
                 {"Retry-After": "1"} if retry_after else {}, executed=False)


def execute(state: State, endpoint: str, token: str | None, body: bytes, query: Mapping[str, str]) -> Reply:
    """Run one API request against the state and build its answer."""
    if not state.admit(endpoint, token or "", time.monotonic()):
        return too_many(retry_after=state.rate_limit_mode != "strict")
    label: str | None = None
    with state.current() as now:
        try:
            record = state.token(token) if token else None
            if record is None or record.deleted:
                raise _Refusal(1003)
            label = record.label
            if not record.active:
                raise _Refusal(1002)
            if state.account_blocked:
                raise _Refusal(3000)
            data = {} if endpoint == "list" else _parse(body)
            grant, code = _PERMISSION[endpoint]
            if not record.permissions.get(grant, False):
                raise _Refusal(code)
            reply = _HANDLERS[endpoint](state, data, query, now)
        except _Refusal as refusal:
            reply = error_reply(state, refusal.code)
        except ValidationError as invalid:
            reply = error_reply(state, invalid.code)
    reply.token_label = label
    return reply


def _parse(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything else (empty, a list, broken UTF-8) is the API's 1001."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
        raise _Refusal(1001) from None
    if not isinstance(data, dict):
        raise _Refusal(1001)
    return data


def _given(value: Any) -> bool:
    """The pages treat an empty string like an absent optional field."""
    return value is not None and value != ""


def _send(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    # The client's order (gosms.wire.outcomes.plan_send): number, text, phone, SIM, webhook.  Types as the
    # pages give them: phone_number a string, message a string, to_sim a number.
    number = data.get("phone_number")
    if not isinstance(number, str):
        raise _Refusal(2001)
    phone = check_phone(number)
    message = data.get("message")
    if not isinstance(message, str) or not api_accepts_message(message):
        raise _Refusal(2002)
    device_ref = check_device_id(data["device_id"]) if _given(data.get("device_id")) else None
    to_sim = data.get("to_sim")
    if to_sim is not None:
        if isinstance(to_sim, bool) or not isinstance(to_sim, int):
            raise _Refusal(2008)
        check_to_sim(to_sim, device_ref)
    callback = check_callback_id(data["callback_id"]) if _given(data.get("callback_id")) else ""
    if not state.devices:
        raise _Refusal(1004)
    if not any(device.active for device in state.devices.values()):
        raise _Refusal(1015)
    if device_ref is not None and state.find_device(device_ref) is None:
        raise _Refusal(1016)
    if state.quota is not None and state.quota_used(now) >= state.quota:
        raise _Refusal(1006)
    stored = state.create_message(message=message, phone_number=phone, device_id=device_ref or "",
                                  callback_id=callback, to_sim=to_sim, now=now)
    return json_reply(200, {"id": stored.id})


def _get(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    stored = state.find_message(check_message_id(data.get("id")))
    if stored is None:
        raise _Refusal(1008)
    return json_reply(200, stored.api_view())


def _delete(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    stored = state.find_message(check_message_id(data.get("id")))
    if stored is None:
        raise _Refusal(1008)
    if now - stored.created < state.delete_after:
        raise _Refusal(1010)
    stored.deleted = True
    return Reply(204)


def _list(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    limit = check_limit(query.get("limit"))
    # Without an offset every reading starts at the beginning of the list (0 for "record0").
    first = 0 if state.list_offset == "record0" else 1
    asked = check_offset(query["offset"]) if _given(query.get("offset")) else first
    if state.list_offset == "record0":
        start, echoed = asked, asked  # records to skip
    elif state.list_offset == "record1":
        start, echoed = max(1, asked) - 1, asked  # the record to start at, 1 first; 0 read as 1
    else:
        # offset is the page number, 1 first (the page's own default); 0 is read as the first page too.
        page = max(1, asked)
        start, echoed = (page - 1) * limit, page
    items = state.visible_messages()
    search = (query.get("search") or "").casefold()
    if search:
        items = [m for m in items if any(search in text.casefold() for text in _searched(m.api_view()))]
    return json_reply(200, {
        "pagination": {"total_records": len(items), "limit": limit, "offset": echoed},
        "sms_list": [m.api_view() for m in items[start:start + limit]],
    })


def _searched(view: Mapping[str, Any]) -> tuple[str, str, str]:
    return view["message"], view["message_status"], view["phone_number"]


def _device_ref(state: State, data: dict[str, Any]) -> str:
    """The device id under ``device_id`` (Russian page) or ``id`` (English page), the format's own first."""
    keys = ("id", "device_id") if state.device_format == "en" else ("device_id", "id")
    for key in keys:
        if _given(data.get(key)):
            return check_device_id(data[key])
    return check_device_id(data.get(keys[0]))


def _device_info(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    device = state.find_device(_device_ref(state, data))
    if device is None:
        raise _Refusal(1012)
    return json_reply(200, device.api_view(now, state.device_format))


def _device_edit(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    ref = _device_ref(state, data)
    active = data.get("is_active")
    if active is None:
        active = False  # the English page: a request without is_active deactivates the phone
    if not isinstance(active, bool):
        raise ValidationError(2009, f"is_active {active!r} is not a JSON boolean.")
    device = state.find_device(ref)
    if device is None:
        raise _Refusal(1012)
    device.active = active
    return Reply(204)


def _device_delete(state: State, data: dict[str, Any], query: Mapping[str, str], now: float) -> Reply:
    device = state.find_device(_device_ref(state, data))
    if device is None:
        raise _Refusal(1012)
    del state.devices[device.id]
    return Reply(204)


_HANDLERS: Mapping[str, Callable[[State, dict[str, Any], Mapping[str, str], float], Reply]] = {
    "send": _send,
    "get": _get,
    "delete": _delete,
    "list": _list,
    "device_info": _device_info,
    "device_edit": _device_edit,
    "device_delete": _device_delete,
}
