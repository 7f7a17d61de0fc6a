"""Paging and the month's usage against every reading of ``GET /sms`` that the docs allow.

The docs call ``offset`` both "the offset relative to the beginning of the list" and "1, the first
page", and show the list newest first only by example.  The emulator plays each reading
(``list_offset``: page, record1, record0; ``list_order``: newest_first, oldest_first) over real
HTTP, and the client must give the same, complete answer under all six.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import requests
from core_helpers import FAST_RETRY, PHONE, SECRET, api_requests

from gosms import Client
from gosms.emulator import Emulator, ScenarioError
from gosms.wire.flows import Call, Flow
from gosms.wire.paging import NEWEST_FIRST, OLDEST_FIRST, Pager
from gosms.wire.protocol import Response
from gosms.wire.usage import MonthUsage, month_start, month_usage

OFFSETS = ("page", "record1", "record0")
ORDERS = (NEWEST_FIRST, OLDEST_FIRST)
READINGS = list(itertools.product(OFFSETS, ORDERS))
THIS_MONTH = 250
LAST_MONTH = 30
OTHER = "79995550000"
"""The last-month messages go to this number, so a search can pick them out."""


@pytest.fixture
def fast_emu() -> Iterator[Emulator]:
    """No rate limit at the server, so hundreds of list requests take no time."""
    with Emulator(tokens=[SECRET], scenario={"rate_limit": 0}) as emulator:
        yield emulator


def client_for(emu: Emulator) -> Client:
    return Client(SECRET, api_url=emu.url, rate_limit=0, retry=FAST_RETRY, timeout=(2.0, 5.0))


def mid_month(emu: Emulator) -> float:
    """Move the emulator to the 15th of next (Moscow) month, so a test never straddles a month's turn."""
    start = month_start(emu.now())
    following = month_start(start.timestamp() + 32 * 86400)
    return emu.set_time(following.timestamp() + 14 * 86400 + 12 * 3600)


def seed_two_months(emu: Emulator) -> list[str]:
    """LAST_MONTH messages late last month and THIS_MONTH this month, a minute apart; ids oldest first."""
    start = month_start(emu.now()).timestamp()
    old = emu.seed_messages(LAST_MONTH, OTHER, start - 3600 - 60 * LAST_MONTH, step=60, message="old {n}")
    new = emu.seed_messages(THIS_MONTH, PHONE, start + 3600, step=60, message="new {n}")
    return old + new


def count_usage(client: Client, emu: Emulator, state: Optional[dict[str, Any]] = None) -> MonthUsage:
    """The month's usage as of the emulator's clock (moved to mid-month), not the machine's."""
    result: MonthUsage = client.run(month_usage(client.api_url, client.token, client.retry, state=state,
                                                now=emu.now()))
    return result


def offsets_asked(emu: Emulator) -> list[str]:
    return [r["query"]["offset"] for r in api_requests(emu, "list")]


@pytest.mark.parametrize(("list_offset", "list_order"), READINGS)
def test_every_reading_gives_every_message_once_in_list_order(fast_emu: Emulator, list_offset: str,
                                                              list_order: str) -> None:
    emu = fast_emu
    emu.set_scenario(list_offset=list_offset, list_order=list_order)
    mid_month(emu)
    ids = seed_two_months(emu)
    expected = ids[::-1] if list_order == NEWEST_FIRST else ids
    with client_for(emu) as c:
        emu.clear_requests()
        assert [m.id for m in c.iter_messages()] == expected
        # The common case (pages) costs no request more than the pages; records cost the
        # offset=0 look for what offset=1 may have skipped.
        assert offsets_asked(emu) == (["1", "2", "3"] if list_offset == "page" else ["1", "2", "0", "102", "202"])
        assert [m.id for m in c.iter_messages(page_size=100, max_pages=2)] == expected[:200]
        assert [m.id for m in c.iter_messages(page_size=7, max_pages=3)] == expected[:21]
        assert [m.id for m in c.iter_messages(search=OTHER, page_size=10)] == [
            i for i in expected if i in ids[:LAST_MONTH]]


