"""The synchronous client against the emulator: every endpoint, paging, delivery, usage, refusals."""

from __future__ import annotations

import json
import logging
import time

import pytest
from core_helpers import FAST_RETRY, PHONE, SECRET, api_requests, assert_no_secret, stored

from gosms import APIError, Client, ConfigError, RetryPolicy, TransportError, ValidationError
from gosms.emulator import Emulator
from gosms.transports.stdlib import StdlibHTTP
from gosms.wire import usage as usage_mod
from gosms.wire.models import MessageStatus

OTHER = "79990000001"


def test_send_get_and_wait_for_delivery(emu: Emulator, client: Client) -> None:
    result = client.send(PHONE, "Disk full on db1")
    assert result.ok and len(result.ids) == 1
    (message_id,) = result.ids
    assert [m["id"] for m in stored(emu)] == [message_id]
    message = client.get(message_id)
    assert (message.id, message.phone_number, message.message) == (message_id, PHONE, "Disk full on db1")
    delivered = client.wait_for_delivery(message_id, timeout=10, interval=0.1)
    assert delivered.state is MessageStatus.DELIVERED and delivered.final and not delivered.failed
    (request,) = api_requests(emu, "send")
    assert request["body"] == {"message": "Disk full on db1", "phone_number": PHONE}


def test_send_with_every_option(emu: Emulator, client: Client) -> None:
    callback = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"
    result = client.send(["+7 (999) 123-45-67"], "Temp 90° | hot", device_id=emu.device_id, to_sim=1,
                         callback_id=callback, invalid_chars="replace", normalize=True)
    assert result.ok
    (message,) = stored(emu)
    assert message["phone_number"] == PHONE
    assert message["message"] == "Temp 90 deg / hot"
    assert (message["device_id"], message["to_sim"], message["callback_id"]) == (emu.device_id, 1, callback)


def test_split_message_goes_out_in_order(emu: Emulator, client: Client) -> None:
    text = " ".join(f"line{i:03d}" for i in range(80))  # 639 characters
    result = client.send(PHONE, text, long_message="split")
    assert result.ok and len(result.parts) == 3
    assert [m["message"][:6] for m in stored(emu)] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert result.results[0].ids == [m["id"] for m in stored(emu)]


def test_many_recipients_each_once(emu: Emulator, client: Client) -> None:
    numbers = [f"7999000{i:04d}" for i in range(12)]
    result = client.send(numbers + numbers[:3], "Outage")
    assert result.ok and [r.phone_number for r in result.results] == numbers
    assert sorted(m["phone_number"] for m in stored(emu)) == numbers
    assert "Sent to 12 number(s)" in result.summary()


def test_partial_failure_says_who_got_it(emu: Emulator, client: Client) -> None:
    emu.set_scenario(quota=1)
    result = client.send([PHONE, OTHER], "Only one fits")
    assert not result.ok
    assert len(result.sent) == 1 and len(result.failed) == 1
    failed = result.failed[0]
    assert isinstance(failed.error, APIError) and failed.error.code == 1006
    assert len(stored(emu)) == 1 and stored(emu)[0]["phone_number"] == result.sent[0].phone_number
    summary = result.summary()
    assert f"Sent to: {result.sent[0].phone_number}" in summary
    assert f"Not sent to: {failed.phone_number}: GoSMS error 1006" in summary
    assert summary.endswith(failed.error.remedy) and ".;" not in summary
    data = result.as_dict()
    assert data["ok"] is False
    (bad,) = [r for r in data["results"] if not r["ok"]]
    assert bad["error_code"] == 1006 and bad["remedy"] and bad["status"] == "failed"
    assert bad["maybe_sent"] is False


def test_a_refusal_every_number_shares_is_asked_once_per_sender_not_per_number(
        emu: Emulator, client: Client) -> None:
    emu.set_scenario(account_blocked=True)
    numbers = [f"7999000{i:04d}" for i in range(20)]
    result = client.send(numbers, "Blocked account")
    assert not result.sent and [r.phone_number for r in result.failed] == numbers
    assert {r.error.code for r in result.failed} == {3000}  # type: ignore[union-attr]
    assert len(api_requests(emu, "send")) == 1  # the first number alone learned it for all


