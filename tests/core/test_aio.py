"""The asyncio client (aiohttp) against the emulator: the same contract as the sync one."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

aiohttp = pytest.importorskip("aiohttp")  # the optional "async" extra; .venv39 runs without it

from core_helpers import FAST_RETRY, PHONE, SECRET, api_requests, assert_no_secret, stored  # noqa: E402

from gosms import APIError, RetryPolicy, ValidationError  # noqa: E402
from gosms.clients.aio import AsyncClient  # noqa: E402
from gosms.emulator import Emulator  # noqa: E402
from gosms.wire.errors import ProtocolError, RateLimitError, TransportError  # noqa: E402
from gosms.wire.models import MessageStatus  # noqa: E402

OTHER = "79990000001"
SEND_FAULTS = ["html_502", "http_500", "reset_before", "reset_after", "slow", "empty", "truncated"]
EXECUTED = {"reset_after", "slow", "empty", "truncated"}
TIMEOUT = aiohttp.ClientTimeout(total=5.0, sock_connect=2.0, sock_read=0.5)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def make(emu: Emulator, session: aiohttp.ClientSession, token: str = SECRET, **kwargs: object) -> AsyncClient:
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeout", TIMEOUT)
    return AsyncClient(token, api_url=emu.url, session=session, **kwargs)  # type: ignore[arg-type]


async def test_every_endpoint(emu: Emulator, session: aiohttp.ClientSession) -> None:
    device_id = emu.device_id
    async with make(emu, session) as c:
        result = await c.send([PHONE, OTHER], "Disk full on db1")
        assert result.ok and len(result.ids) == 2
        assert sorted(m["id"] for m in stored(emu)) == sorted(result.ids)
        message = await c.get(result.ids[0])
        assert message.message == "Disk full on db1"
        delivered = await c.wait_for_delivery(result.ids[0], timeout=10, interval=0.1)
        assert delivered.state is MessageStatus.DELIVERED
        page = await c.list(limit=1)
        assert page.total_records == 2 and len(page.items) == 1
        assert (await c.check_account()).total_records == 2
        with pytest.raises(APIError) as info:
            await c.delete(result.ids[0])
        assert info.value.code == 1010
        emu.advance(301)
        await c.delete(result.ids[0])
        with pytest.raises(APIError) as info:
            await c.get(result.ids[0])
        assert info.value.code == 1008
        device = await c.device(device_id)
        assert device.device_id == device_id and device.is_active
        await c.set_device_active(device_id, False)
        assert not (await c.device(device_id)).is_active
        refused = await c.send(PHONE, "no phone may send")
        assert refused.failed[0].error.code == 1015  # type: ignore[union-attr]
        await c.set_device_active(device_id, True)
        await c.delete_device(device_id)
        with pytest.raises(APIError) as info:
            await c.device(device_id)
        assert info.value.code == 1012
    assert not session.closed  # an injected session belongs to the caller


async def test_own_session_is_closed(emu: Emulator) -> None:
    client = AsyncClient(SECRET, api_url=emu.url)
    assert (await client.send(PHONE, "own session")).ok
    session = client._session
    await client.close()
    assert session is not None and session.closed


async def test_iterate_and_month_usage(emu: Emulator, session: aiohttp.ClientSession) -> None:
    emu.set_scenario(rate_limit=0)
    async with make(emu, session, rate_limit=0) as c:
        sent = []
        for i in range(23):
            sent.append((await c.send(f"7999111{i:04d}", f"alert {i}")).ids[0])
            emu.advance(1)
        assert [m.id async for m in c.iter_messages(page_size=10)] == sent[::-1]
        assert [m.id async for m in c.iter_messages(page_size=10, max_pages=1)] == sent[::-1][:10]
        first = await c.month_usage()
        assert first.count == 23
        await c.send(PHONE, "one more")
        second = await c.month_usage(first.as_state())
        assert second.count == 24 and second.pages_read == 1


async def test_validation_sends_nothing(emu: Emulator, session: aiohttp.ClientSession) -> None:
    async with make(emu, session) as c:
        with pytest.raises(ValidationError) as info:
            await c.send([PHONE], "emoji 🔥")
        assert info.value.code == 2002 and "position 7" in str(info.value)
        with pytest.raises(ValidationError):
            await c.set_device_active("nope", True)
    assert emu.requests() == []


@pytest.mark.parametrize("kind", SEND_FAULTS)
async def test_send_through_a_fault_arrives_exactly_once(emu: Emulator, session: aiohttp.ClientSession, kind: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_fault(kind, endpoint="send", seconds=1.5)
    text = f"async alert through {kind}"
    async with make(emu, session) as c:
        result = await c.send(PHONE, text)
    assert result.ok, result.summary()
    assert len(stored(emu, text)) == 1
    assert len(api_requests(emu, "send")) == (1 if kind in EXECUTED else 2)
    assert "POST " in caplog.text
    assert_no_secret(caplog.text, result.summary(), result.as_dict())


@pytest.mark.parametrize("kind", ["html_502", "reset_before", "empty", "truncated"])
async def test_a_send_outage_ends_in_a_typed_error(emu: Emulator, session: aiohttp.ClientSession, kind: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_fault(kind, endpoint="send", count=None, execute=False)
    async with make(emu, session, retry=RetryPolicy(attempts=3, deadline=1.0, base=0.05)) as c:
        result = await c.send(PHONE, "nobody will get this")
    error = result.failed[0].error
    assert isinstance(error, (TransportError, ProtocolError)) and error.maybe_sent
    assert stored(emu) == []
    assert_no_secret(caplog.text, error, result.as_dict())


async def test_unreachable_api(session: aiohttp.ClientSession) -> None:
    async with AsyncClient(SECRET, api_url="http://127.0.0.1:9", session=session,
                           retry=RetryPolicy(deadline=0.3, base=0.05)) as c:
        result = await c.send(PHONE, "nobody listens")
        with pytest.raises(TransportError) as info:
            await c.list()
    assert type(result.failed[0].error) is TransportError and not result.failed[0].error.maybe_sent
    assert not info.value.sent and "127.0.0.1:9" in str(info.value)


async def test_no_read_permission_sends_again_with_a_note(emu: Emulator, session: aiohttp.ClientSession) -> None:
    sender = emu.add_token("tok-send-only-async-1", permissions=["send"])
    emu.add_fault("reset_before", endpoint="send")
    async with make(emu, session, token=sender) as c:
        result = await c.send(PHONE, "async send-only")
    assert result.ok and len(stored(emu)) == 1
    (note,) = result.results[0].notes
    assert "may not read messages" in note


async def test_rate_limit(emu: Emulator, session: aiohttp.ClientSession) -> None:
    emu.set_scenario(rate_limit=3)
    numbers = [f"7999444{i:04d}" for i in range(8)]
    async with make(emu, session, rate_limit=0) as c:
        result = await c.send(numbers, "async burst")
    assert result.ok and sorted(m["phone_number"] for m in stored(emu)) == numbers
    assert emu.snapshot()["rate_limited"] > 0
    emu.add_fault("status", endpoint="list", count=None, status=429, body="Too Many Requests")
    async with make(emu, session, retry=RetryPolicy(deadline=0.5, base=0.05)) as c:
        with pytest.raises(RateLimitError):
            await c.list()


async def test_proxy_echoing_the_token_is_masked(emu: Emulator, session: aiohttp.ClientSession,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"<pre>Authorization: Bearer {SECRET}</pre>"
    emu.add_fault("status", endpoint="*", count=None, status=502, body=echo, content_type="text/html")
    async with make(emu, session, retry=RetryPolicy(attempts=2, deadline=0.5, base=0.05)) as c:
        result = await c.send(PHONE, "echo")
        with pytest.raises(ProtocolError) as info:
            await c.device(emu.device_id)
    error = result.failed[0].error
    assert_no_secret(caplog.text, error, getattr(error, "excerpt", ""), result.as_dict(), info.value,
                     info.value.excerpt)


async def test_a_refusal_every_number_shares_is_asked_once_per_sender(emu: Emulator,
                                                                      session: aiohttp.ClientSession) -> None:
    emu.set_scenario(account_blocked=True)
    numbers = [f"7999000{i:04d}" for i in range(20)]
    result = await make(emu, session).send(numbers, "Blocked account")
    assert not result.sent and {r.error.code for r in result.failed} == {3000}  # type: ignore[union-attr]
    assert len(api_requests(emu, "send")) == 1  # the first number alone learned it for all
