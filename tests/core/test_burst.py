"""Bursts against an API that enforces its 10 requests per second: all accepted, each once.

200 alerts through one client is marked ``slow`` (about 20 s, the rate limit sets the pace) but part
of the suite; no timing is asserted, only that nothing was lost or doubled.  ``benchmarks/burst.py``
measures the speed.  A new client per alert (as scripts do) must share the account's budget, so
there not even one 429 is allowed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from core_helpers import SECRET, api_requests, stored

from gosms import Client
from gosms.config import Token
from gosms.emulator import Emulator
from gosms.retry import DEFAULT_RATE, Spacing, shared_spacing

COUNT = 200


@pytest.mark.slow
def test_200_sends_at_the_rate_limit_lose_and_double_nothing(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=10)
    numbers = [f"7999{i:07d}" for i in range(COUNT)]
    with Client(SECRET, api_url=emu.url) as client:  # the defaults a user gets
        result = client.send(numbers, "burst test")
    accepted = [r.phone_number for r in result.sent]
    copies = Counter(m["phone_number"] for m in stored(emu, "burst test"))
    assert len(accepted) == COUNT, result.summary()[:500]
    assert [n for n, c in copies.items() if c > 1] == []  # none duplicated
    assert sorted(copies) == numbers  # none lost
    assert sorted(result.ids) == sorted(m["id"] for m in stored(emu))


def test_a_new_client_per_alert_shares_the_accounts_rate_limit(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=10)
    numbers = [f"7999{i:07d}" for i in range(30)]
    for number in numbers:
        with Client(SECRET, api_url=emu.url) as client:  # a script's habit: a client per alert
            assert client.send(number, "one client each").ok
    log = api_requests(emu, "send")
    assert emu.snapshot()["rate_limited"] == 0 and [e for e in log if e["rate_limited"]] == []
    assert len(log) == 30  # no 429, so no retry either
    copies = Counter(m["phone_number"] for m in stored(emu, "one client each"))
    assert sorted(copies) == numbers and set(copies.values()) == {1}


def test_async_and_threaded_clients_of_one_account_share_it_too(emu: Emulator) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    from gosms.aio import AsyncClient

    emu.set_scenario(rate_limit=10)

    async def one(number: str) -> bool:
        async with aiohttp.ClientSession() as session:
            client = AsyncClient(SECRET, api_url=emu.url, session=session)
            return (await client.send(number, "mixed")).ok

    async def burst() -> list[bool]:
        return list(await asyncio.gather(*(one(f"7999100{i:04d}") for i in range(10))))

    results: list[bool] = []

    def threaded(i: int) -> None:
        with Client(SECRET, api_url=emu.url) as client:
            results.append(client.send(f"7999200{i:04d}", "mixed").ok)

    threads = [threading.Thread(target=threaded, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    assert all(asyncio.run(burst()))
    for thread in threads:
        thread.join()
    assert results == [True] * 10
    assert emu.snapshot()["rate_limited"] == 0 and len(stored(emu, "mixed")) == 20


def test_shared_spacing_is_per_account_and_never_keeps_the_token() -> None:
    import gosms.retry as retry

    url = "http://127.0.0.1:9/v1"
    first = shared_spacing(url, Token(SECRET))
    assert shared_spacing(url + "/", SECRET) is first  # the same account, however it is spelled
    assert shared_spacing(url, SECRET + "x") is not first
    assert shared_spacing("http://127.0.0.1:8/v1", SECRET) is not first
    assert shared_spacing(url, SECRET, rate=5) is not first  # a rate of its own: a spacing of its own
    assert shared_spacing(url, SECRET, rate=0).reserve("send") == 0.0  # 0: no limit
    assert SECRET not in repr(retry._SHARED) and first.interval > 1 / DEFAULT_RATE


def test_spacing_gives_every_thread_its_own_slot() -> None:
    spacing = Spacing(rate=10, margin=0.0, clock=lambda: 100.0)
    delays: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        mine = [spacing.reserve("send") for _ in range(50)]
        with lock:
            delays.extend(mine)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(d, 6) for d in delays) == [round(i * 0.1, 6) for i in range(400)]