@pytest.mark.parametrize(("list_offset", "list_order"), READINGS)
def test_month_usage_counts_this_month_only_in_every_reading(fast_emu: Emulator, list_offset: str,
                                                             list_order: str) -> None:
    emu = fast_emu
    emu.set_scenario(list_offset=list_offset, list_order=list_order)
    mid_month(emu)
    ids = seed_two_months(emu)
    with client_for(emu) as c:
        usage = count_usage(c, emu)
    assert usage.count == THIS_MONTH  # the 30 of last month are not counted, whichever end they are at
    assert usage.list_order == list_order and usage.list_offset == list_offset
    assert usage.newest_ids == [ids[-1]]
    assert usage.month == month_start(emu.now()).strftime("%Y-%m")
    # Newest first stops at last month's first message; oldest first must read every page.
    assert usage.pages_read == len(api_requests(emu, "list")) == (3 if list_offset == "page" else 5)


@pytest.mark.parametrize("list_offset", OFFSETS)
def test_incremental_usage_pages_only_what_is_new_when_newest_first(fast_emu: Emulator, list_offset: str) -> None:
    emu = fast_emu
    emu.set_scenario(list_offset=list_offset)
    mid_month(emu)
    seed_two_months(emu)
    with client_for(emu) as c:
        first = count_usage(c, emu)
        assert first.count == THIS_MONTH and first.as_state()["list_offset"] == list_offset
        for i in range(3):
            c.send(PHONE, f"new alert {i}")
        emu.clear_requests()
        second = count_usage(c, emu, first.as_state())
        assert second.count == THIS_MONTH + 3
        # One page, starting where the list starts: offset 0 where the server counts records from 0.
        assert offsets_asked(emu) == (["0"] if list_offset == "record0" else ["1"])
        emu.clear_requests()
        assert count_usage(c, emu, second.as_state()).count == THIS_MONTH + 3  # nothing new, nothing added
        assert len(api_requests(emu, "list")) == 1


def test_oldest_first_counts_afresh_whatever_the_state_says(fast_emu: Emulator) -> None:
    emu = fast_emu
    emu.set_scenario(list_order=OLDEST_FIRST)
    mid_month(emu)
    seed_two_months(emu)
    with client_for(emu) as c:
        first = count_usage(c, emu)
        c.send(PHONE, "one more")
        emu.clear_requests()
        second = count_usage(c, emu, first.as_state())
        assert second.count == THIS_MONTH + 1 and second.list_order == OLDEST_FIRST
        assert offsets_asked(emu) == ["1", "2", "3"]  # the early stop would be wrong: every page is read
        stale = dict(second.as_state(), count=999, newest_time=int(emu.now()) + 10**6)
        assert count_usage(c, emu, stale).count == THIS_MONTH + 1
        assert MonthUsage.from_state(second.as_state()) is not None  # still a valid state to keep


@pytest.mark.parametrize(("list_offset", "list_order"), READINGS)
def test_a_short_list_is_complete_in_every_reading(fast_emu: Emulator, list_offset: str, list_order: str) -> None:
    """One short page: a server counting records from 0 skipped the first at offset=1."""
    emu = fast_emu
    emu.set_scenario(list_offset=list_offset, list_order=list_order)
    mid_month(emu)
    ids = emu.seed_messages(5, PHONE, step=60)
    with client_for(emu) as c:
        emu.clear_requests()
        assert [m.id for m in c.iter_messages()] == (ids[::-1] if list_order == NEWEST_FIRST else ids)
        # total_records says 5 while offset=1 gave 4: only then is offset=0 asked for.
        assert offsets_asked(emu) == (["1", "0"] if list_offset == "record0" else ["1"])
        assert count_usage(c, emu).count == 5


def test_async_client_pages_with_the_same_helper(fast_emu: Emulator) -> None:
    aiohttp = pytest.importorskip("aiohttp")  # the optional "async" extra; .venv39 runs without it
    from gosms.clients.aio import AsyncClient

    emu = fast_emu
    mid_month(emu)
    ids = seed_two_months(emu)

    async def walk(list_offset: str, list_order: str) -> tuple[list[str], int]:
        emu.set_scenario(list_offset=list_offset, list_order=list_order)
        async with aiohttp.ClientSession() as session:
            client = AsyncClient(SECRET, api_url=emu.url, session=session, rate_limit=0, retry=FAST_RETRY)
            seen = [m.id async for m in client.iter_messages()]
            usage: MonthUsage = await client.run(month_usage(client.api_url, client.token, client.retry,
                                                             now=emu.now()))
        return seen, usage.count

    for list_offset, list_order in READINGS:
        seen, count = asyncio.run(walk(list_offset, list_order))
        assert seen == (ids[::-1] if list_order == NEWEST_FIRST else ids), (list_offset, list_order)
        assert count == THIS_MONTH


