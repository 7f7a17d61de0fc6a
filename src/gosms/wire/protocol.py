"""The GoSMS wire protocol without any I/O: requests to build, responses to decode.

Both transports (``requests`` and ``aiohttp``) feed bytes in and get typed results or typed errors
out, so they cannot disagree on what an answer means.  Errors are decoded by the JSON
``errors.code`` whatever HTTP status carries it, because the API does not document its statuses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlencode

from . import validation as v
from .config import Token
from .errors import APIError, ProtocolError, RateLimitError

__all__ = [
    "ENDPOINTS",
    "Endpoint",
    "Request",
    "Response",
    "build_delete",
    "build_device_delete",
    "build_device_edit",
    "build_device_info",
    "build_get",
    "build_list",
    "build_send",
    "decode",
]

USER_AGENT = "gosms-ops"


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API: its name in the core, its HTTP method and path.

    (Every dataclass here has a docstring: without one, ``dataclass`` makes one by reading the class's
    signature, which a short-lived command or Ansible task pays for at import.)
    """

    name: str
    method: str
    path: str
    reads: bool
    """Safe to repeat: it changes nothing on the server."""


ENDPOINTS: Mapping[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("send", "POST", "/sms/send", reads=False),
        Endpoint("get", "POST", "/sms/get", reads=True),
        Endpoint("delete", "DELETE", "/sms/del", reads=False),
        Endpoint("list", "GET", "/sms", reads=True),
        Endpoint("device_info", "POST", "/devices/get/info", reads=True),
        Endpoint("device_edit", "POST", "/devices/edit", reads=False),
        Endpoint("device_delete", "POST", "/devices/del", reads=False),
    )
}


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``repr`` leaves the Authorization header out."""

    endpoint: Endpoint
    url: str
    headers: Mapping[str, str] = field(repr=False)
    body: Optional[bytes]

    @property
    def method(self) -> str:
        return self.endpoint.method

    @property
    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Response:
    """An HTTP answer as the transports hand it to the flows: any status, the API's errors included."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def _headers(token: Token, with_body: bool) -> dict[str, str]:
    headers = {
        "Authorization": f"Bearer {token.reveal()}",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if with_body:
        headers["Content-Type"] = "application/json"
    return headers


def _request(
    base_url: str, token: Token, name: str, payload: Optional[Mapping[str, Any]] = None, query: str = ""
) -> Request:
    endpoint = ENDPOINTS[name]
    url = base_url.rstrip("/") + endpoint.path + (f"?{query}" if query else "")
    body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Request(endpoint, url, _headers(token, body is not None), body)


def build_send(
    base_url: str,
    token: Token,
    phone_number: str,
    message: str,
    *,
    device_id: Optional[str] = None,
    to_sim: Optional[int] = None,
    callback_id: Optional[str] = None,
) -> Request:
    """A send request; every field is validated first with the code the API would answer."""
    payload: dict[str, Any] = {
        "message": v.check_message(message),
        "phone_number": v.check_phone(phone_number),
    }
    if device_id:
        payload["device_id"] = v.check_device_id(device_id)
    if to_sim is not None:
        payload["to_sim"] = v.check_to_sim(to_sim, device_id)
    if callback_id:
        payload["callback_id"] = v.check_callback_id(callback_id)
    return _request(base_url, token, "send", payload)


def build_get(base_url: str, token: Token, message_id: str) -> Request:
    return _request(base_url, token, "get", {"id": v.check_message_id(message_id)})


def build_delete(base_url: str, token: Token, message_id: str) -> Request:
    return _request(base_url, token, "delete", {"id": v.check_message_id(message_id)})


def build_list(
    base_url: str, token: Token, *, limit: int = 100, offset: int = 1, search: Optional[str] = None
) -> Request:
    """A page of messages; ``offset`` is sent as given (a page number from 1 by our reading of the
    docs; :mod:`gosms.wire.paging` finds out what a server makes of it)."""
    params: dict[str, Any] = {"limit": v.check_limit(limit), "offset": v.check_offset(offset)}
    if search:
        params["search"] = search
    return _request(base_url, token, "list", query=urlencode(params))


def _device_payload(device_id: str) -> dict[str, Any]:
    # The English page names the field ``id``, the newer Russian page ``device_id``; a Go server
    # ignores the key it does not know, so sending both reaches either version.
    checked = v.check_device_id(device_id)
    return {"id": checked, "device_id": checked}


def build_device_info(base_url: str, token: Token, device_id: str) -> Request:
    return _request(base_url, token, "device_info", _device_payload(device_id))


def build_device_edit(base_url: str, token: Token, device_id: str, is_active: bool) -> Request:
    payload = _device_payload(device_id)
    payload["is_active"] = v.check_bool(is_active)
    return _request(base_url, token, "device_edit", payload)


def build_device_delete(base_url: str, token: Token, device_id: str) -> Request:
    return _request(base_url, token, "device_delete", _device_payload(device_id))


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = body.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _error_object(data: Any) -> Optional[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            errors = errors[0]
        if isinstance(errors, Mapping) and "code" in errors:
            return errors
    return None


def decode(response: Response) -> Any:
    """The JSON result of a successful answer (None for an empty 2xx), or the typed error.

    Raises :class:`APIError` when the body carries ``errors.code`` (any status), else
    :class:`RateLimitError` for a 429, else :class:`ProtocolError` for a non-2xx status or a body
    that is not JSON.
    """
    status, body = response.status, response.body
    data: Any = None
    parsed = False
    if body.strip():
        try:
            data = json.loads(body.decode("utf-8"))
            parsed = True
        except (UnicodeDecodeError, ValueError):
            parsed = False
    error = _error_object(data) if parsed else None
    if error is not None:
        try:
            code = int(error.get("code"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ProtocolError(
                f"GoSMS answered HTTP {status} with an error object whose code is not a number: "
                f"{_excerpt(body)}",
                http_status=status,
                excerpt=_excerpt(body),
            ) from None
        raise APIError(
            code,
            str(error.get("message") or ""),
            hash=str(error.get("hash") or ""),
            http_status=status,
        )
    if status == 429:
        # Not executed, so safe to repeat: a TransportError that was not sent, which is how the
        # retry policy treats it; it leaves the client only once retries have run out.
        raise RateLimitError(
            "GoSMS rate limit hit (HTTP 429 Too Many Requests): over 10 requests per second to one endpoint.",
            retry_after=retry_after_seconds(response.headers),
        )
    if not 200 <= status < 300:
        what = "an empty body" if not body.strip() else f"a non-GoSMS body: {_excerpt(body)}"
        raise ProtocolError(f"GoSMS answered HTTP {status} with {what}", http_status=status,
                            excerpt=_excerpt(body))
    if not body.strip():
        if status == 204:
            return None
        raise ProtocolError(f"GoSMS answered HTTP {status} with an empty body where JSON was expected.",
                            http_status=status)
    if not parsed:
        raise ProtocolError(
            f"GoSMS answered HTTP {status} with a body that is not JSON: {_excerpt(body)}",
            http_status=status,
            excerpt=_excerpt(body),
        )
    return data


def retry_after_seconds(headers: Mapping[str, str]) -> Optional[float]:
    """``Retry-After`` in seconds when given as a number (the form rate limiters send)."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None
