"""200 sends through one ``gosms.Client`` to a fake enforcing a fixed 1-second window of 10 requests.

Why: the client spaces requests evenly (10/s); a fixed-window limiter can still refuse a request
at a window edge with a bare 429 (no ``errors.code``). Such a 429 was not executed, so a retry is
safe: every message must be stored exactly once. Throughput is printed, not asserted.
"""

from __future__ import annotations

import time
from collections import Counter

from fake_api import FakeGoSMS

from gosms import Client

COUNT = 200


def test_burst_of_200(fake: FakeGoSMS, token: str) -> None:
    """All 200 stored, none twice; 429s (if any) were absorbed by the client."""
    phones = [f"7999{i:07d}" for i in range(COUNT)]
    start = time.monotonic()
    with Client(token, api_url=fake.url) as client:
        result = client.send(phones, "burst conformance")
    elapsed = time.monotonic() - start
    stored = Counter(m["phone_number"] for m in fake.messages())
    limited = sum(1 for r in fake.requests("/sms/send") if r.status == 429)
    print(f"\n{COUNT} sends in {elapsed:.1f} s = {COUNT / elapsed:.1f}/s; 429 answers: {limited}; "
          f"requests: {len(fake.requests())}")
    assert result.ok, result.summary()
    assert len(result.sent) == COUNT
    assert fake.message_count() == COUNT
    assert set(stored) == set(phones)
    assert max(stored.values()) == 1


def test_bare_429_is_retried_without_duplicates(fake: FakeGoSMS, token: str) -> None:
    """Spacing off (``rate_limit=0``): the fixed window answers bare 429s, which must be retried, not doubled."""
    phones = [f"7998{i:07d}" for i in range(40)]
    with Client(token, api_url=fake.url, rate_limit=0) as client:
        result = client.send(phones, "no spacing")
    limited = sum(1 for r in fake.requests("/sms/send") if r.status == 429)
    print(f"\n429 answers absorbed: {limited}")
    assert limited > 0, "the fake's window never refused: this test proves nothing"
    assert result.ok, result.summary()
    stored = Counter(m["phone_number"] for m in fake.messages())
    assert set(stored) == set(phones) and max(stored.values()) == 1
