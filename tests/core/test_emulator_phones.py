"""The emulator's phones over real HTTP: behaviours, statuses by the clock, a phone that comes back,
cancels that work only before a phone took the message, 1010 on early deletes, and the spread of
messages sent without a device."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from gosms.emulator import Emulator
from gosms.emulator.phones import BEHAVIOURS

PHONE = "79990004455"
SLOW = {"waiting": 10.0, "processing": 10.0, "sent": 10.0}
"""Seconds per stage long enough that only the emulator's clock moves a message on."""


def api(emu: Emulator, method: str, path: str, body: Any) -> requests.Response:
    return requests.request(method, emu.url + path, json=body, timeout=10,
                            headers={"Authorization": f"Bearer {emu.token}"})


def send(emu: Emulator, **fields: Any) -> str:
    reply = api(emu, "POST", "/sms/send", {"message": "db1 down", "phone_number": PHONE, **fields})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])


def status(emu: Emulator, message_id: str) -> int:
    reply = api(emu, "POST", "/sms/get", {"id": message_id})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["status"])


@pytest.fixture
def emu(gosms_phones: Emulator) -> Emulator:
    gosms_phones.set_scenario(lifecycle=SLOW)
    return gosms_phones


def test_the_fixture_has_two_delivering_phones(emu: Emulator) -> None:
    assert len(emu.phones) == 2
    assert [d["behaviour"] for d in emu.snapshot()["devices"]] == ["delivers", "delivers"]


def test_statuses_move_by_the_emulators_clock(emu: Emulator) -> None:
    sent = send(emu, device_id=emu.phones[0])
    seen = [status(emu, sent)]
    for _ in range(3):
        emu.advance(10)
        seen.append(status(emu, sent))
    assert seen == [0, 1, 2, 4]


@pytest.mark.parametrize(("behaviour", "end"), [("send_error", 3), ("delivery_error", 5), ("delivers", 4)])
def test_a_phones_behaviour_decides_how_its_messages_end(emu: Emulator, behaviour: str, end: int) -> None:
    emu.set_phone(emu.phones[1], behaviour)
    sent = send(emu, device_id=emu.phones[1])
    emu.advance(31)
    assert status(emu, sent) == end


def test_a_failure_rule_on_the_number_wins_over_the_phone(emu: Emulator) -> None:
    emu.set_scenario(failures=[{"phone": PHONE, "status": 5}])
    emu.set_phone(emu.phones[0], "send_error")
    sent = send(emu, device_id=emu.phones[0])
    emu.advance(31)
    assert status(emu, sent) == 5


def test_a_slow_phone_takes_slow_factor_times_longer(emu: Emulator) -> None:
    emu.set_phone(emu.phones[0], "slow", slow_factor=3)
    sent = send(emu, device_id=emu.phones[0])
    emu.advance(31)
    assert status(emu, sent) == 1  # 30 s wait, then processing for 30 s more
    emu.advance(60)
    assert status(emu, sent) == 4


def test_an_offline_phone_sends_what_waited_on_it_when_it_comes_back(emu: Emulator) -> None:
    first, second = emu.phones
    emu.set_phone(first, "offline")
    waiting = send(emu, device_id=first)
    emu.advance(600)
    assert status(emu, waiting) == 0
    assert next(d for d in emu.snapshot()["devices"] if d["id"] == first)["behaviour"] == "offline"
    rerouted = send(emu, device_id=second)
    emu.advance(31)
    assert status(emu, rerouted) == 4
    emu.set_phone(first, "delivers")
    emu.advance(31)
    assert status(emu, waiting) == 4
    copies = emu.deliveries(PHONE)
    assert [c["carrier"] for c in copies] == [first, second]  # the double copy shows


def test_a_copy_cancelled_while_waiting_never_arrives(emu: Emulator) -> None:
    first, _ = emu.phones
    emu.set_phone(first, "offline")
    waiting = send(emu, device_id=first)
    assert api(emu, "DELETE", "/sms/del", {"id": waiting}).status_code == 204
    emu.set_phone(first, "delivers")
    emu.advance(120)
    assert emu.deliveries(PHONE) == []
    assert [m["deleted"] for m in emu.messages()] == [True]


def test_a_copy_deleted_after_a_phone_took_it_still_arrives(emu: Emulator) -> None:
    taken = send(emu, device_id=emu.phones[0])
    emu.advance(15)
    assert status(emu, taken) == 1
    assert api(emu, "DELETE", "/sms/del", {"id": taken}).status_code == 204
    emu.advance(60)
    assert [c["id"] for c in emu.deliveries(PHONE)] == [taken]


def test_early_deletes_are_refused_with_1010_for_as_long_as_set(emu: Emulator) -> None:
    emu.set_scenario(delete_after=60)
    sent = send(emu, device_id=emu.phones[0])
    early = api(emu, "DELETE", "/sms/del", {"id": sent})
    assert early.json()["errors"]["code"] == 1010
    emu.advance(61)
    assert api(emu, "DELETE", "/sms/del", {"id": sent}).status_code == 204


def test_messages_without_a_device_are_spread_over_the_phones_able_to_send(emu: Emulator) -> None:
    first, second = emu.phones
    sent = [send(emu) for _ in range(4)]
    emu.advance(31)
    assert sorted(c["carrier"] for c in emu.deliveries(PHONE)) == sorted([first, first, second, second])
    emu.set_phone(first, "offline")
    later = [send(emu) for _ in range(2)]
    emu.advance(31)
    carriers = {c["id"]: c["carrier"] for c in emu.deliveries(PHONE)}
    assert len(carriers) == 6 and set(sent) <= set(carriers)
    assert [carriers[m] for m in later] == [second, second]


def test_phones_are_steered_through_the_control_api(emu: Emulator) -> None:
    first = emu.phones[0]
    reply = requests.post(emu.control_url + "/phones", json={"device_id": first, "behaviour": "offline"}, timeout=10)
    assert reply.status_code == 200 and reply.json()["behaviour"] == "offline"
    assert not reply.json()["online"]
    refused = requests.post(emu.control_url + "/phones", json={"device_id": first, "behaviour": "asleep"}, timeout=10)
    assert refused.status_code == 400 and "send_error" in refused.json()["error"]
    index = requests.get(emu.control_url, timeout=10).json()
    assert set(index["phone_behaviours"]) == set(BEHAVIOURS)
    requests.post(emu.control_url + "/phones", json={"device_id": first, "behaviour": "delivers"}, timeout=10)
    sent = send(emu, device_id=first)
    emu.advance(31)
    copies = requests.get(emu.control_url + "/deliveries", timeout=10).json()
    assert [c["id"] for c in copies] == [sent]
