"""Alert storms against a strict rate limiter: everything delivered once, whatever the machine's speed.

Nothing here asserts how fast: the benchmarks (``benchmarks/storm.py``, ``benchmarks/burst.py``)
print that.  The only times compared are lower bounds the client must respect (a ``Retry-After``),
which a busy machine can only make longer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import threading
import time
from collections import Counter

import pytest
import requests
from core_helpers import PHONE, SECRET, _command, api_requests, assert_no_secret, stored

from gosms import Client, RetryPolicy
from gosms.emulator import Emulator
from gosms.emulator.state import ScenarioError, State
from gosms.wire.errors import TransportError

STRICT = {"rate_limit": 10, "rate_limit_mode": "strict"}


# -- the emulator's strict mode ----------------------------------------------------------------------


def test_strict_mode_counts_refused_requests_in_its_window() -> None:
    lenient = State({"rate_limit": 3})
    strict = State({"rate_limit": 3, "rate_limit_mode": "strict"})
    moments = [0.0, 0.1, 0.2, 0.3, 0.9, 1.05, 2.0]
    assert [lenient.admit("send", "t", m) for m in moments] == [True, True, True, False, False, True, True]
    # Refused requests at 0.3 and 0.9 keep the strict window full at 1.05: hammering keeps it shut.
    assert [strict.admit("send", "t", m) for m in moments] == [True, True, True, False, False, False, True]
    assert strict.snapshot()["rate_limited"] == 3 and strict.snapshot()["rate_limit_mode"] == "strict"


def test_strict_429_carries_no_retry_after(emu: Emulator) -> None:
    headers = {"Authorization": f"Bearer {SECRET}"}
    for mode, expected in (("lenient", "1"), ("strict", None)):
        emu.set_scenario(rate_limit=1, rate_limit_mode=mode)
        emu.state.admit("send", SECRET, time.monotonic() + 100)  # fill the window: the next one is refused
        answer = requests.post(f"{emu.url}/sms/send", json={"message": "x", "phone_number": PHONE},
                               headers=headers, timeout=10)
        assert answer.status_code == 429 and answer.headers.get("Retry-After") == expected, mode
    assert stored(emu) == []


def test_strict_mode_is_a_documented_switch(emu: Emulator) -> None:
    index = requests.get(emu.url.replace("/v1", "/_emulator"), timeout=10).json()
    assert set(index["rate_limit_modes"]) == {"lenient", "strict"} and index["rate_limit_mode"] == "lenient"
    with pytest.raises(ScenarioError, match="rate_limit_mode must be 'lenient'"):
        emu.set_scenario(rate_limit_mode="harsh")
    assert emu.snapshot()["rate_limit_mode"] == "lenient"  # refused as a whole


# -- retries until the deadline -------------------------------------------------------------------


def test_a_429_is_retried_past_six_attempts_until_it_goes_through(emu: Emulator) -> None:
    emu.add_fault("status", endpoint="send", count=8, status=429, body="Too Many Requests")
    policy = RetryPolicy(deadline=60, base=0.01, cap=0.05)
    assert policy.attempts == 6
    with Client(SECRET, api_url=emu.url, retry=policy) as client:
        result = client.send(PHONE, "ninth time lucky")
    assert result.ok, result.summary()
    assert [e["status"] for e in api_requests(emu, "send")] == [429] * 8 + [200]
    assert len(stored(emu, "ninth time lucky")) == 1


def test_a_refused_connection_is_retried_until_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="gosms")
    with Emulator(tokens=[SECRET]) as gone:
        url = gone.url  # a port that was just closed: connections are refused
    policy = RetryPolicy(deadline=1.5, base=0.01, cap=0.05)
    with Client(SECRET, api_url=url, retry=policy) as client:
        result = client.send(PHONE, "nobody listening")
    error = result.failed[0].error
    assert isinstance(error, TransportError) and not error.sent and not error.maybe_sent
    attempts = caplog.text.count("connection refused or host unknown")
    assert attempts > policy.attempts  # not a fixed count: it kept going until the deadline
    assert_no_secret(caplog.text)


def test_retry_after_is_honoured(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=1)  # the lenient limiter answers 429 with Retry-After: 1
    emu.state.admit("send", SECRET, time.monotonic() + 0.5)  # the window is full, however slow this machine
    with Client(SECRET, api_url=emu.url) as client:
        results = [client.send(f"7999000000{i}", "after") for i in range(3)]
    assert all(r.ok for r in results)
    log = api_requests(emu, "send")
    refused = [i for i, e in enumerate(log) if e["status"] == 429]
    assert refused, "the limiter never refused: this test proves nothing"
    for i in refused:
        assert log[i + 1]["time"] - log[i]["time"] >= 1.0  # a lower bound: no machine makes it shorter
    assert Counter(m["phone_number"] for m in stored(emu, "after")) == {f"7999000000{i}": 1 for i in range(3)}


# -- many processes, one account ------------------------------------------------------------------


def _send_processes(emu: Emulator, count: int, text: str) -> list[subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
    env.update(GOSMS_API_URL=emu.url, GOSMS_TOKEN=SECRET)
    processes = [subprocess.Popen([*_command(), "send", "--to", f"7999{i:07d}", "--message", text],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(count)]
    done = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


@pytest.mark.slow
def test_50_concurrent_sends_against_a_strict_limiter_all_arrive_once(emu: Emulator) -> None:
    emu.set_scenario(**STRICT)
    done = _send_processes(emu, 50, "storm")
    assert [d.stderr for d in done if d.returncode != 0] == []
    copies = Counter(m["phone_number"] for m in stored(emu, "storm"))
    assert sorted(copies) == [f"7999{i:07d}" for i in range(50)] and set(copies.values()) == {1}
    assert_no_secret(*(d.stdout + d.stderr for d in done))


# -- the event loop never waits on the budget file -----------------------------------------------


def test_the_async_client_never_blocks_the_event_loop_on_the_budget_file(emu: Emulator) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    import fcntl

    from gosms.clients.aio import AsyncClient

    async def scene() -> tuple[int, bool]:
        async with aiohttp.ClientSession() as session:
            client = AsyncClient(SECRET, api_url=emu.url, session=session)
            await client.check_account()  # the budget finds its file
            path = client._budget.path
            assert path is not None
            holder = os.open(path, os.O_RDWR)
            fcntl.flock(holder, fcntl.LOCK_EX)  # another process holds the account's budget
            locked = threading.Event()
            locked.set()
            # If the loop itself waited on the lock, only this safety net would free it.
            safety = threading.Timer(60, lambda: (locked.clear(), fcntl.flock(holder, fcntl.LOCK_UN)))
            safety.start()
            try:
                send = asyncio.ensure_future(client.send(PHONE, "loop stays free"))
                ticks = 0
                for _ in range(20):
                    await asyncio.sleep(0.01)
                    ticks += locked.is_set()
                waited = not send.done()
                fcntl.flock(holder, fcntl.LOCK_UN)
                locked.clear()
                result = await send
            finally:
                safety.cancel()
                os.close(holder)
            return ticks, waited and result.ok

    ticks, waited_and_sent = asyncio.run(scene())
    assert ticks == 20  # the loop kept running while the file was locked
    assert waited_and_sent and len(stored(emu, "loop stays free")) == 1
