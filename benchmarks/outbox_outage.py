"""Outage benchmark: GoSMS unreachable for a minute, 20 alerts sent with ``gosms send --queue``.

Run: ``.venv/bin/python benchmarks/outbox_outage.py [--outage 60] [--alerts 20]``.  The emulator
answers 503 for ``--outage`` real seconds; the alerts are sent during it, four commands at a time,
each with a 2 s deadline.  When the outage is over, a ``gosms outbox flush`` is killed (SIGKILL) in
the middle of a send (the 11th send is answered slowly) and a second flush is run, as a timer would.
It prints, e.g.::

    outage: 20 alerts queued during a 60 s outage; slowest send --queue 2.9 s (median 2.4 s)
    outage: first flush killed with 10 of 20 sent; second flush exit 0 in 1.2 s
    outage: 20/20 stored, 0 duplicated, 0 lost; outbox empty

The exit status is non-zero only when an alert was lost or duplicated: times depend on the machine
and are reported, never judged.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator

PHONE = "79991234567"


def gosms() -> list[str]:
    script = Path(sys.executable).with_name("gosms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gosms"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=60.0, help="seconds of outage (default 60)")
    parser.add_argument("--alerts", type=int, default=20, help="alerts sent during it (default 20)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, Emulator() as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
        env.update(GOSMS_TOKEN=emu.token, GOSMS_API_URL=emu.url, GOSMS_OUTBOX=str(Path(folder) / "outbox"))
        alerts = [f"host{n:02d}: CRITICAL" for n in range(args.alerts)]
        emu.outage(args.outage)
        outage_end = time.monotonic() + args.outage

        def send(text: str) -> tuple[int, float]:
            started = time.monotonic()
            done = subprocess.run([*gosms(), "send", "--queue", "--deadline", "2", "--to", PHONE, "--message", text],
                                  env=env, capture_output=True, check=False)
            return done.returncode, time.monotonic() - started

        with ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(send, alerts))
        queued = len(Outbox(env["GOSMS_OUTBOX"]).entries(("new",)))
        seconds = [s for _, s in runs]
        print(f"outage: {queued} of {len(alerts)} alerts queued during a {args.outage:g} s outage "
              f"(exit statuses {sorted(Counter(c for c, _ in runs).items())}); slowest send --queue "
              f"{max(seconds):.1f} s (median {statistics.median(seconds):.1f} s)", flush=True)
        time.sleep(max(0.0, outage_end - time.monotonic()) + 0.5)

        half = len(alerts) // 2
        emu.add_fault("slow", endpoint="send", after=half, seconds=120)
        first = subprocess.Popen([*gosms(), "outbox", "flush", "--timeout", "150"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not any(r["fault"] == "slow" for r in emu.requests()) and first.poll() is None:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        before = len(emu.messages())
        emu.clear_faults()
        started = time.monotonic()
        second = subprocess.run([*gosms(), "outbox", "flush"], env=env, capture_output=True, check=False)
        print(f"outage: first flush killed with {before - 1} of {len(alerts)} answered (one more in flight); "
              f"second flush exit {second.returncode} in {time.monotonic() - started:.1f} s", flush=True)

        copies = Counter(m["message"] for m in emu.messages())
        duplicated = sum(c - 1 for c in copies.values())
        lost = sum(1 for text in alerts if copies[text] == 0)
        left = len(Outbox(env["GOSMS_OUTBOX"]).entries(("new", "sending")))
        print(f"outage: {len(alerts) - lost}/{len(alerts)} stored, {duplicated} duplicated, {lost} lost; "
              f"{left} left in the outbox", flush=True)
        return 0 if duplicated == 0 and lost == 0 and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
