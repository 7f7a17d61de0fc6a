"""Burst benchmark: 200 alerts through ``Client.send`` against an emulator enforcing 10 requests/s.

Run: ``.venv/bin/python benchmarks/burst.py [--count N]``.  Two bursts: N sequential single sends,
then one send to N recipients.  Each prints what reached the emulator and how close the client
came to the API's cap, e.g.::

    burst (sequential): 200 accepted, 0 duplicated, 0 lost, 9.78/s = 0.978 of the 10/s cap

The exit status is non-zero only when an alert was lost or duplicated: speed depends on the machine
and is reported, never judged, so a slow CI runner does not fail the build.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable

from gosms import Client
from gosms.emulator import Emulator
from gosms.pacing.budget import MARGIN, WINDOW

RATE_LIMIT = 10


def burst(name: str, emulator: Emulator, numbers: list[str], run: Callable[[Client, str], list[str]]) -> bool:
    """One burst; True when every number got exactly one copy."""
    text = f"burst {name}"
    before = emulator.snapshot()["rate_limited"]
    with Client(emulator.token, api_url=emulator.url) as client:
        started = time.monotonic()
        accepted = run(client, text)
        elapsed = time.monotonic() - started
    copies = Counter(m["phone_number"] for m in emulator.messages() if m["message"] == text)
    duplicated = sum(c - 1 for c in copies.values())
    lost = sum(1 for n in numbers if copies[n] == 0)
    rate = len(numbers) / elapsed if elapsed > 0 else float("inf")
    refused = emulator.snapshot()["rate_limited"] - before
    print(f"burst ({name}): {len(accepted)} accepted, {duplicated} duplicated, {lost} lost, "
          f"{rate:.2f}/s = {rate / RATE_LIMIT:.3f} of the {RATE_LIMIT}/s cap "
          f"({refused} answered 429, {elapsed:.1f} s)", flush=True)
    return duplicated == 0 and lost == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="alerts per burst (default 200)")
    args = parser.parse_args(argv)
    numbers = [f"7999{i:07d}" for i in range(args.count)]

    def sequential(client: Client, text: str) -> list[str]:
        return [n for n in numbers if client.send(n, text).ok]

    def one_call(client: Client, text: str) -> list[str]:
        return [r.phone_number for r in client.send(numbers, text).sent]

    with Emulator() as emulator:
        emulator.set_scenario(rate_limit=RATE_LIMIT)
        ok = burst("sequential", emulator, numbers, sequential)
        # The account's budget remembers the last second of the first burst (as it should): let it
        # pass, or the second burst would start by waiting for it and measure that wait.
        time.sleep(WINDOW + MARGIN)
        ok = burst(f"one {args.count}-recipient send", emulator, numbers, one_call) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
