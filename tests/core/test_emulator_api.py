"""The emulated GoSMS API over real HTTP: every error code, the order of checks, lifecycles, lists,
devices, quota and the rate limit."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from gosms.emulator import Emulator
from gosms.wire.errors import TABLE
from gosms.wire.models import HEARTBEAT_SECONDS, MessageStatus
from gosms.wire.usage import month_start

PATHS = {
    "send": ("POST", "/sms/send"),
    "get": ("POST", "/sms/get"),
    "delete": ("DELETE", "/sms/del"),
    "list": ("GET", "/sms"),
    "device_info": ("POST", "/devices/get/info"),
    "device_edit": ("POST", "/devices/edit"),
    "device_delete": ("POST", "/devices/del"),
}
PHONE = "79990001122"
UNKNOWN_UUID = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"


def call(emu: Emulator, endpoint: str, body: Any = None, *, token: str | None = None,
         query: dict[str, Any] | None = None, raw: bytes | None = None) -> requests.Response:
    method, path = PATHS[endpoint]
    headers = {"Authorization": f"Bearer {token or emu.token}"}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return requests.request(method, emu.url + path, data=raw, headers=headers, params=query, timeout=5)
    return requests.request(method, emu.url + path, json=body, headers=headers, params=query, timeout=5)


def send(emu: Emulator, **fields: Any) -> requests.Response:
    body = {"message": "disk full on db1", "phone_number": PHONE}
    body.update(fields)
    return call(emu, "send", body)


def code_of(response: requests.Response) -> int:
    code: int = response.json()["errors"]["code"]
    return code


def message_id(emu: Emulator, **fields: Any) -> str:
    response = send(emu, **fields)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


# -- every code in the table can be provoked ------------------------------------------------------------

def _token_with(emu: Emulator, *grants: str) -> str:
    return emu.add_token(permissions=list(grants))


def _send_after(**patch: Any) -> Callable[[Emulator], requests.Response]:
    def provoke(emu: Emulator) -> requests.Response:
        emu.set_scenario(**patch)
        return send(emu)
    return provoke


def _send_with_fault(emu: Emulator) -> requests.Response:
    emu.add_fault("error", "send", code=1000)
    return send(emu)


def _send_with_inactive_phone(emu: Emulator) -> requests.Response:
    emu.set_scenario(devices={emu.device_id: {"active": False}})
    return send(emu)


PROVOKE: dict[int, Callable[[Emulator], requests.Response]] = {
    1000: _send_with_fault,
    1001: lambda emu: call(emu, "send", raw=b'{"message": "x", "phone_number": '),
    1002: _send_after(tokens={"token0": {"active": False}}),
    1003: lambda emu: call(emu, "send", {"message": "x", "phone_number": PHONE}, token="no-such-token"),
    1004: _send_after(devices=[]),
    1005: lambda emu: call(emu, "send", {"message": "x", "phone_number": PHONE}, token=_token_with(emu, "read")),
    1006: _send_after(quota=0),
    1007: lambda emu: call(emu, "get", {"id": message_id(emu)}, token=_token_with(emu, "send")),
    1008: lambda emu: call(emu, "get", {"id": "0" * 24}),
    1009: lambda emu: call(emu, "delete", {"id": message_id(emu)}, token=_token_with(emu, "send", "read")),
    1010: lambda emu: call(emu, "delete", {"id": message_id(emu)}),
    1011: lambda emu: call(emu, "device_info", {"device_id": emu.device_id}, token=_token_with(emu, "send")),
    1012: lambda emu: call(emu, "device_info", {"device_id": UNKNOWN_UUID}),
    1013: lambda emu: call(emu, "device_edit", {"device_id": emu.device_id, "is_active": True},
                         token=_token_with(emu, "devices_read")),
    1014: lambda emu: call(emu, "device_delete", {"device_id": emu.device_id},
                         token=_token_with(emu, "devices_read", "devices_edit")),
    1015: _send_with_inactive_phone,
    1016: lambda emu: send(emu, device_id=UNKNOWN_UUID),
    1017: lambda emu: send(emu, to_sim=1),
    2001: lambda emu: send(emu, phone_number="+7 999 000-11-22"),
    2002: lambda emu: send(emu, message="pipes | are not allowed"),
    2003: lambda emu: call(emu, "get", {"id": "not-an-object-id"}),
    2004: lambda emu: send(emu, callback_id="webhook-1"),
    2005: lambda emu: send(emu, device_id="phone-1"),
    2006: lambda emu: call(emu, "list", query={"offset": 1}),
    2007: lambda emu: call(emu, "list", query={"limit": 5, "offset": "second"}),
    2008: lambda emu: send(emu, device_id=emu.device_id, to_sim="first"),
    2009: lambda emu: call(emu, "device_edit", {"device_id": emu.device_id, "is_active": "yes"}),
    3000: _send_after(account_blocked=True),
}

DEFAULT_STATUS = {
    1000: 500, 1001: 400, 1002: 401, 1003: 401, 1004: 400, 1005: 403, 1006: 403, 1007: 403, 1008: 404,
    1009: 403, 1010: 400, 1011: 403, 1012: 404, 1013: 403, 1014: 403, 1015: 400, 1016: 400, 1017: 400,
    2001: 400, 2002: 400, 2003: 400, 2004: 400, 2005: 400, 2006: 400, 2007: 400, 2008: 400, 2009: 400,
    3000: 403,
}


def test_every_code_in_the_table_has_a_provocation() -> None:
    assert set(PROVOKE) == set(TABLE)
    assert set(DEFAULT_STATUS) == set(TABLE)


@pytest.mark.parametrize("code", sorted(PROVOKE))
def test_each_code_is_answered_in_the_documented_shape(gosms_emulator: Emulator, code: int) -> None:
    response = PROVOKE[code](gosms_emulator)
    assert response.status_code == DEFAULT_STATUS[code]
    assert response.headers["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors["code"] == code
    assert errors["message"] == TABLE[code].description_ru
    assert re.fullmatch(r"[0-9a-f]{12}", errors["hash"])


def test_deleted_token_is_1003_like_an_unknown_one(gosms_emulator: Emulator) -> None:
    gosms_emulator.set_scenario(tokens={"token0": {"deleted": True}})
    assert code_of(send(gosms_emulator)) == 1003
    response = requests.post(gosms_emulator.url + "/sms/send", json={}, timeout=5)  # no Authorization at all
    assert response.status_code == 401 and code_of(response) == 1003


def test_status_overrides_change_the_status_not_the_code(gosms_emulator: Emulator) -> None:
    gosms_emulator.set_scenario(quota=0, status_overrides={"1006": 429, "2001": 200})
    quota = send(gosms_emulator)
    assert quota.status_code == 429 and code_of(quota) == 1006  # a JSON 429, unlike the rate limiter's
    phone = send(gosms_emulator, phone_number="x")
    assert phone.status_code == 200 and code_of(phone) == 2001
    gosms_emulator.set_scenario(status_overrides={"1006": None})
    assert send(gosms_emulator).status_code == 403


@pytest.mark.parametrize(("setup", "fields", "raw", "expected"), [
    ({"tokens": {"token0": {"active": False}}, "account_blocked": True}, {}, None, 1002),
    ({"account_blocked": True}, {}, b"{broken", 3000),
    ({"tokens": {"token0": {"permissions": ["read"]}}}, {}, b"[1, 2]", 1001),
    ({"tokens": {"token0": {"permissions": ["read"]}}}, {"phone_number": "x"}, None, 1005),
    ({"devices": [], "quota": 0}, {"message": ""}, None, 2002),
    ({"devices": [], "quota": 0}, {}, None, 1004),
    ({"quota": 0}, {"device_id": UNKNOWN_UUID}, None, 1016),
])
def test_checks_run_in_the_api_order(gosms_emulator: Emulator, setup: dict[str, Any], fields: dict[str, Any],
                                     raw: bytes | None, expected: int) -> None:
    gosms_emulator.set_scenario(**setup)
    response = call(gosms_emulator, "send", raw=raw) if raw is not None else send(gosms_emulator, **fields)
    assert code_of(response) == expected


@pytest.mark.parametrize(("fields", "expected"), [
    # Fields in the client's order (gosms.wire.outcomes.plan_send): number, text, phone, SIM, webhook.
    ({"phone_number": "x", "message": "a|b"}, 2001),
    ({"message": "a|b", "device_id": "phone-1"}, 2002),
    ({"device_id": "phone-1", "to_sim": "first", "callback_id": "hook"}, 2005),
    ({"to_sim": "first", "callback_id": "hook"}, 2008),
    # Types as the pages give them: phone_number a string, to_sim a number.
    ({"phone_number": 79990001122}, 2001),
    ({"to_sim": "0"}, 2008),
    ({"to_sim": True}, 2008),
    ({"to_sim": -3}, 2008),
    ({"message": 42}, 2002),
    # The rule on the text as sent: a letter and a separate mark is refused (the client composes it).
    ({"message": "cafe\u0301"}, 2002),
])
def test_fields_are_checked_in_the_clients_order_and_types(gosms_emulator: Emulator, fields: dict[str, Any],
                                                           expected: int) -> None:
    fields.setdefault("device_id", gosms_emulator.device_id)
    assert code_of(send(gosms_emulator, **fields)) == expected
    assert gosms_emulator.messages() == []


@pytest.mark.parametrize("text", ["\u0958 \u09dc \ufb2a", "caf\u00e9 \u212b", "\u1100\u1161"])
def test_text_is_stored_as_sent(gosms_emulator: Emulator, text: str) -> None:
    """Composition exclusions, singletons and jamo come back unchanged: no normalisation on the way."""
    got = call(gosms_emulator, "get", {"id": message_id(gosms_emulator, message=text)}).json()
    assert got["message"] == text


@pytest.mark.parametrize("slot", [0, 1, -1, -2])
def test_every_documented_sim_slot_is_accepted(gosms_emulator: Emulator, slot: int) -> None:
    got = call(gosms_emulator, "get", {"id": message_id(gosms_emulator, device_id=gosms_emulator.device_id,
                                                        to_sim=slot)}).json()
    assert got["to_sim"] == slot


def test_unknown_token_is_refused_before_the_body_is_read(gosms_emulator: Emulator) -> None:
    assert code_of(call(gosms_emulator, "send", raw=b"{", token="nope")) == 1003


# -- sending and reading ------------------------------------------------------------------------------

def test_send_returns_an_object_id_and_stores_every_field(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    before = time.time()
    callback = str(uuid.uuid4())
    sent = send(emu, device_id=emu.device_id, to_sim=2, callback_id=callback)
    assert sent.status_code == 200
    new_id = sent.json()["id"]
    assert re.fullmatch(r"[0-9a-f]{24}", new_id)
    got = call(emu, "get", {"id": new_id}).json()
    assert got == {
        "id": new_id, "message": "disk full on db1", "status": 0, "callback_id": callback,
        "device_id": emu.device_id, "phone_number": PHONE, "message_status": MessageStatus.WAITING.label_ru,
        "time_create": got["time_create"], "to_sim": 2,
    }
    assert before - 1 <= got["time_create"] <= time.time() + 1


def test_optional_fields_may_be_empty_or_absent(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    new_id = message_id(emu, device_id="", callback_id="", to_sim=None)
    got = call(emu, "get", {"id": new_id.upper()}).json()  # ObjectIDs match in any case, as the regex allows
    assert got["device_id"] == "" and got["callback_id"] == "" and got["to_sim"] is None


def test_lifecycle_reaches_delivered_in_real_time(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(lifecycle={"waiting": 0.05, "processing": 0.05, "sent": 0.05}, rate_limit=0)
    new_id = message_id(emu)
    seen: list[int] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status = call(emu, "get", {"id": new_id}).json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == MessageStatus.DELIVERED:
            break
        time.sleep(0.01)
    assert seen[-1] == 4
    assert seen == sorted(seen) and set(seen) <= {0, 1, 2, 4}


@pytest.mark.parametrize(("rule", "path"), [
    ({"status": 3}, [0, 1, 3]),
    ({"status": 5}, [0, 1, 2, 5]),
    ({"hold": 1}, [0, 1, 1]),
])
def test_failure_rules_end_a_message_in_3_or_5_or_hold_it(gosms_emulator: Emulator, rule: dict[str, int],
                                                          path: list[int]) -> None:
    emu = gosms_emulator
    emu.set_scenario(lifecycle={"waiting": 10, "processing": 10, "sent": 10}, failures=[dict(rule, phone="7999*")])
    new_id = message_id(emu)
    statuses = [call(emu, "get", {"id": new_id}).json()["status"]]
    for _ in range(len(path) - 1):
        emu.advance(10)
        body = call(emu, "get", {"id": new_id}).json()
        statuses.append(body["status"])
        assert body["message_status"] == MessageStatus(body["status"]).label_ru
    emu.advance(100)
    assert statuses == path
    assert call(emu, "get", {"id": new_id}).json()["status"] == path[-1]
    other = message_id(emu, phone_number="4915100000000")
    emu.advance(100)
    assert call(emu, "get", {"id": other}).json()["status"] == 4


def test_failure_rule_count_limits_how_many_messages_fail(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(failures=[{"phone": PHONE, "status": 3, "count": 1}])
    first, second = message_id(emu), message_id(emu)
    emu.advance(5)
    assert [call(emu, "get", {"id": i}).json()["status"] for i in (first, second)] == [3, 4]


def test_messages_wait_while_no_phone_can_take_them(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(devices={emu.device_id: {"online": False}})
    new_id = message_id(emu)
    emu.advance(3600)
    assert call(emu, "get", {"id": new_id}).json()["status"] == 0
    emu.set_scenario(devices={emu.device_id: {"online": True}})
    assert call(emu, "get", {"id": new_id}).json()["status"] == 0  # the wait starts when a phone is back
    emu.advance(1)
    assert call(emu, "get", {"id": new_id}).json()["status"] == 4


def test_a_message_pinned_to_an_inactive_phone_waits_for_it(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    second = emu.add_device(active=False)
    new_id = message_id(emu, device_id=second)
    emu.advance(60)
    assert call(emu, "get", {"id": new_id}).json()["status"] == 0
    assert call(emu, "device_edit", {"device_id": second, "is_active": True}).status_code == 204
    emu.advance(1)
    assert call(emu, "get", {"id": new_id}).json()["status"] == 4


# -- delete ------------------------------------------------------------------------------------------

def test_delete_is_refused_for_five_minutes_then_done(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    new_id = message_id(emu)
    emu.advance(299)
    assert code_of(call(emu, "delete", {"id": new_id})) == 1010
    emu.advance(1.5)
    deleted = call(emu, "delete", {"id": new_id})
    assert deleted.status_code == 204 and deleted.content == b""
    assert code_of(call(emu, "get", {"id": new_id})) == 1008
    assert code_of(call(emu, "delete", {"id": new_id})) == 1008
    assert [m["deleted"] for m in emu.messages()] == [True]


# -- list --------------------------------------------------------------------------------------------

def test_list_is_newest_first_and_offset_is_a_page_number(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    ids = [message_id(emu, message=f"alert {n}") for n in range(5)]
    first = call(emu, "list", query={"limit": 2}).json()
    assert first["pagination"] == {"total_records": 5, "limit": 2, "offset": 1}
    assert [m["id"] for m in first["sms_list"]] == [ids[4], ids[3]]
    third = call(emu, "list", query={"limit": 2, "offset": 3}).json()
    assert [m["id"] for m in third["sms_list"]] == [ids[0]]
    assert call(emu, "list", query={"limit": 2, "offset": 4}).json()["sms_list"] == []
    assert call(emu, "list", query={"limit": 2, "offset": 0}).json()["pagination"]["offset"] == 1
    assert set(first["sms_list"][0]) == {"id", "message", "status", "callback_id", "device_id", "phone_number",
                                         "message_status", "time_create", "to_sim"}


def test_list_search_matches_message_status_and_phone_ignoring_case(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(failures=[{"phone": "4915100000000", "status": 3}])
    message_id(emu, message="Disk FULL on db1")
    message_id(emu, message="cpu hot", phone_number="4915100000000")
    emu.advance(5)

    def found(search: str) -> list[str]:
        return [m["message"] for m in call(emu, "list", query={"limit": 100, "search": search}).json()["sms_list"]]

    assert found("disk full") == ["Disk FULL on db1"]
    assert found("49151") == ["cpu hot"]
    assert found(MessageStatus.SEND_ERROR.label_ru.upper()) == ["cpu hot"]
    assert found("доставлено") == ["Disk FULL on db1"]
    assert call(emu, "list", query={"limit": 100, "search": "nothing"}).json()["pagination"]["total_records"] == 0


@pytest.mark.parametrize("limit", ["0", "101", "", "ten"])
def test_list_limit_outside_1_to_100_is_2006(gosms_emulator: Emulator, limit: str) -> None:
    assert code_of(call(gosms_emulator, "list", query={"limit": limit})) == 2006


# -- devices -------------------------------------------------------------------------------------------

def test_device_info_in_the_russian_shape_by_default(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    info = call(emu, "device_info", {"device_id": emu.device_id}).json()
    assert set(info) == {"device_id", "device_battery_state", "device_name", "is_active", "is_charging",
                         "last_online_date", "device_name_type", "low_battery_alert", "to_sim", "sim_list"}
    assert info["device_id"] == emu.device_id
    assert isinstance(info["device_battery_state"], int)
    assert info["is_active"] is True and info["is_charging"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", info["last_online_date"])
    assert info["sim_list"] and set(info["sim_list"][0]) == {"slot_index", "display_name"}


def test_device_info_in_the_english_shape(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(device_format="en")
    record_id = emu.snapshot()["devices"][0]["record_id"]
    info = call(emu, "device_info", {"id": record_id}).json()
    assert set(info) == {"id", "device_id", "device_battery_state", "device_name", "is_active", "is_charging",
                         "last_online_date", "console_data"}
    assert info["id"] == record_id and info["device_id"] == emu.device_id
    assert isinstance(info["device_battery_state"], str)


@pytest.mark.parametrize("keys", [("device_id",), ("id",), ("device_id", "id")])
def test_device_endpoints_take_the_id_under_either_key(gosms_emulator: Emulator, keys: tuple[str, ...]) -> None:
    emu = gosms_emulator
    body = dict.fromkeys(keys, emu.device_id)
    assert call(emu, "device_info", body).status_code == 200
    assert call(emu, "device_edit", dict(body, is_active=False)).status_code == 204
    assert call(emu, "device_info", body).json()["is_active"] is False
    assert call(emu, "device_delete", body).status_code == 204
    assert code_of(call(emu, "device_info", body)) == 1012


def test_device_ids_may_be_object_ids(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    object_id = emu.add_device("65bbdaba833da513a46d3622")
    assert call(emu, "device_info", {"device_id": object_id}).json()["device_id"] == object_id
    assert call(emu, "send", {"message": "x", "phone_number": PHONE, "device_id": object_id}).status_code == 200


def test_device_edit_without_is_active_deactivates(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    assert call(emu, "device_edit", {"device_id": emu.device_id}).status_code == 204
    assert emu.snapshot()["devices"][0]["active"] is False
    assert code_of(send(emu)) == 1015
    assert call(emu, "device_edit", {"device_id": emu.device_id, "is_active": True}).status_code == 204
    assert send(emu).status_code == 200


def test_last_online_date_follows_heartbeats_and_stops_offline(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator

    def age() -> float:
        text = call(emu, "device_info", {"device_id": emu.device_id}).json()["last_online_date"]
        seen = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        return emu.now() - seen

    emu.advance(10 * HEARTBEAT_SECONDS + 30)
    assert 0 <= age() <= HEARTBEAT_SECONDS + 1
    emu.set_scenario(devices={emu.device_id: {"online": False}})
    emu.advance(900)
    assert 900 <= age() <= 900 + HEARTBEAT_SECONDS + 1
    emu.set_scenario(devices={emu.device_id: {"last_seen_ago": 7200}})
    assert 7199 <= age() <= 7202


# -- quota ---------------------------------------------------------------------------------------------

def test_monthly_quota_counts_this_month_and_resets_with_the_next(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(quota=2)
    assert send(emu).status_code == 200
    new_id = message_id(emu)
    assert code_of(send(emu)) == 1006
    emu.advance(301)
    assert call(emu, "delete", {"id": new_id}).status_code == 204
    assert code_of(send(emu)) == 1006  # a deleted message still counted against the tariff
    # The quota month is the core's (Moscow) billing month, not the UTC one.
    next_month = month_start(month_start(emu.now()).timestamp() + 32 * 86400)
    emu.set_time(next_month.timestamp() + 1)
    assert send(emu).status_code == 200
    assert emu.snapshot()["quota_used"] == 1


def test_quota_used_can_be_preset(gosms_emulator: Emulator) -> None:
    gosms_emulator.set_scenario(quota=100, quota_used=100)
    assert code_of(send(gosms_emulator)) == 1006


# -- rate limit ----------------------------------------------------------------------------------------

def test_eleventh_request_in_a_second_gets_429_and_is_not_executed(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    other = emu.add_token()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.token}"
        started = time.monotonic()
        answers = [session.post(emu.url + "/sms/send", json={"message": f"n{n}", "phone_number": PHONE}, timeout=5)
                   for n in range(11)]
        assert time.monotonic() - started < 1.0, "the machine is too slow for this test's one-second window"
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        limited = answers[-1]
        assert limited.text == "Too Many Requests"
        assert limited.headers["Retry-After"] == "1"
        assert limited.headers["Content-Type"].startswith("text/plain")
        assert len(emu.messages()) == 10
        # Per endpoint and per token: the same token may still read, another token may still send.
        assert session.get(emu.url + "/sms", params={"limit": 1}, timeout=5).status_code == 200
        assert call(emu, "send", {"message": "other", "phone_number": PHONE}, token=other).status_code == 200
        time.sleep(1.05)
        assert session.post(emu.url + "/sms/send", json={"message": "later", "phone_number": PHONE},
                            timeout=5).status_code == 200
    assert emu.snapshot()["rate_limited"] == 1
    log = [entry for entry in emu.requests() if entry["endpoint"] == "send"]
    assert [entry["rate_limited"] for entry in log].count(True) == 1
    assert log[10]["status"] == 429 and log[10]["executed"] is False


def test_rate_limit_is_configurable_and_can_be_off(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(rate_limit=2)
    statuses = [call(emu, "list", query={"limit": 1}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    emu.set_scenario(rate_limit=0)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.token}"
        assert {session.get(emu.url + "/sms", params={"limit": 1}, timeout=5).status_code
                for _ in range(25)} == {200}


# -- HTTP surface --------------------------------------------------------------------------------------

def test_unknown_paths_and_methods_answer_like_a_go_router(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    missing = requests.post(emu.url + "/sms/sendd", json={}, timeout=5)
    assert missing.status_code == 404 and missing.text == "404 page not found"
    wrong = requests.get(emu.url + "/sms/send", timeout=5)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    assert requests.get(emu.url.replace("/v1", "/v2/sms"), timeout=5).status_code == 404


def test_chunked_request_bodies_are_read(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator

    def chunks() -> Any:
        yield b'{"message": "chunked", '
        yield b'"phone_number": "79990001122"}'

    response = requests.post(emu.url + "/sms/send", data=chunks(), timeout=5,
                             headers={"Authorization": f"Bearer {emu.token}", "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert emu.messages()[0]["message"] == "chunked"
