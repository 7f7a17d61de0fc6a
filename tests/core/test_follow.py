"""Alerts followed to the handset and failed over between phones, against the emulator's phones.

The library (sync and async over one flow), ``gosms send --via ... --wait``, the outbox's states and
a runner killed with SIGKILL while it follows.  Delivery windows are a few seconds and the phones'
lifecycle the emulator's default (0.2 s a stage), so each test takes seconds; waits are bounded by
generous timeouts and never assume an idle machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import FAST_RETRY, SECRET, _command, run_cli

from gosms import AsyncClient, Client
from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator
from gosms.wire.routes import DELIVERED, UNDELIVERED, parse_route

WITHIN = 3.0
"""Seconds a route gets in these tests (the default is 300)."""


@pytest.fixture
def phones() -> Iterator[Emulator]:
    """Two phones, A and B; deletes allowed at once, so a cancel of a stuck copy succeeds."""
    with Emulator(tokens=[SECRET], scenario={"devices": [{"name": "A"}, {"name": "B"}], "delete_after": 0}) as emu:
        yield emu


def numbers(count: int) -> list[str]:
    return [f"7999100{n:04d}" for n in range(count)]


def copies_by_number(emu: Emulator) -> Counter[str]:
    return Counter(c["phone_number"] for c in emu.deliveries())


def test_a_route_is_a_device_and_an_optional_sim() -> None:
    device = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"
    assert parse_route(device).to_sim is None
    assert parse_route(f"{device}:1").to_sim == 1
    with pytest.raises(Exception) as refused:
        parse_route("not-a-device:1")
    assert getattr(refused.value, "code", None) == 2005


def test_the_library_fails_over_to_the_second_phone_and_cancels_the_stuck_copy(phones: Emulator) -> None:
    a, b = phones.phones
    phones.set_phone(a, "offline")  # just went quiet: still looks online, so it is tried
    with Client(SECRET, api_url=phones.url, retry=FAST_RETRY) as client:
        (record,) = client.deliver("79991000001", "db1 down", routes=[a, b], deliver_within=WITHIN, interval=0.3)
    assert record.verdict == DELIVERED
    assert [(leg.route.device_id, leg.outcome, leg.cancel) for leg in record.legs] == [
        (a, "stuck", "cancelled"), (b, "delivered", "")]
    phones.set_phone(a, "delivers")
    phones.advance(5)
    assert [c["carrier"] for c in phones.deliveries()] == [b]  # the cancelled copy never arrives


def test_the_async_client_runs_the_same_flow(phones: Emulator) -> None:
    a, b = phones.phones
    phones.set_phone(a, "send_error")

    async def go() -> list:  # type: ignore[type-arg]
        async with AsyncClient(SECRET, api_url=phones.url, retry=FAST_RETRY) as client:
            return await client.deliver("79991000002", "db1 down", routes=[a, b], deliver_within=WITHIN,
                                        interval=0.3)

    (record,) = asyncio.run(go())
    assert record.verdict == DELIVERED
    assert [leg.outcome for leg in record.legs] == ["failed", "delivered"]
    assert "send error (status 3)" in record.story()


def test_a_phone_known_offline_is_skipped_up_front(phones: Emulator) -> None:
    a, b = phones.phones
    phones.set_scenario(devices={a: {"online": False, "last_seen_ago": 3600}})
    with Client(SECRET, api_url=phones.url, retry=FAST_RETRY) as client:
        (record,) = client.deliver("79991000003", "db1 down", routes=[a, b], deliver_within=WITHIN, interval=0.3)
    assert record.verdict == DELIVERED
    assert record.legs[0].outcome == "skipped" and "offline" in record.legs[0].detail
    assert [m["carrier"] for m in phones.messages()] == [b]  # nothing was sent through A


def test_a_refused_cancel_is_reported_as_a_possible_double(phones: Emulator) -> None:
    a, b = phones.phones
    phones.set_scenario(delete_after=600)  # the API's 1010: too early to delete
    phones.set_phone(a, "offline")
    with Client(SECRET, api_url=phones.url, retry=FAST_RETRY) as client:
        (record,) = client.deliver("79991000004", "db1 down", routes=[a, b], deliver_within=WITHIN, interval=0.3)
    assert record.verdict == DELIVERED and record.possible_double
    assert record.legs[0].cancel == "refused" and "second copy may arrive" in record.story()
    phones.set_phone(a, "delivers")
    phones.advance(5)
    assert copies_by_number(phones)["79991000004"] == 2  # the double that was reported


def test_both_phones_dead_is_undelivered_after_each_route_had_its_time(phones: Emulator, tmp_path: Path) -> None:
    a, b = phones.phones
    phones.set_phone(a, "offline")
    phones.set_phone(b, "offline")
    started = time.monotonic()
    result = run_cli("send", "--to", "79991000005", "--message", "db1 down", "--via", a, "--via", b,
                     "--deliver-within", str(WITHIN), "--wait", "--wait-interval", "0.3", "--json",
                     "--outbox", str(tmp_path / "outbox"), emu=phones)
    took = time.monotonic() - started
    assert result.code == 1, result.stderr
    assert "NOT delivered to 79991000005" in result.stderr and a in result.stderr and b in result.stderr
    assert took >= 2 * WITHIN  # each route got its time
    (alert,) = result.json()["alerts"]
    assert alert["state"] == UNDELIVERED
    listed = run_cli("outbox", "list", "--json", "--outbox", str(tmp_path / "outbox"), emu=phones).json()
    (entry,) = listed["entries"]
    assert entry["state"] == "undelivered" and listed["undelivered"] == 1
    assert [leg["outcome"] for leg in entry["follow"]["legs"]] == ["stuck", "stuck"]
    assert [leg["label"] for leg in entry["follow"]["legs"]] == [a, b]


def test_twenty_alerts_from_twenty_processes_all_reach_the_handset_through_b(phones: Emulator,
                                                                            tmp_path: Path) -> None:
    a, b = phones.phones
    phones.set_phone(a, "offline")
    env = dict(os.environ, GOSMS_TOKEN=SECRET, GOSMS_API_URL=phones.url, GOSMS_OUTBOX=str(tmp_path / "outbox"),
               PYTHONIOENCODING="utf-8")
    started = time.monotonic()
    runs = [subprocess.Popen([*_command(), "send", "--to", number, "--message", f"alert {n}", "--via", a,
                              "--via", b, "--deliver-within", str(WITHIN), "--wait", "--wait-interval", "0.5"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n, number in enumerate(numbers(20))]
    outputs = [run.communicate(timeout=300) for run in runs]
    took = time.monotonic() - started
    assert [run.returncode for run in runs] == [0] * 20, [err for _, err in outputs if err][:3]
    print(f"20 alerts through B in {took:.1f} s (deliver_within {WITHIN:g} s; Done-when: within "
          f"{WITHIN + 30:g} s)")
    delivered = phones.deliveries()
    assert sorted(c["phone_number"] for c in delivered) == numbers(20)
    assert {c["carrier"] for c in delivered} == {b}
    phones.set_phone(a, "delivers")
    phones.advance(10)
    assert copies_by_number(phones) == Counter(dict.fromkeys(numbers(20), 1))  # A back: still one copy each
    states = Counter(e.state for e in Outbox(tmp_path / "outbox").entries())
    assert states == Counter(delivered=20)


def _runner(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*_command(), "outbox", "run", "--interval", "0.3"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_runner_killed_while_following_forgets_nothing_and_sends_nothing_twice(phones: Emulator,
                                                                                tmp_path: Path) -> None:
    a, b = phones.phones
    phones.set_phone(a, "offline")
    outbox_dir = tmp_path / "outbox"
    env = dict(os.environ, GOSMS_TOKEN=SECRET, GOSMS_API_URL=phones.url, GOSMS_OUTBOX=str(outbox_dir),
               PYTHONIOENCODING="utf-8")
    alerts = numbers(8)
    for number in alerts:  # accepted through A, then left to the runner
        result = run_cli("send", "--to", number, "--message", "disk full", "--via", a, "--via", b,
                         "--deliver-within", "1.5", "--outbox", str(outbox_dir), emu=phones)
        assert result.code == 0, result.stderr
    # Every send through B answers slowly after doing its work: a kill lands inside it, the most
    # tempting moment to send twice.
    phones.add_fault("slow", "send", count=None, seconds=0.4)
    outbox = Outbox(outbox_dir)
    kills = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not [e for e in outbox.entries(("tracking",))]:
            break
        runner = _runner(env)
        time.sleep(0.8 + 0.3 * (kills % 3))
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)
        kills += 1
    phones.clear_faults()
    runner = _runner(env)  # a last one that is left to finish
    try:
        end = time.monotonic() + 60
        while outbox.entries(("tracking",)) and time.monotonic() < end:
            time.sleep(0.3)
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=30)
    assert kills >= 1
    states = Counter(e.state for e in outbox.entries())
    assert states == Counter(delivered=len(alerts)), states
    sent_per_route = Counter((m["phone_number"], m["device_id"]) for m in phones.messages())
    assert max(sent_per_route.values()) == 1, sent_per_route  # each route at most once per alert
    phones.set_phone(a, "delivers")
    phones.advance(10)
    assert copies_by_number(phones) == Counter(dict.fromkeys(alerts, 1))
    print(f"runner killed {kills} times while following {len(alerts)} alerts: none forgotten, none doubled")


def test_outbox_list_json_shows_state_and_route_history(phones: Emulator, tmp_path: Path) -> None:
    a, b = phones.phones
    phones.set_phone(a, "delivery_error")
    result = run_cli("send", "--to", "79991000009", "--message", "db1 down", "--via", a, "--via", b,
                     "--deliver-within", str(WITHIN), "--wait", "--wait-interval", "0.3",
                     "--outbox", str(tmp_path / "o"), emu=phones)
    assert result.code == 0, result.stderr
    assert f"delivered to 79991000009 through {b}" in result.stdout
    listed = run_cli("outbox", "list", "--json", "--outbox", str(tmp_path / "o"), emu=phones)
    (entry,) = json.loads(listed.stdout)["entries"]
    assert entry["state"] == "delivered"
    assert [(leg["label"], leg["outcome"]) for leg in entry["follow"]["legs"]] == [(a, "failed"), (b, "delivered")]
    assert "delivery error (status 5)" in entry["follow"]["story"]


def test_a_bad_route_is_refused_before_any_request(phones: Emulator, tmp_path: Path) -> None:
    result = run_cli("send", "--to", "79991000010", "--message", "db1 down", "--via", "not-a-phone:1",
                     "--outbox", str(tmp_path / "o"), emu=phones)
    assert result.code == 2
    assert "GoSMS error 2005" in result.stderr and "--device-id" not in result.stderr  # the user wrote --via
    assert phones.requests() == [] and not (tmp_path / "o").exists()