def test_a_refused_number_does_not_stop_the_others(emu: Emulator, client: Client) -> None:
    emu.add_fault("error", endpoint="send", code=2001)  # the API refuses the first number it is asked for
    numbers = [f"7999000{i:04d}" for i in range(6)]
    result = client.send(numbers, "One number refused")
    assert len(result.failed) == 1 and result.failed[0].error.code == 2001  # type: ignore[union-attr]
    assert len(result.sent) == 5 and len(stored(emu, "One number refused")) == 5


def test_an_api_unreachable_for_a_whole_deadline_is_tried_by_the_first_senders_only() -> None:
    asked: set[str] = set()

    class Counting(StdlibHTTP):
        """The real standard-library transport, noting which numbers reached it."""

        def exchange(self, request, host, timeout):  # type: ignore[no-untyped-def]
            asked.add(json.loads(request.body or b"{}").get("phone_number", ""))
            return super().exchange(request, host, timeout)

    numbers = [f"7999000{i:04d}" for i in range(12)]
    # No rate budget here: its turns running out would also spare the later numbers.
    with Client(SECRET, api_url="http://127.0.0.1:9", retry=RetryPolicy(deadline=0.3, base=0.05), rate_limit=0,
                transport=Counting()) as c:
        result = c.send(numbers, "nobody listens")
    assert not result.sent and len(result.failed) == 12
    assert all(isinstance(r.error, TransportError) and not r.error.maybe_sent for r in result.failed)
    assert asked == {numbers[0]}  # the first number alone tried for a deadline; the rest took its answer


def test_invalid_input_sends_nothing(emu: Emulator, client: Client) -> None:
    with pytest.raises(ValidationError) as info:
        client.send([PHONE, "12"], "fine")
    assert info.value.code == 2001
    with pytest.raises(ValidationError):
        client.send(PHONE, "bad | text")
    with pytest.raises(ValidationError):
        client.get("not-an-id")
    with pytest.raises(ValidationError):
        client.list(limit=500)
    with pytest.raises(ValidationError):
        client.device("PHONE-1")
    assert emu.requests() == []


def test_delete_message(emu: Emulator, client: Client) -> None:
    (message_id,) = client.send(PHONE, "to be deleted").ids
    with pytest.raises(APIError) as info:
        client.delete(message_id)  # too soon: the API keeps messages for 5 minutes
    assert info.value.code == 1010
    assert len(api_requests(emu, "delete")) == 1  # 1010's wait is beyond the deadline: not retried
    emu.advance(301)
    client.delete(message_id)
    with pytest.raises(APIError) as info:
        client.get(message_id)
    assert info.value.code == 1008
    assert stored(emu)[0]["deleted"] is True


def test_list_and_iterate(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=0)
    with Client(SECRET, api_url=emu.url, rate_limit=0, retry=FAST_RETRY) as c:
        sent = [c.send(f"7999111{i:04d}", f"alert {i}").ids[0] for i in range(23)]
        page = c.list(limit=10, offset=1)
        assert page.total_records == 23 and page.limit == 10 and page.offset == 1
        assert [m.id for m in page.items] == sent[::-1][:10]  # newest first
        assert [m.id for m in c.list(limit=10, offset=3).items] == sent[::-1][20:]
        assert [m.id for m in c.iter_messages(page_size=10)] == sent[::-1]
        assert [m.id for m in c.iter_messages(page_size=10, max_pages=2)] == sent[::-1][:20]
        assert [m.message for m in c.iter_messages(search="79991110007")] == ["alert 7"]
        assert c.check_account().total_records == 23
    assert [r["query"]["offset"] for r in api_requests(emu, "list")][:2] == ["1", "3"]


def test_device_endpoints(emu: Emulator, client: Client) -> None:
    device_id = emu.device_id
    device = client.device(device_id)
    assert device.device_id == device_id and device.is_active and device.online()
    client.set_device_active(device_id, False)
    assert not client.device(device_id).is_active
    refused = client.send(PHONE, "no active phone")  # a recipient's failure is reported, not raised
    assert refused.failed[0].error.code == 1015  # type: ignore[union-attr]
    client.set_device_active(device_id, True)
    assert client.device(device_id).is_active
    client.delete_device(device_id)
    with pytest.raises(APIError) as info:
        client.device(device_id)
    assert info.value.code == 1012
    assert emu.snapshot()["devices"] == []


