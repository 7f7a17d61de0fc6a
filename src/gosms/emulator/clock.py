"""The emulator's clock: real time that a test can push forward.

Message lifecycles, device heartbeats, the 5-minute delete window (1010) and the monthly quota are
all read from this clock, so a test makes five minutes or a month pass in a call instead of waiting.
It follows the real monotonic clock between calls, so a status still moves on its own while a
client polls, exactly as against the real API.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from datetime import datetime, timezone

from gosms.wire.usage import month_start

__all__ = ["Clock", "iso_utc", "month_key", "new_object_id"]


class Clock:
    """Unix time that starts at the real wall time and can be advanced or set, never affected by NTP."""

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._mono0 = time.monotonic()
        self._wall0 = time.time() if start is None else float(start)
        self._offset = 0.0

    def now(self) -> float:
        with self._lock:
            return self._wall0 + (time.monotonic() - self._mono0) + self._offset

    def advance(self, seconds: float) -> float:
        """Move time forward (a negative value is refused: statuses and heartbeats never run back)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward; advance by 0 seconds or more")
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def set(self, unix_time: float) -> float:
        """Jump to an absolute time, e.g. just before a month boundary; forward only, as advance()."""
        current = self.now()
        if unix_time < current:
            raise ValueError(f"the clock only moves forward; it is already {iso_utc(current)}")
        return self.advance(unix_time - current)

    def restore_offset(self, offset: float) -> None:
        """Undo a move made by a scenario patch that was then refused as a whole."""
        with self._lock:
            self._offset = offset

    @property
    def offset(self) -> float:
        """How far the clock was pushed ahead of real time."""
        with self._lock:
            return self._offset


def iso_utc(unix_time: float) -> str:
    """The API's own timestamp style: ``2024-02-01T17:54:02.668Z`` (milliseconds, UTC)."""
    moment = datetime.fromtimestamp(unix_time, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def month_key(unix_time: float) -> str:
    """The quota period a moment falls in.

    The docs do not say which time zone resets the quota; the core counts usage by the Moscow
    calendar month (:data:`gosms.wire.usage.BILLING_TZ`), so the emulator takes the month from there too
    and the two never disagree in the three hours around a month's turn.
    """
    return month_start(unix_time).strftime("%Y-%m")


_PROCESS_BYTES = os.urandom(5)
_OBJECT_ID_COUNTER = itertools.count(int.from_bytes(os.urandom(3), "big"))
_OBJECT_ID_LOCK = threading.Lock()


def new_object_id(unix_time: float) -> str:
    """A MongoDB-style ObjectID as the API hands out: creation second, process bytes, counter.

    It lives with the clock because its first four bytes are the clock's second of creation."""
    with _OBJECT_ID_LOCK:
        counter = next(_OBJECT_ID_COUNTER) & 0xFFFFFF
    return (int(unix_time).to_bytes(4, "big") + _PROCESS_BYTES + counter.to_bytes(3, "big")).hex()
