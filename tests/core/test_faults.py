"""Nothing lost, nothing doubled, nothing leaked: the sync client against injected network faults.

Each fault hits a send once; afterwards the emulator must hold exactly one copy of the message (or
the client must report a typed error), and neither the result, the error nor the DEBUG log may
carry the token.
"""

from __future__ import annotations

import logging

import pytest
from core_helpers import FAST_RETRY, PHONE, SECRET, api_requests, assert_no_secret, stored

from gosms import Client, GoSMSError, RetryPolicy
from gosms.emulator import Emulator
from gosms.transports.stdlib import StdlibHTTP
from gosms.wire.errors import APIError, ProtocolError, RateLimitError, TransportError

SEND_FAULTS = ["html_502", "http_500", "reset_before", "reset_after", "slow", "empty", "truncated"]
EXECUTED = {"reset_after", "slow", "empty", "truncated"}
"""Kinds whose request reached the API: the message exists although the answer was lost."""
READ_TIMEOUT = 0.5
SLOW = 1.5


TRANSPORTS = ["requests", "stdlib"]
"""The library's default (a requests session) and the short-lived commands' (urllib): each must tell
an answer lost after the request went out from a request that never left."""


def fault_client(emu: Emulator, token: str = SECRET, retry: RetryPolicy = FAST_RETRY,
                 transport: str = "requests") -> Client:
    http = StdlibHTTP() if transport == "stdlib" else None
    return Client(token, api_url=emu.url, retry=retry, timeout=(2.0, READ_TIMEOUT), transport=http)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", SEND_FAULTS)
