"""The sans-IO layer: what a request looks like and what any answer decodes to.

Also the small pure pieces around it: token handling, URL rules, retry policy, the typed models.
"""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gosms.pacing.budget import MARGIN, WINDOW, Budget
from gosms.wire import protocol
from gosms.wire.config import Token, redact, resolve_api_url, resolve_token
from gosms.wire.errors import APIError, ConfigError, ProtocolError, RateLimitError, TransportError, ValidationError
from gosms.wire.models import Device, Message, MessageStatus, Page, parse_time
from gosms.wire.protocol import Response, decode
from gosms.wire.retry import RetryPolicy, is_safe_to_resend

BASE = "https://api.gosms.ru/v1"
TOKEN = Token("tok-3f9a1c7e-secret")
OBJECT_ID = "6654a4e8f1527149588c89f2"
UUID = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"


def answer(status: int, body: bytes | str | dict, headers: dict[str, str] | None = None) -> Response:  # type: ignore[type-arg]
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return Response(status, headers or {}, body)


def error_body(code: object, message: str = "текст", hash: str = "6654a4e8f152") -> dict:  # type: ignore[type-arg]
    return {"errors": {"code": code, "message": message, "hash": hash}}


# -- decode ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 404, 418, 429, 500, 502, 503])
def test_json_error_decoded_by_code_whatever_the_status(status: int) -> None:
    with pytest.raises(APIError) as info:
        decode(answer(status, error_body(1005)))
    exc = info.value
    assert exc.code == 1005
    assert exc.http_status == status
    assert exc.hash == "6654a4e8f152"
    assert exc.server_message == "текст"
    assert not isinstance(exc, ValidationError)


def test_error_as_a_list_and_code_as_text() -> None:
    with pytest.raises(APIError) as info:
        decode(answer(400, {"errors": [{"code": "2001", "message": "bad"}]}))
    assert info.value.code == 2001


def test_unknown_code_decoded_with_message_and_hash() -> None:
    with pytest.raises(APIError) as info:
        decode(answer(400, error_body(7777, "something new", "ffff0000aaaa")))
    assert info.value.code == 7777
    assert not info.value.info.known
    assert "something new" in str(info.value) and "ffff0000aaaa" in str(info.value)


def test_error_code_that_is_not_a_number() -> None:
    with pytest.raises(ProtocolError) as info:
        decode(answer(400, error_body("E_BAD")))
    assert info.value.http_status == 400
    assert "E_BAD" in str(info.value)


def test_html_502_from_a_proxy() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    with pytest.raises(ProtocolError) as info:
        decode(answer(502, page, {"Content-Type": "text/html"}))
    exc = info.value
    assert exc.http_status == 502 and exc.retryable
    assert "HTTP 502" in str(exc) and "502 Bad Gateway" in exc.excerpt


def test_long_html_is_excerpted() -> None:
    with pytest.raises(ProtocolError) as info:
        decode(answer(500, "<p>" + "x" * 5000 + "</p>"))
    assert len(info.value.excerpt) <= 121
    assert len(str(info.value)) < 400


@pytest.mark.parametrize("status", [200, 201])
def test_empty_success_where_json_was_expected(status: int) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(answer(status, b""))
    assert info.value.http_status == status
    assert "empty" in str(info.value)


def test_empty_error_status() -> None:
    with pytest.raises(ProtocolError) as info:
        decode(answer(500, b"  \r\n"))
    assert info.value.http_status == 500 and info.value.retryable
    assert "empty body" in str(info.value)


def test_204_is_success_without_a_body() -> None:
    assert decode(answer(204, b"")) is None


