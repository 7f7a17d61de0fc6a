"""Injected faults, each observed as an HTTP client library sees it, and whether the API acted."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import requests

from gosms.emulator import FAULT_KINDS, Emulator, FaultRule
from gosms.wire.errors import TABLE

PHONE = "79990001122"


def send(emu: Emulator, timeout: float = 5, **fields: Any) -> requests.Response:
    body = {"message": "db1 down", "phone_number": PHONE}
    body.update(fields)
    return requests.post(emu.url + "/sms/send", json=body, timeout=timeout,
                         headers={"Authorization": f"Bearer {emu.token}"})


def created(emu: Emulator) -> int:
    return len(emu.messages())


def last_log(emu: Emulator) -> dict[str, Any]:
    return emu.requests()[-1]


def test_http_500_is_not_json_and_not_executed(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("http_500", "send")
    response = send(emu)
    assert response.status_code == 500
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert created(emu) == 0
    assert last_log(emu)["fault"] == "http_500" and last_log(emu)["executed"] is False


def test_html_502_looks_like_a_proxy_page(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("html_502", "send")
    response = send(emu)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in response.text
    assert created(emu) == 0


def test_empty_200_lost_the_answer_of_an_executed_request(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("empty", "send")
    response = send(emu)
    assert response.status_code == 200 and response.content == b""
    assert created(emu) == 1


def test_truncated_200_is_cut_json_of_an_executed_request(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("truncated", "send")
    response = send(emu)
    assert response.status_code == 200
    assert response.text.startswith('{"id":"') and not response.text.endswith("}")
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert created(emu) == 1
    assert emu.messages()[0]["id"].startswith(response.text[len('{"id":"'):])


def test_reset_before_drops_the_connection_and_does_nothing(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("reset_before", "send")
    with pytest.raises(requests.ConnectionError):
        send(emu)
    assert created(emu) == 0
    entry = last_log(emu)
    assert entry["status"] is None and entry["executed"] is False and entry["fault"] == "reset_before"
    assert send(emu).status_code == 200  # the next request is served normally


def test_reset_after_creates_the_message_then_drops_the_connection(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("reset_after", "send")
    with pytest.raises(requests.ConnectionError):
        send(emu)
    assert created(emu) == 1
    entry = last_log(emu)
    assert entry["status"] is None and entry["api_status"] == 200 and entry["executed"] is True


def test_resets_on_a_reused_keep_alive_connection(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emu.token}"
        assert session.get(emu.url + "/sms", params={"limit": 1}, timeout=5).status_code == 200
        emu.add_fault("reset_after", "send")
        with pytest.raises(requests.ConnectionError):
            session.post(emu.url + "/sms/send", json={"message": "x", "phone_number": PHONE}, timeout=5)
        assert session.get(emu.url + "/sms", params={"limit": 1}, timeout=5).json()["pagination"]["total_records"] == 1


def test_slow_executes_first_so_a_timeout_hides_a_created_message(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("slow", "send", seconds=1.0)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        send(emu, timeout=0.3)
    assert time.monotonic() - started < 0.9
    assert created(emu) == 1


def test_slow_before_executes_late_even_after_the_client_gave_up(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("slow_before", "send", seconds=0.5)
    with pytest.raises(requests.ReadTimeout):
        send(emu, timeout=0.2)
    assert created(emu) == 0
    deadline = time.monotonic() + 3
    while created(emu) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert created(emu) == 1


def test_slow_answers_normally_when_the_client_waits(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("slow", "send", seconds=0.2)
    started = time.monotonic()
    response = send(emu)
    assert response.status_code == 200 and len(response.json()["id"]) == 24
    assert time.monotonic() - started >= 0.2


def test_error_answers_an_api_error_without_executing(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("error", "send", code=1000)
    emu.add_fault("error", "send", code=1006)
    first, second = send(emu), send(emu)
    assert first.status_code == 500 and first.json()["errors"]["code"] == 1000
    assert first.json()["errors"]["message"] == TABLE[1000].description_ru
    assert second.status_code == 403 and second.json()["errors"]["code"] == 1006
    assert created(emu) == 0


def test_status_answers_a_raw_status_and_body(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("status", "send", status=503, body="upstream down", content_type="text/plain")
    response = send(emu)
    assert (response.status_code, response.text) == (503, "upstream down")
    assert created(emu) == 0


def test_rules_apply_to_their_endpoint_and_count_then_are_used_up(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("http_500", "send", count=2)
    listed = requests.get(emu.url + "/sms", params={"limit": 1}, timeout=5,
                          headers={"Authorization": f"Bearer {emu.token}"})
    assert listed.status_code == 200
    assert [send(emu).status_code for _ in range(3)] == [500, 500, 200]
    assert emu.faults() == []


def test_wildcard_rule_and_a_rule_without_count_last_until_cleared(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("html_502", count=None)
    assert [send(emu).status_code for _ in range(4)] == [502] * 4
    assert emu.faults()[0]["count"] is None
    emu.clear_faults()
    assert send(emu).status_code == 200


def test_execute_overrides_the_kinds_own_behaviour(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.add_fault("http_500", "send", execute=True)
    emu.add_fault("truncated", "send", execute=False)
    assert send(emu).status_code == 500
    assert created(emu) == 1
    assert send(emu).status_code == 200
    assert created(emu) == 1


def test_faulted_requests_that_did_not_execute_skip_the_rate_limit(gosms_emulator: Emulator) -> None:
    emu = gosms_emulator
    emu.set_scenario(rate_limit=1)
    emu.add_fault("reset_before", "send", count=3)
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            send(emu)
    assert send(emu).status_code == 200


@pytest.mark.parametrize("rule", [
    {"kind": "melt"}, {"kind": "slow", "execute": False}, {"kind": "error", "endpoint": "sms"},
    {"kind": "status", "status": 99}, {"kind": "http_500", "count": 0}, {"kind": "http_500", "typo": 1},
])
def test_bad_rules_are_refused_before_queueing(gosms_emulator: Emulator, rule: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        gosms_emulator.add_faults([rule])
    assert gosms_emulator.faults() == []


def test_every_kind_is_covered_here() -> None:
    tested = {"http_500", "html_502", "empty", "truncated", "reset_before", "reset_after", "slow", "slow_before",
              "error", "status"}
    assert set(FAULT_KINDS) == tested
    assert FaultRule(kind="reset_after").executes and not FaultRule(kind="reset_before").executes


def test_aiohttp_sees_resets_as_connection_errors(gosms_emulator: Emulator) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    emu = gosms_emulator
    emu.add_fault("reset_before", "send")
    emu.add_fault("reset_after", "send")

    async def scenario() -> list[str]:
        outcomes = []
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {emu.token}"}) as session:
            for _ in range(2):
                try:
                    async with session.post(emu.url + "/sms/send", json={"message": "x", "phone_number": PHONE}):
                        outcomes.append("answered")
                except aiohttp.ClientConnectionError:
                    outcomes.append("connection error")
            async with session.post(emu.url + "/sms/send", json={"message": "y", "phone_number": PHONE}) as ok:
                outcomes.append(str(ok.status))
        return outcomes

    assert asyncio.run(scenario()) == ["connection error", "connection error", "200"]
    assert created(emu) == 2
