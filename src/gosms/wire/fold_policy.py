"""How a tool asks for folding: ``BURST/WINDOW``, read from its setting (see :mod:`.folding`).

Apart from :mod:`.folding` (the plan and the digest, built on dataclasses) because every notifier
reads its ``--fold`` before it hands its alert to a live runner, and that hand-off loads no more
than it needs; this module needs nothing at all.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: see gosms/__init__
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["DEFAULT_POLICY", "FoldPolicy", "parse_fold"]


class FoldPolicy:
    """``burst`` alerts to a number go alone within ``window`` seconds; the rest fold into a digest.

    A value, like a frozen dataclass: compared and hashed by its fields, never changed."""

    __slots__ = ("burst", "window")
    burst: int
    window: float

    def __init__(self, burst: int = 3, window: float = 60.0) -> None:
        object.__setattr__(self, "burst", burst)
        object.__setattr__(self, "window", window)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a FoldPolicy is not changed: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FoldPolicy):
            return NotImplemented
        return (self.burst, self.window) == (other.burst, other.window)

    def __hash__(self) -> int:
        return hash((self.burst, self.window))

    def __repr__(self) -> str:
        return f"FoldPolicy(burst={self.burst!r}, window={self.window!r})"

    def __reduce__(self) -> tuple[type[FoldPolicy], tuple[int, float]]:
        return (FoldPolicy, (self.burst, self.window))

    def spec(self) -> str:
        return f"{self.burst}/{self.window:g}s"


DEFAULT_POLICY = FoldPolicy()

_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_fold(text: str) -> Optional[FoldPolicy]:
    """``off`` (None), ``on`` or empty (the default ``3/60s``: an unset daemon macro is empty), or
    ``BURST/WINDOW`` such as ``3/60s``, ``0/2m``.

    Raises ValueError with a sentence saying what to write instead.
    """
    raw = text.strip().lower()
    if raw in ("off", "no", "0", "none"):
        return None
    if raw in ("", "on", "yes", "default"):
        return DEFAULT_POLICY
    burst_text, sep, window_text = raw.partition("/")
    try:
        burst = int(burst_text)
        unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if window_text.endswith(u)), "")
        window = float(window_text[: len(window_text) - len(unit)] if unit else window_text) * _UNITS.get(unit, 1.0)
    except ValueError:
        burst, window = -1, 0.0
    if not sep or burst < 0 or not 0 < window <= 86400:
        raise ValueError(f"{text!r} is not a folding setting: write off, on, or BURST/WINDOW such as 3/60s "
                         "(3 alerts alone, the rest of each 60 s in one digest)")
    return FoldPolicy(burst, window)