def test_send_through_a_fault_arrives_exactly_once(emu: Emulator, kind: str, transport: str,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_fault(kind, endpoint="send", seconds=SLOW)
    text = f"alert through {kind}"
    with fault_client(emu, transport=transport) as c:
        result = c.send(PHONE, text)
    assert result.ok, result.summary()
    assert len(stored(emu, text)) == 1, f"{kind}: {len(stored(emu, text))} copies stored"
    assert result.ids == [stored(emu, text)[0]["id"]]
    sends = api_requests(emu, "send")
    if kind in EXECUTED:
        assert len(sends) == 1  # found by the look-up, not sent again
        assert any("found on the server and not sent again" in n for n in result.results[0].notes)
        assert result.results[0].sent[0].recovered
    else:
        assert len(sends) == 2  # not there: sent again
    assert api_requests(emu, "list"), "an ambiguous failure must be followed by a look-up"
    assert "POST " in caplog.text  # the DEBUG log was really captured
    assert_no_secret(caplog.text, result.summary(), result.as_dict())


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", [k for k in SEND_FAULTS if k != "slow"])  # a slow API is slow, not down
def test_a_send_outage_ends_in_a_typed_error(emu: Emulator, kind: str, transport: str,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.add_fault(kind, endpoint="send", count=None, seconds=SLOW, execute=False)
    with fault_client(emu, retry=RetryPolicy(attempts=3, deadline=1.0, base=0.05), transport=transport) as c:
        result = c.send(PHONE, "nobody will get this")
    assert not result.ok
    error = result.failed[0].error
    assert isinstance(error, (TransportError, ProtocolError)), repr(error)
    assert error.maybe_sent  # the client cannot know: it says so
    assert not isinstance(error, RateLimitError)
    assert stored(emu) == []
    assert_no_secret(caplog.text, error, result.summary(), result.as_dict(), error.notes)


@pytest.mark.parametrize("kind", SEND_FAULTS)
@pytest.mark.parametrize("endpoint", ["get", "list", "device_info"])
def test_reads_are_retried_through_a_fault(emu: Emulator, client: Client, kind: str, endpoint: str) -> None:
    message_id = client.send(PHONE, "read me").ids[0]
    emu.add_fault(kind, endpoint=endpoint, seconds=SLOW)
    with fault_client(emu) as c:
        if endpoint == "get":
            assert c.get(message_id).id == message_id
        elif endpoint == "list":
            assert [m.id for m in c.list(limit=5).items] == [message_id]
        else:
            assert c.device(emu.device_id).device_id == emu.device_id
    assert len(api_requests(emu, endpoint)) == 2


@pytest.mark.parametrize("kind", ["reset_after", "empty", "truncated"])
def test_delete_whose_answer_was_lost_counts_as_done(emu: Emulator, client: Client, kind: str) -> None:
    message_id = client.send(PHONE, "delete me").ids[0]
    emu.advance(301)
    emu.add_fault(kind, endpoint="delete")
    client.delete(message_id)  # the retry meets 1008: the lost attempt did the work
    assert stored(emu)[0]["deleted"] is True
    device_id = emu.device_id
    emu.add_fault(kind, endpoint="device_delete")
    client.delete_device(device_id)
    assert emu.snapshot()["devices"] == []


def test_no_read_permission_sends_again_with_a_note(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    """The look-up is impossible (1007): sending again beats losing the alert, and the result says so."""
    caplog.set_level(logging.DEBUG)
    sender = emu.add_token("tok-send-only-7c2e9a", permissions=["send"])
    emu.add_fault("http_500", endpoint="send")
    with fault_client(emu, token=sender) as c:
        result = c.send(PHONE, "send-only token, not executed")
        assert result.ok
        assert len(stored(emu, "send-only token, not executed")) == 1
        (note,) = result.results[0].notes
        assert "may not read messages" in note and "may arrive twice" in note
        (lookup,) = api_requests(emu, "list")
        assert lookup["error_code"] == 1007
        # Where the lost attempt had been carried out, the alert does arrive twice, as the note warned.
        emu.add_fault("reset_after", endpoint="send")
        twice = c.send(PHONE, "send-only token, executed")
        assert twice.ok and len(stored(emu, "send-only token, executed")) == 2
        assert any("may arrive twice" in n for n in twice.results[0].notes)
    assert "tok-send-only-7c2e9a" not in caplog.text


def test_lookup_failure_is_noted_without_the_token(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    """A proxy that echoes the request (Authorization header included) into its error page."""
    caplog.set_level(logging.DEBUG)
    echo = f"<html><body>502 upstream error<pre>Authorization: Bearer {SECRET}</pre></body></html>"
    emu.add_fault("status", endpoint="*", count=None, status=502, body=echo, content_type="text/html")
    with fault_client(emu, retry=RetryPolicy(attempts=3, deadline=1.0, base=0.05)) as c:
        result = c.send(PHONE, "echoing proxy")
        with pytest.raises(ProtocolError) as info:
            c.get("6654a4e8f1527149588c89f2")
    error = result.failed[0].error
    assert isinstance(error, ProtocolError) and error.http_status == 502
    assert "Bearer ***" in str(error)  # the page is quoted, the secret masked
    assert_no_secret(caplog.text, error, error.excerpt, error.notes, result.summary(), result.as_dict(),
                     info.value, info.value.excerpt)


def test_rate_limit_answers_are_retried(emu: Emulator, client: Client) -> None:
    emu.add_fault("status", endpoint="send", count=2, status=429, body="Too Many Requests")
    result = client.send(PHONE, "after two 429s")
    assert result.ok and len(stored(emu)) == 1
    assert len(api_requests(emu, "send")) == 3
    assert api_requests(emu, "list") == []  # a 429 was not executed: no look-up needed


def test_the_emulators_rate_limit_loses_and_doubles_nothing(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=3)
    numbers = [f"7999333{i:04d}" for i in range(8)]
    # No client-side spacing: the server's limiter has to answer 429 and the client has to cope.
    with Client(SECRET, api_url=emu.url, rate_limit=0, retry=FAST_RETRY) as c:
        result = c.send(numbers, "burst")
    assert result.ok, result.summary()
    assert sorted(m["phone_number"] for m in stored(emu)) == numbers
    assert emu.snapshot()["rate_limited"] > 0


def test_rate_limit_past_the_deadline(emu: Emulator) -> None:
    emu.add_fault("status", endpoint="*", count=None, status=429, body="Too Many Requests")
    with Client(SECRET, api_url=emu.url, retry=RetryPolicy(deadline=0.5, base=0.05)) as c:
        result = c.send(PHONE, "never admitted")
        with pytest.raises(GoSMSError) as info:
            c.list()
    error = result.failed[0].error
    for exc in (error, info.value):
        assert isinstance(exc, RateLimitError), repr(exc)
        assert not exc.maybe_sent  # a 429 provably did not send
    assert stored(emu) == []


@pytest.mark.parametrize("status", [200, 400, 429, 500, 502])
def test_an_api_error_under_any_status_is_decoded_by_code(emu: Emulator, client: Client, status: int) -> None:
    emu.set_scenario(status_overrides={"1006": status})
    emu.set_scenario(quota=0)
    result = client.send(PHONE, "over quota")
    error = result.failed[0].error
    assert isinstance(error, APIError) and error.code == 1006 and error.http_status == status
    assert len(api_requests(emu, "send")) == 1  # not retryable, whatever the status says