def drive(flow: Flow, before: Any) -> Any:
    """Run a flow over plain requests, calling ``before(request)`` first: to aim a fault at one request."""
    try:
        step = next(flow)
        while True:
            assert isinstance(step, Call)
            before(step.request)
            answer = requests.request(step.request.method, step.request.url, headers=dict(step.request.headers),
                                      data=step.request.body, timeout=5)
            step = flow.send(Response(answer.status_code, dict(answer.headers), answer.content))
    except StopIteration as stop:
        return stop.value


def test_a_server_refusing_offset_zero_counts_records_from_one(fast_emu: Emulator) -> None:
    emu = fast_emu
    emu.set_scenario(list_offset="record1")
    ids = emu.seed_messages(150, PHONE, step=1)

    def refuse_offset_zero(request: Any) -> None:
        if "offset=0" in request.url:
            emu.add_fault("error", endpoint="list", code=2007)

    with client_for(emu) as c:
        pager = Pager(100)
        got = drive(pager.step(c.api_url, c.token, c.retry), refuse_offset_zero)
        while not pager.done:
            got += drive(pager.step(c.api_url, c.token, c.retry), refuse_offset_zero)
    assert [m.id for m in got] == ids[::-1] and pager.mode == "record1"
    assert [(r["query"]["offset"], r["fault"]) for r in api_requests(emu, "list")] == [
        ("1", None), ("2", None), ("0", "error"), ("102", None)]


def test_the_emulators_quota_month_is_the_cores(fast_emu: Emulator) -> None:
    """The quota turns with the Moscow month, as gosms.wire.usage counts, not with the UTC one."""
    emu = fast_emu
    start = month_start(emu.now())
    turn = month_start(start.timestamp() + 32 * 86400)
    emu.set_time(turn.timestamp() - 60)
    with client_for(emu) as c:
        c.send(PHONE, "last minute of the month")
        emu.set_time(turn.timestamp() + 60)  # 21:01 UTC: still the old month in UTC
        c.send(PHONE, "first minute of the next")
        assert emu.snapshot()["month"] == turn.strftime("%Y-%m")
        assert emu.snapshot()["quota_used"] == 1
        assert count_usage(c, emu).count == 1


def test_list_switches_and_seeding_are_checked(fast_emu: Emulator) -> None:
    emu = fast_emu
    with pytest.raises(ScenarioError):
        emu.set_scenario(list_offset="records")
    with pytest.raises(ScenarioError):
        emu.set_scenario(list_order="random")
    with pytest.raises(ScenarioError):
        emu.seed_messages(1, PHONE, emu.now() + 3600)  # not in the emulator's future
    with pytest.raises(ScenarioError):
        emu.seed_messages(0, PHONE)
    with pytest.raises(ScenarioError):
        emu.seed_messages(1, "not a phone")
    snapshot = emu.snapshot()
    assert snapshot["list_offset"] == "page" and snapshot["list_order"] == NEWEST_FIRST
    answer = requests.post(emu.control_url + "/messages", json={"count": 3, "phone": PHONE, "step": 2}, timeout=5)
    assert answer.status_code == 200 and len(answer.json()["ids"]) == 3
    assert requests.post(emu.control_url + "/messages", json={"count": 3, "colour": "red"},
                         timeout=5).status_code == 400
    answer = requests.post(emu.control_url + "/scenario", json={"list_offset": "record0",
                                                                "list_order": OLDEST_FIRST}, timeout=5)
    assert answer.json()["list_offset"] == "record0" and answer.json()["list_order"] == OLDEST_FIRST
    emu.reset()
    assert emu.snapshot()["list_offset"] == "page"