def test_device_in_the_english_pages_shape(emu: Emulator, client: Client) -> None:
    emu.set_scenario(device_format="en")
    record_id = emu.snapshot()["devices"][0]["record_id"]
    device = client.device(record_id)
    assert device.record_id == record_id and device.battery == 87


def test_wait_for_delivery_failure_and_timeout(emu: Emulator, client: Client) -> None:
    emu.set_scenario(failures=[{"phone": OTHER, "status": 5}, {"phone": "79990000002", "hold": 2}])
    failed = client.wait_for_delivery(client.send(OTHER, "x").ids[0], timeout=10, interval=0.1)
    assert failed.state is MessageStatus.DELIVERY_ERROR and failed.failed
    started = time.monotonic()
    stuck = client.wait_for_delivery(client.send("79990000002", "x").ids[0], timeout=1.0, interval=0.2)
    assert stuck.state is MessageStatus.SENT and not stuck.final
    assert time.monotonic() - started < 5


def test_month_usage_is_incremental(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=0)
    with Client(SECRET, api_url=emu.url, rate_limit=0, retry=FAST_RETRY) as c:
        for i in range(105):
            c.send(f"7999222{i:04d}", "usage")
            emu.advance(1)  # messages a second apart, as on a real account
        first = c.month_usage()
        assert first.count == 105 and first.pages_read == 2
        state = first.as_state()
        c.send(PHONE, "one more")
        c.send(OTHER, "and another")
        second = c.month_usage(state)
        assert second.count == 107 and second.pages_read == 1
        assert c.month_usage(second.as_state()).count == 107  # nothing new: nothing added
        # Messages sharing the newest second are told apart by id, so none is counted twice.
        c.send(PHONE, "same second")
        third = c.month_usage(second.as_state())
        assert third.count == 108 and c.month_usage(third.as_state()).count == 108
        assert c.month_usage({"month": "1999-01", "count": 5}).count == 108  # another month: recount
        assert c.month_usage({"junk": True}).count == 108


def test_month_usage_counts_this_month_only(emu: Emulator, client: Client) -> None:
    client.send(PHONE, "last month")
    emu.advance(40 * 86400)
    client.send(PHONE, "this month")
    flow = usage_mod.month_usage(client.api_url, client.token, client.retry, now=emu.now())
    assert client.run(flow).count == 1


def test_client_refuses_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOSMS_TOKEN", raising=False)
    monkeypatch.delenv("GOSMS_TOKEN_FILE", raising=False)
    with pytest.raises(ConfigError):
        Client(api_url="http://127.0.0.1:9")
    with pytest.raises(ConfigError):
        Client(SECRET, api_url="http://gosms.example")
    client = Client(SECRET, api_url="http://127.0.0.1:9")
    assert_no_secret(repr(client), client.token)


def test_unreachable_api_is_a_typed_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Client(SECRET, api_url="http://127.0.0.1:9", retry=RetryPolicy(deadline=0.3, base=0.05)) as c:
        result = c.send(PHONE, "nobody listens")
        with pytest.raises(Exception) as info:
            c.get("6654a4e8f1527149588c89f2")
    assert not result.ok
    error = result.failed[0].error
    assert type(error).__name__ == "TransportError" and not error.maybe_sent  # type: ignore[union-attr]
    assert type(info.value).__name__ == "TransportError"
    assert "127.0.0.1:9" in str(info.value)
    assert_no_secret(caplog.text, info.value, result.as_dict())


def test_wrong_token_and_permissions(emu: Emulator) -> None:
    reader = emu.add_token("tok-reader-only-0001", permissions=["read"])
    with Client("tok-unknown-000000", api_url=emu.url, retry=FAST_RETRY) as c:
        with pytest.raises(APIError) as info:
            c.check_account()
        assert info.value.code == 1003
    with Client(reader, api_url=emu.url, retry=FAST_RETRY) as c:
        result = c.send(PHONE, "not allowed")
        assert result.failed[0].error.code == 1005  # type: ignore[union-attr]
        assert c.check_account().total_records == 0
        with pytest.raises(APIError) as info:
            c.device(emu.device_id)
        assert info.value.code == 1011


def test_emulator_fixture_from_the_plugin(gosms_emulator: Emulator) -> None:
    with Client(gosms_emulator.token, api_url=gosms_emulator.url) as c:
        assert c.send(PHONE, "via the plugin fixture").ok
