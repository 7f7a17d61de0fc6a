"""What every part of the emulated account shares: the lock, the clock, and the checks on scenario values.

The account is assembled from one class per concern (tokens, phones, messages, traffic), each in its
own module; :class:`Account` is their common base so each can hold the lock with the clock caught
up without knowing the others.  The value checks live here because every concern's patch uses them,
and a refused value must read the same wherever it was refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .clock import Clock

__all__ = ["Account", "ScenarioError", "as_bool", "is_int", "is_number", "unknown_keys"]


class ScenarioError(ValueError):
    """A scenario or patch the emulator refuses; nothing of it was applied."""


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(f"{name} must be true or false, not {value!r}")
    return value


def unknown_keys(what: str, unknown: Iterable[str], known: Iterable[str]) -> str:
    return f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"




class Account:
    """The lock and the clock; :meth:`current` is the one way in for anything that reads or changes state."""

    lock: threading.RLock
    clock: Clock

    def now(self) -> float:
        return self.clock.now()

    @contextmanager
    def current(self) -> Iterator[float]:
        """Hold the lock with every message caught up to the clock; yields that moment."""
        with self.lock:
            now = self.clock.now()
            self._catch_up(now)
            yield now

    def _catch_up(self, now: float) -> None:
        """Bring everything that moves with time up to ``now`` (the messages override this)."""
