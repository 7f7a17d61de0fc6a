"""Bursts against an API that enforces its 10 requests per second: all accepted, each once.

200 alerts through one client is marked ``slow`` (about 20 s, the rate limit sets the pace) but part
of the suite.  No timing and no count of 429s is asserted (a busy machine delays requests unevenly,
and a late request may meet a 429 that is then retried): only that nothing was lost or doubled, and
that clients of one account draw from one budget.  ``benchmarks/burst.py`` measures the speed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest
from core_helpers import SECRET, stored

from gosms import Client
from gosms.emulator import Emulator
from gosms.pacing.budget import MARGIN, WINDOW, Budget

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
    budgets = set()
    for number in numbers:
        with Client(SECRET, api_url=emu.url) as client:  # a script's habit: a client per alert
            assert client.send(number, "one client each").ok
            budgets.add(id(client._budget))
    assert len(budgets) == 1  # one budget for the account, however many clients
    copies = Counter(m["phone_number"] for m in stored(emu, "one client each"))
    assert sorted(copies) == numbers and set(copies.values()) == {1}


def test_async_and_threaded_clients_of_one_account_share_it_too(emu: Emulator) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    from gosms.clients.aio import AsyncClient

    emu.set_scenario(rate_limit=10)
    budgets: set[int] = set()

    async def one(number: str) -> bool:
        async with aiohttp.ClientSession() as session:
            client = AsyncClient(SECRET, api_url=emu.url, session=session)
            budgets.add(id(client._budget))
            return (await client.send(number, "mixed")).ok

    async def burst() -> list[bool]:
        return list(await asyncio.gather(*(one(f"7999100{i:04d}") for i in range(10))))

    results: list[bool] = []

    def threaded(i: int) -> None:
        with Client(SECRET, api_url=emu.url) as client:
            budgets.add(id(client._budget))
            results.append(client.send(f"7999200{i:04d}", "mixed").ok)

    threads = [threading.Thread(target=threaded, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    assert all(asyncio.run(burst()))
    for thread in threads:
        thread.join()
    assert results == [True] * 10 and len(budgets) == 1
    copies = Counter(m["phone_number"] for m in stored(emu, "mixed"))
    assert len(copies) == 20 and set(copies.values()) == {1}


def test_the_budget_gives_every_thread_its_own_start() -> None:
    now = 100.0
    budget = Budget(rate=10, clock=lambda: now)
    turns: list[Any] = []
    lock = threading.Lock()

    def claim() -> None:
        mine = [budget.admit("send") for _ in range(50)]
        with lock:
            turns.extend(mine)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts = sorted(now if t.go else t.slot for t in turns)
    assert len(starts) == 400
    # Ten at a time, one window (plus the margin) apart: no start given twice beyond the cap.
    assert [round(s, 6) for s in starts] == [round(now + (i // 10) * (WINDOW + MARGIN), 6) for i in range(400)]
