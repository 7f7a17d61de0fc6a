"""The control API over HTTP, its Python mirror, the request log and the pytest fixture."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from typing import Any

import pytest
import requests

from gosms.emulator import DEFAULT_TOKEN, Emulator, ScenarioError
from gosms.emulator.server import _loopback

PHONE = "79990001122"
SECRET = "s3cret-token-value-never-logged"


def control(emu: Emulator, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, emu.control_url + path, json=body, timeout=5)


def send(emu: Emulator, token: str | None = None, **fields: Any) -> requests.Response:
    body = {"message": "db1 down", "phone_number": PHONE}
    body.update(fields)
    return requests.post(emu.url + "/sms/send", json=body, timeout=5,
                         headers={"Authorization": f"Bearer {token or emu.token}"})


@pytest.fixture
def secret_emulator() -> Any:
    with Emulator([SECRET]) as emu:
        yield emu


def test_fixture_gives_a_running_emulator_with_one_ready_phone(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", emu.url)
    assert emu.control_url == emu.url[:-3] + "/_emulator"
    assert emu.token == DEFAULT_TOKEN
    state = control(emu, "GET", "/state").json()
    assert [(d["active"], d["charging"], d["online"]) for d in state["devices"]] == [(True, True, True)]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", emu.device_id)
    assert send(emu).status_code == 200


def test_state_and_log_never_hold_a_token(secret_emulator: Emulator) -> None:
    emu = secret_emulator
    send(emu, token=SECRET)
    send(emu, token=SECRET + "-wrong")
    extra = emu.add_token(label="monitoring")
    send(emu, token=extra)
    dumped = "".join(control(emu, "GET", path).text for path in ("/state", "/requests", "/messages"))
    dumped += json.dumps([emu.snapshot(), emu.requests(), emu.messages()])
    assert SECRET not in dumped and extra not in dumped
    assert "Authorization" not in dumped and "Bearer" not in dumped
    assert [entry["token"] for entry in emu.requests()] == ["token0", None, "monitoring"]
    assert [t["label"] for t in emu.snapshot()["tokens"]] == ["token0", "monitoring"]


def test_request_log_records_what_was_asked_and_answered(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    send(emu, phone_number="bad")
    requests.get(emu.url + "/sms", params={"limit": "3", "search": "db"}, timeout=5,
                 headers={"Authorization": f"Bearer {emu.token}"})
    requests.post(emu.url + "/sms/send", data=b"{oops", timeout=5, headers={"Authorization": f"Bearer {emu.token}"})
    first, second, third = control(emu, "GET", "/requests").json()
    assert first["method"] == "POST" and first["path"] == "/v1/sms/send" and first["endpoint"] == "send"
    assert first["body"] == {"message": "db1 down", "phone_number": "bad"}
    assert (first["status"], first["error_code"], first["executed"]) == (400, 2001, True)
    assert second["query"] == {"limit": "3", "search": "db"} and second["status"] == 200
    assert third["body"] is None and third["raw_body"] == "{oops" and third["error_code"] == 1001
    assert first["seq"] < second["seq"] < third["seq"]
    assert control(emu, "DELETE", "/requests").json() == []
    assert emu.requests() == []


def test_scenario_patch_merges_and_refuses_mistakes_whole(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    answer = control(emu, "POST", "/scenario", {"account_blocked": True, "quota": 5, "device_format": "en"})
    assert answer.status_code == 200
    assert (answer.json()["account_blocked"], answer.json()["quota"], answer.json()["device_format"]) == (
        True, 5, "en")
    assert send(emu).json()["errors"]["code"] == 3000
    refused = control(emu, "POST", "/scenario", {"account_blocked": False, "quotaa": 1})
    assert refused.status_code == 400 and "quotaa" in refused.json()["error"]
    assert emu.snapshot()["account_blocked"] is True  # nothing of a refused patch was applied
    refused = control(emu, "POST", "/scenario", {"account_blocked": False, "clock": {"advance": 99},
                                                 "devices": {emu.device_id: {"battery": 400}}})
    assert refused.status_code == 400
    assert emu.snapshot()["account_blocked"] is True and emu.snapshot()["clock_offset"] == 0
    with pytest.raises(ScenarioError):
        emu.set_scenario(lifecycle={"delivered": 1})


def test_scenario_patch_changes_one_device_and_one_token(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    other = emu.add_device(name="Backup phone", battery=15, charging=False)
    monitoring = emu.add_token(label="monitoring", permissions=["read", "devices_read"])
    emu.set_scenario(devices={other: {"battery": 5}}, tokens={"monitoring": {"permissions": {"send": True}}})
    devices = {d["id"]: d for d in emu.snapshot()["devices"]}
    assert devices[other]["battery"] == 5 and devices[other]["name"] == "Backup phone"
    assert devices[emu.device_id]["battery"] == 87
    assert send(emu, token=monitoring).status_code == 200
    emu.set_scenario(devices={other: None}, tokens={"1": None})
    assert [d["id"] for d in emu.snapshot()["devices"]] == [emu.device_id]
    assert send(emu, token=monitoring).json()["errors"]["code"] == 1003


def test_faults_clock_messages_devices_tokens_over_http(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    queued = control(emu, "POST", "/faults", [{"kind": "http_500", "endpoint": "send"},
                                              {"kind": "slow", "seconds": 0.01, "count": 2}])
    assert [r["kind"] for r in queued.json()] == ["http_500", "slow"]
    assert control(emu, "POST", "/faults", {"kind": "nope"}).status_code == 400
    assert control(emu, "DELETE", "/faults").json() == []
    before = control(emu, "GET", "/clock").json()["now"]
    moved = control(emu, "POST", "/clock", {"advance": 3600}).json()
    assert moved["now"] - before >= 3600 and moved["offset"] == 3600
    assert control(emu, "POST", "/clock", {"set": 0}).status_code == 400  # time only moves forward
    sent = send(emu).json()["id"]
    messages = control(emu, "GET", "/messages").json()
    assert [(m["id"], m["deleted"]) for m in messages] == [(sent, False)]
    device = control(emu, "POST", "/devices", {"name": "Spare", "online": False, "last_seen_ago": 600}).json()
    assert device["name"] == "Spare" and device["online"] is False and 599 <= device["seconds_since_seen"] <= 601
    token = control(emu, "POST", "/tokens", {"label": "ci", "permissions": ["read"]}).json()
    assert token["label"] == "ci" and send(emu, token=token["token"]).json()["errors"]["code"] == 1005
    assert control(emu, "GET", "/nope").status_code == 404
    assert control(emu, "GET", "/reset").status_code == 405
    assert "GET /_emulator/state" in control(emu, "GET", "").json()["routes"]


def test_reset_restores_the_starting_account(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    device, token = emu.device_id, emu.token
    send(emu)
    emu.add_device()
    emu.add_token()
    emu.set_scenario(quota=0, account_blocked=True)
    emu.add_fault("http_500")
    emu.advance(1000)
    assert control(emu, "POST", "/reset").status_code == 200
    state = emu.snapshot()
    assert (state["quota"], state["account_blocked"], state["faults"], state["clock_offset"]) == (None, False, [], 0)
    assert [d["id"] for d in state["devices"]] == [device] and emu.tokens == [token]
    assert emu.messages() == [] and emu.requests() == []
    assert send(emu).status_code == 200


def test_scenario_at_start_sets_everything(tmp_path: Any) -> None:
    device = "b1277815-fb6f-45e4-b87b-8dfb86b8f0a2"
    scenario = {
        "tokens": [{"token": "ops", "label": "ops"}, {"token": "ro", "permissions": ["read"], "label": "ro"}],
        "devices": [{"id": device, "name": "Xiaomi Mi Note 10 Lite", "battery": 100, "charging": False,
                     "sims": ["Tinkoff", "T-Mobile"], "to_sim": -2}],
        "quota": 3, "quota_used": 1, "device_format": "en", "rate_limit": 5,
        "lifecycle": {"waiting": 1, "processing": 1, "sent": 1},
        "failures": [{"phone": "700*", "status": 5}],
        "faults": [{"kind": "html_502", "endpoint": "device_info"}],
        "status_overrides": {"1003": 403}, "start_time": 1_700_000_000,
    }
    with Emulator(scenario=scenario) as emu:
        state = emu.snapshot()
        assert emu.token == "ops" and emu.device_id == device
        assert 1_700_000_000 <= state["now"] < 1_700_000_100 and state["month"] == "2023-11"
        assert state["quota_used"] == 1 and state["rate_limit"] == 5 and state["devices"][0]["sims"][1] == {
            "slot_index": 1, "display_name": "T-Mobile"}
        assert send(emu, token="nobody").status_code == 403
        assert requests.post(emu.url + "/devices/get/info", json={"id": device}, timeout=5,
                             headers={"Authorization": "Bearer ops"}).status_code == 502
        sent = send(emu, token="ops").json()["id"]
        assert requests.post(emu.url + "/sms/get", json={"id": sent}, timeout=5,
                             headers={"Authorization": "Bearer ops"}).json()["time_create"] // 1000 == 1_700_000
        emu.set_scenario(quota_used=0)
        emu.reset()
        assert emu.snapshot()["quota_used"] == 1 and emu.snapshot()["faults"][0]["kind"] == "html_502"


def test_bad_start_scenarios_are_refused() -> None:
    for scenario in ({"tokens": "abc"}, {"devices": [{"id": "not-an-id"}]}, {"colour": "red"},
                     {"failures": [{"phone": "7", "status": 4}]}):
        with pytest.raises(ScenarioError):
            Emulator(scenario=scenario)


def test_python_api_mirrors_the_control_api() -> None:
    emu = Emulator(["first", "second"], devices=["65bbdaba833da513a46d3622"])
    with pytest.raises(RuntimeError):
        emu.url  # noqa: B018 - not running yet
    with emu:
        assert emu.running and emu.tokens == ["first", "second"] and emu.token == "first"
        assert [d["id"] for d in emu.snapshot()["devices"]][-1] == "65bbdaba833da513a46d3622"
        before = emu.now()
        assert emu.advance(60) - before >= 60
        phone = emu.add_device("0123456789abcdef01234567", battery=3)
        assert phone == "0123456789abcdef01234567"
        assert emu.add_token("third", permissions={"send": False}) == "third"
        assert send(emu, token="third").json()["errors"]["code"] == 1005
        emu.add_fault("error", "send", code=1004)
        assert send(emu).json()["errors"]["code"] == 1004 and emu.faults() == []
        assert repr(emu).startswith("<Emulator http://127.0.0.1:")
        port = emu.port
    assert not emu.running and repr(emu) == "<Emulator not running>"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the port is closed after stop()


def test_stop_returns_promptly_with_idle_and_sleeping_connections() -> None:
    emu = Emulator().start()
    idle = requests.Session()
    idle.get(emu.url + "/sms", params={"limit": 1}, headers={"Authorization": f"Bearer {emu.token}"}, timeout=5)
    emu.add_fault("slow_before", seconds=30)
    outcome: list[str] = []

    def slow_request() -> None:
        try:
            send(emu)
            outcome.append("answered")
        except requests.RequestException:
            outcome.append("connection error")

    worker = threading.Thread(target=slow_request)
    worker.start()
    while emu.faults():
        time.sleep(0.01)  # until the slow request has arrived and is sleeping
    started = time.monotonic()
    emu.stop()
    worker.join(5)
    assert time.monotonic() - started < 2
    assert outcome == ["connection error"] and not worker.is_alive()
    assert emu.messages() == []  # a stopping emulator acts on nothing more
    idle.close()
    emu.stop()  # stopping twice is harmless


def test_control_api_answers_loopback_clients_only() -> None:
    assert _loopback("127.0.0.1") and _loopback("127.8.9.10") and _loopback("::1")
    assert not _loopback("192.0.2.7") and not _loopback("2001:db8::1") and not _loopback("localhost-ish")