@pytest.mark.parametrize("body", [b'{"id": "6654a4e8f15', b'{"errors": {"code": 10', b"\xff\xfe{}"])
def test_truncated_or_garbled_json(body: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(answer(200, body))
    assert info.value.http_status == 200
    assert "not JSON" in str(info.value)


def test_rate_limit_without_a_code() -> None:
    with pytest.raises(RateLimitError) as info:
        decode(answer(429, "Too Many Requests", {"Retry-After": "2"}))
    exc = info.value
    assert exc.retry_after == 2.0 and exc.retryable
    assert not exc.sent and is_safe_to_resend(exc)  # turned away: safe to repeat, even a send
    with pytest.raises(RateLimitError) as info:
        decode(answer(429, b""))
    assert info.value.retry_after is None


def test_success_is_the_json() -> None:
    assert decode(answer(200, {"id": OBJECT_ID})) == {"id": OBJECT_ID}
    assert decode(answer(200, '{"errors": null, "id": "x"}')) == {"errors": None, "id": "x"}


def test_retry_after_header() -> None:
    assert protocol.retry_after_seconds({"retry-after": "3"}) == 3.0
    assert protocol.retry_after_seconds({"Retry-After": "-1"}) == 0.0
    assert protocol.retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert protocol.retry_after_seconds({}) is None


# -- building requests -----------------------------------------------------------------------------


def test_send_request() -> None:
    request = protocol.build_send(BASE, TOKEN, "79991234567", "Disk full", device_id=UUID, to_sim=1,
                                  callback_id=OBJECT_ID)
    assert (request.method, request.url) == ("POST", f"{BASE}/sms/send")
    assert request.json_body == {"message": "Disk full", "phone_number": "79991234567", "device_id": UUID,
                                 "to_sim": 1, "callback_id": OBJECT_ID}
    assert request.headers["Authorization"] == f"Bearer {TOKEN.reveal()}"
    assert request.headers["Content-Type"] == "application/json"
    assert TOKEN.reveal() not in repr(request)


def test_send_request_leaves_optional_fields_out() -> None:
    assert protocol.build_send(BASE, TOKEN, "79991234567", "x").json_body == {"message": "x",
                                                                              "phone_number": "79991234567"}


def test_send_request_is_validated() -> None:
    with pytest.raises(ValidationError) as info:
        protocol.build_send(BASE, TOKEN, "79991234567", "x", to_sim=1)
    assert info.value.code == 1017


def test_other_requests() -> None:
    get = protocol.build_get(BASE + "/", TOKEN, OBJECT_ID)
    assert (get.method, get.url, get.json_body) == ("POST", f"{BASE}/sms/get", {"id": OBJECT_ID})
    delete = protocol.build_delete(BASE, TOKEN, OBJECT_ID)
    assert (delete.method, delete.url) == ("DELETE", f"{BASE}/sms/del")
    listing = protocol.build_list(BASE, TOKEN, limit=5, offset=2, search="7999 1")
    assert (listing.method, listing.body) == ("GET", None)
    assert listing.url == f"{BASE}/sms?limit=5&offset=2&search=7999+1"
    assert "Content-Type" not in listing.headers
    info = protocol.build_device_info(BASE, TOKEN, UUID)
    assert (info.url, info.json_body) == (f"{BASE}/devices/get/info", {"id": UUID, "device_id": UUID})
    edit = protocol.build_device_edit(BASE, TOKEN, OBJECT_ID, False)
    assert edit.json_body == {"id": OBJECT_ID, "device_id": OBJECT_ID, "is_active": False}
    assert protocol.build_device_delete(BASE, TOKEN, UUID).url == f"{BASE}/devices/del"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: protocol.build_get(BASE, TOKEN, "nope"), 2003),
        (lambda: protocol.build_list(BASE, TOKEN, limit=0), 2006),
        (lambda: protocol.build_list(BASE, TOKEN, offset=-1), 2007),
        (lambda: protocol.build_device_info(BASE, TOKEN, "nope"), 2005),
        (lambda: protocol.build_device_edit(BASE, TOKEN, UUID, "perhaps"), 2009),  # type: ignore[arg-type]
    ],
)
def test_builders_validate(build, code: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        build()
    assert info.value.code == code


# -- token and address ------------------------------------------------------------------------------


def test_token_never_prints_itself() -> None:
    secret = "tok-3f9a1c7e-secret"
    token = Token(f"  {secret}\n")
    assert token.reveal() == secret
    for shown in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert secret not in shown
    with pytest.raises(TypeError):
        pickle.dumps(token)
    assert token == Token(secret) and hash(token) == hash(Token(secret))
    with pytest.raises(ConfigError):
        Token("   ")


def test_redact() -> None:
    assert redact("Bearer tok-123 was refused", Token("tok-123")) == "Bearer *** was refused"
    assert redact("abc", "ab") == "abc"  # too short to mask safely
    assert redact("abc", None) == "abc"


def test_resolve_token_order(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    token_file.chmod(0o600)
    env = {"GOSMS_TOKEN": "from-env", "GOSMS_TOKEN_FILE": str(token_file)}
    assert resolve_token("from-arg", token_file=token_file, environ=env).reveal() == "from-arg"
    assert resolve_token(None, token_file=token_file, environ={"GOSMS_TOKEN": "from-env"}).reveal() == "from-file"
    assert resolve_token(None, environ=env).reveal() == "from-env"
    assert resolve_token(None, environ={"GOSMS_TOKEN_FILE": str(token_file)}).reveal() == "from-file"
    with pytest.raises(ConfigError, match="No GoSMS token"):
        resolve_token(None, environ={})
    with pytest.raises(ConfigError, match="Cannot read the token file"):
        resolve_token(None, token_file=tmp_path / "missing", environ={})
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(ConfigError, match="empty"):
        resolve_token(None, token_file=empty, environ={})


def test_resolve_api_url() -> None:
    assert resolve_api_url(None, environ={}) == "https://api.gosms.ru/v1"
    assert resolve_api_url(None, environ={"GOSMS_API_URL": "https://gw.example/v1/"}) == "https://gw.example/v1"
    assert resolve_api_url("http://127.0.0.1:8080", environ={}) == "http://127.0.0.1:8080"
    assert resolve_api_url("http://localhost:8080/v1", environ={}) == "http://localhost:8080/v1"
    assert resolve_api_url("http://[::1]:8080", environ={}) == "http://[::1]:8080"
    with pytest.raises(ConfigError, match="plain http"):
        resolve_api_url("http://api.example", environ={})
    assert resolve_api_url("http://api.example", allow_insecure_http=True, environ={}) == "http://api.example"
    with pytest.raises(ConfigError, match="credentials"):
        resolve_api_url("https://user:pw@api.example", environ={})
    with pytest.raises(ConfigError, match="not an http"):
        resolve_api_url("ftp://api.example", environ={})


# -- retry policy and spacing -----------------------------------------------------------------------


def test_backoff_grows_caps_and_honours_retry_after() -> None:
    policy = RetryPolicy(base=0.5, factor=2.0, cap=4.0, jitter=0.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.backoff(1, retry_after=3.0) == 3.0
    jittered = RetryPolicy(base=1.0, jitter=0.5)
    assert jittered.backoff(1, rng=lambda: 0.0) == 0.5 and jittered.backoff(1, rng=lambda: 1.0) == 1.0


def test_what_is_retried_and_what_is_resent() -> None:
    policy = RetryPolicy()
    assert policy.retryable(APIError(1000))
    assert not policy.retryable(APIError(1005))
    assert not policy.retryable(APIError(1010))  # retry_after of 5 minutes is beyond the deadline
    assert RetryPolicy(deadline=600).retryable(APIError(1010))
    assert policy.retryable(ProtocolError("x", http_status=502))
    assert policy.retryable(ProtocolError("x", http_status=200))  # garbled success
    assert not policy.retryable(ProtocolError("x", http_status=404))
    assert policy.retryable(TransportError("x", sent=True))
    # Only a provably unexecuted request may be repeated blindly.
    assert is_safe_to_resend(ProtocolError("x", http_status=429))
    assert is_safe_to_resend(RateLimitError("429"))
    assert is_safe_to_resend(TransportError("refused", sent=False))
    assert not is_safe_to_resend(TransportError("reset", sent=True))
    assert not is_safe_to_resend(ProtocolError("x", http_status=502))
    assert not is_safe_to_resend(APIError(1000))


def test_budget_per_endpoint() -> None:
    now = [100.0]
    budget = Budget(rate=10, clock=lambda: now[0])
    turns = [budget.admit("send") for _ in range(11)]
    assert all(t.go for t in turns[:10])  # a burst within the budget goes out at once
    assert not turns[10].go and turns[10].slot == 100.0 + WINDOW + MARGIN  # the 11th waits for the window
    assert budget.admit("list").go  # another endpoint has its own budget
    now[0] += 5
    assert budget.admit("send").go


# -- models ----------------------------------------------------------------------------------------


def test_message_model() -> None:
    m = Message.from_api({"id": OBJECT_ID, "phone_number": "79991234567", "message": "x", "status": 4,
                          "message_status": "Доставлено", "time_create": 1716812679, "to_sim": None})
    assert m.state is MessageStatus.DELIVERED and m.final and not m.failed
    assert m.status_label == "delivered"
    assert Message.from_api({"status": 5}).failed
    odd = Message.from_api({"status": 9})
    assert odd.state is None and not odd.final and odd.status_label == "status 9"
    assert MessageStatus.WAITING.label_ru == "Ждет обработки"


def test_page_model() -> None:
    page = Page.from_api({"pagination": {"total_records": 95, "limit": 2, "offset": 1},
                          "sms_list": [{"id": "a"}, "junk", {"id": "b"}]})
    assert (page.total_records, page.limit, page.offset) == (95, 2, 1)
    assert [m.id for m in page.items] == ["a", "b"]
    assert Page.from_api({}).items == []


def test_device_both_documented_shapes() -> None:
    english = Device.from_api({"id": OBJECT_ID, "device_id": "65bbdaba833da513a46d36222",
                               "device_battery_state": "57", "device_name": "Poco M3", "is_active": True,
                               "is_charging": True, "last_online_date": "2024-02-01T17:54:02.668Z"})
    assert english.battery == 57 and english.record_id == OBJECT_ID and english.is_active
    assert english.last_online == datetime(2024, 2, 1, 17, 54, 2, 668000, tzinfo=timezone.utc)
    russian = Device.from_api({"device_id": UUID, "device_battery_state": 15, "is_charging": False,
                               "last_online_date": "1970-01-21T00:53:51.222Z", "to_sim": -2,
                               "sim_list": [{"slot_index": 0, "display_name": "Tinkoff"}]})
    assert russian.device_id == UUID and russian.battery == 15 and russian.battery_low()
    assert russian.sims[0].display_name == "Tinkoff" and russian.to_sim == -2
    assert not russian.online()
    now = datetime(2024, 2, 1, 17, 57, 2, 668000, tzinfo=timezone.utc)
    assert english.seconds_since_seen(now) == 180 and english.online(now)
    assert Device.from_api({}, requested_id=UUID).device_id == UUID


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-02-01T17:54:02Z", datetime(2024, 2, 1, 17, 54, 2, tzinfo=timezone.utc)),
        ("2024-02-01T17:54:02.6Z", datetime(2024, 2, 1, 17, 54, 2, 600000, tzinfo=timezone.utc)),
        ("2024-02-01T20:54:02.1234567+03:00", datetime(2024, 2, 1, 17, 54, 2, 123456, tzinfo=timezone.utc)),
        (0, datetime(1970, 1, 1, tzinfo=timezone.utc)),
        ("", None),
        ("yesterday", None),
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected
