"""Failures between a client and the API, injected on purpose.

An alerting client must neither lose nor double an alert when the network or a proxy misbehaves.
These rules reproduce each way an answer can go missing or arrive mangled, and — as important —
whether the request was carried out anyway: a reset after the message was created is the case
that tempts a naive retry into sending the alert twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gosms.wire.errors import lookup

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "PROXY_502_PAGE",
    "FaultError",
    "FaultRule",
    "parse_rules",
]

ENDPOINTS: tuple[str, ...] = ("send", "get", "delete", "list", "device_info", "device_edit", "device_delete")
"""Names fault rules, the rate limiter and the request log use for the API's endpoints."""

# Whether the API carries out a request hit by the fault.  A proxy that fails on its own (500/502,
# a reset before forwarding, a canned answer) never reaches the API.  Empty and truncated bodies
# are answers that were produced and then lost on the way back, so the request did happen.
_EXECUTES: Mapping[str, bool] = {
    "http_500": False,
    "html_502": False,
    "empty": True,
    "truncated": True,
    "reset_before": False,
    "reset_after": True,
    "slow": True,
    "slow_before": True,
    "error": False,
    "status": False,
}
FAULT_KINDS: tuple[str, ...] = tuple(_EXECUTES)

PROXY_502_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
"""What nginx in front of an upstream that is down sends; clients must not try to read it as JSON."""

_FIELDS = frozenset(
    ("kind", "endpoint", "count", "seconds", "code", "status", "body", "content_type", "execute", "after")
)


class FaultError(ValueError):
    """A rule the emulator cannot apply; raised before the rule is queued, never mid-request."""


@dataclass
class FaultRule:
    """One queued failure: which endpoint, how many more requests, and what goes wrong."""

    kind: str
    endpoint: str = "*"
    count: int | None = 1
    """Requests still to be hit; None keeps the rule until the queue is cleared (an outage)."""
    seconds: float = 1.0
    """For ``slow`` and ``slow_before``."""
    code: int = 1000
    """For ``error``: the API error to answer."""
    status: int = 500
    """For ``status``: the HTTP status to answer."""
    body: str = ""
    """For ``status``: the raw body to answer."""
    content_type: str = "text/plain; charset=utf-8"
    execute: bool | None = None
    """Whether the API carries the request out; None takes the kind's own behaviour."""
    after: int = 0
    """Matching requests let through untouched before the rule applies: a fault in the middle of a run."""

    @property
    def executes(self) -> bool:
        return _EXECUTES[self.kind] if self.execute is None else self.execute

    def matches(self, endpoint: str) -> bool:
        return self.endpoint in ("*", endpoint)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "endpoint": self.endpoint, "count": self.count,
                                "executes": self.executes}
        if self.kind in ("slow", "slow_before"):
            data["seconds"] = self.seconds
        if self.after:
            data["after"] = self.after
        if self.kind == "error":
            data["code"] = self.code
        if self.kind == "status":
            data.update(status=self.status, body=self.body, content_type=self.content_type)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        if not isinstance(data, Mapping):
            raise FaultError(f"a fault rule is a JSON object, not {type(data).__name__}")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise FaultError(f"unknown fault rule field(s) {', '.join(unknown)}; known: {', '.join(sorted(_FIELDS))}")
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in _EXECUTES:
            raise FaultError(f"fault kind {kind!r} is not one of {', '.join(FAULT_KINDS)}")
        endpoint = data.get("endpoint", "*")
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise FaultError(f"fault endpoint {endpoint!r} is not '*' or one of {', '.join(ENDPOINTS)}")
        count = data.get("count", 1)
        if count is not None and (not _is_int(count) or count < 1):
            raise FaultError(f"fault count {count!r} must be a whole number from 1, or null for every request")
        seconds = data.get("seconds", 1.0)
        if not _is_number(seconds) or seconds < 0:
            raise FaultError(f"fault seconds {seconds!r} must be a number of 0 or more")
        code = data.get("code", 1000)
        if not _is_int(code):
            raise FaultError(f"fault code {code!r} must be a whole number")
        lookup(code)  # an undocumented code is allowed: it shows how clients cope with one
        status = data.get("status", 500)
        if not _is_int(status) or not 100 <= status <= 599:
            raise FaultError(f"fault status {status!r} must be an HTTP status from 100 to 599")
        body = data.get("body", "")
        content_type = data.get("content_type", "text/plain; charset=utf-8")
        if not isinstance(body, str) or not isinstance(content_type, str):
            raise FaultError("fault body and content_type must be text")
        execute = data.get("execute")
        if execute is not None and not isinstance(execute, bool):
            raise FaultError(f"fault execute {execute!r} must be true, false or null")
        if execute is False and kind in ("slow", "slow_before"):
            raise FaultError("a slow answer is the API's own answer, late: slow requests are always carried out")
        after = data.get("after", 0)
        if not _is_int(after) or after < 0:
            raise FaultError(f"fault after {after!r} must be a whole number of 0 or more")
        return cls(kind=kind, endpoint=endpoint, count=count, seconds=float(seconds), code=code,
                   status=status, body=body, content_type=content_type, execute=execute, after=after)


def parse_rules(data: Any) -> list[FaultRule]:
    """Rules from one object, a list of them, or ``{"rules": [...]}``; all or nothing."""
    if isinstance(data, Mapping) and "rules" in data and "kind" not in data:
        data = data["rules"]
    items = data if isinstance(data, list) else [data]
    return [FaultRule.from_dict(item) for item in items]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
