"""200 alerts against an API that enforces its 10 requests per second: all accepted, each once.

Marked ``slow`` (about 20 s, the rate limit sets the pace) but part of the suite; no timing is
asserted, only that nothing was lost or doubled.  ``benchmarks/burst.py`` measures the speed.
"""

from __future__ import annotations

from collections import Counter

import pytest
from core_helpers import SECRET, stored

from gosms import Client
from gosms.emulator import Emulator

COUNT = 200


@pytest.mark.slow
def test_200_sends_at_the_rate_limit_lose_and_double_nothing(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=10)
    numbers = [f"7999{i:07d}" for i in range(COUNT)]
    with Client(SECRET, api_url=emu.url) as client:  # the defaults a user gets
        result = client.send(numbers, "burst test")
    accepted = [r.phone_number for r in result.sent]
    copies = Counter(m["phone_number"] for m in stored(emu, "burst test"))
    assert len(accepted) == COUNT, result.summary()[:500]
    assert [n for n, c in copies.items() if c > 1] == []  # none duplicated
    assert sorted(copies) == numbers  # none lost
    assert sorted(result.ids) == sorted(m["id"] for m in stored(emu))
