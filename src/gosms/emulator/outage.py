"""GoSMS out of reach for a while: every API request answered 503 or its connection reset.

Alerts are lost when the gateway is down, not when it is up; tests and the demo need a gateway that
is down for a known time.  The outage is timed on the emulator's clock, so a test ends a one-minute
outage by advancing the clock instead of waiting a minute.  The control API stays reachable
throughout, so a person can end it with curl.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OUTAGE_MODES", "Outage", "OutageError", "parse_outage"]

OUTAGE_MODES: tuple[str, ...] = ("503", "reset")
"""``503``: a proxy in front of a dead upstream answers 503 Service Unavailable.  ``reset``: the
connection is closed without a byte of answer (a TCP RST), as a host going down does.  Neither
carries the request out."""

OUTAGE_BODY = b"503 Service Unavailable: the GoSMS emulator is in an outage\n"


class OutageError(ValueError):
    """An outage the emulator cannot start; nothing was changed."""


@dataclass(frozen=True)
class Outage:
    mode: str
    started: float
    until: float | None
    """Emulator time it ends; None lasts until ended through the control API."""

    def active(self, now: float) -> bool:
        return self.until is None or now < self.until

    def as_dict(self, now: float) -> dict[str, Any]:
        left = None if self.until is None else max(0.0, self.until - now)
        return {"mode": self.mode, "active": self.active(now), "started": self.started, "until": self.until,
                "seconds_left": left}


def parse_outage(data: Any, now: float) -> Outage:
    """``{"seconds": N or null, "mode": "503" | "reset"}`` starting now."""
    if not isinstance(data, Mapping) or set(data) - {"seconds", "mode"}:
        raise OutageError('an outage is {"seconds": N (null: until ended), "mode": "503" or "reset"}')
    mode = str(data.get("mode", "503"))
    if mode not in OUTAGE_MODES:
        raise OutageError(f"outage mode {mode!r} is not one of {', '.join(OUTAGE_MODES)}")
    seconds = data.get("seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0):
        raise OutageError(f"outage seconds {seconds!r} must be a number above 0, or null until ended")
    return Outage(mode, now, None if seconds is None else now + float(seconds))
