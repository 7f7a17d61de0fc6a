"""Following alerts to the handset must not slow the sends: 200 alerts followed while 200 more are sent.

Prints (asserts nothing about speed):

* the send rate of 200 alerts alone, and of 200 alerts while ``gosms outbox run`` (a process of its
  own, as deployed) follows 200 others, each as a share of the cap (10 per second per endpoint;
  goal: >= 0.98 of it while following);
* the reads the following made (list pages, ``/sms/get``, device info) per followed alert and per
  followed alert and minute.

Sends and reads are different endpoints of the account's budget, so the following spends the read
budget and leaves the send budget alone; the benchmark measures that instead of trusting it.  The
followed alerts sit on a phone that takes its time (status 0 -> 1 -> 2 over the run), so every round
has all 200 to read.

    .venv/bin/python benchmarks/follow.py [--alerts 200]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gosms.clients.sync import Client
from gosms.delivery.follow import start_following
from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator
from gosms.wire.outcomes import plan_send
from gosms.wire.retry import DEFAULT_RATE
from gosms.wire.routes import Route

TEXT = "benchmark: disk /var on web01 is 95% full"
LIFECYCLE = float(os.environ.get("GOSMS_BENCH_STAGE", "20"))
"""Seconds each status takes on the slow phone (20: every followed alert moves on during the run)."""


def numbers(first: int, count: int) -> list[str]:
    return [f"7999{first + n:07d}" for n in range(count)]


def send_rate(client: Client, count: int, first: int) -> float:
    """Sends per second of one alert to ``count`` numbers (the client sends a few side by side, so
    the budget, not the answer's latency, sets the pace)."""
    started = time.monotonic()
    result = client.send(numbers(first, count), TEXT)
    assert result.ok, result.summary()
    return count / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=200)
    args = parser.parse_args()
    count = args.alerts
    with tempfile.TemporaryDirectory(prefix="gosms-follow-bench-") as tmp:
        os.environ["GOSMS_RUNTIME_DIR"] = os.path.join(tmp, "run")  # a budget file of this run's own
        # The phone that carries the followed alerts is slow: they stay in progress all run long.
        scenario = {"devices": [{"name": "slow", "behaviour": "slow", "slow_factor": 1.0}, {"name": "spare"}],
                    "lifecycle": {"waiting": LIFECYCLE, "processing": LIFECYCLE, "sent": LIFECYCLE}, "rate_limit": 0}
        with Emulator(scenario=scenario) as emu:
            slow, spare = emu.phones
            outbox = Outbox(os.path.join(tmp, "outbox"))
            with Client(emu.token, api_url=emu.url, rate_limit=0) as quick:  # set-up only, not measured
                start_following(quick, outbox, plan_send(numbers(0, count), TEXT), [Route(slow), Route(spare)], 300.0)
            followed = len(outbox.entries(("tracking",)))
            emu.set_scenario(rate_limit=10)
            env = dict(os.environ, GOSMS_TOKEN=emu.token, GOSMS_API_URL=emu.url, GOSMS_OUTBOX=str(outbox.directory))
            gosms = Path(sys.executable).with_name("gosms")
            with Client(emu.token, api_url=emu.url) as client:
                alone = send_rate(client, count, 10_000)
                emu.clear_requests()
                runner = subprocess.Popen([str(gosms), "outbox", "run"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
                try:
                    time.sleep(5)  # the runner is up and following before the sends start: steady state
                    started = time.monotonic()
                    together = send_rate(client, count, 20_000)
                    elapsed = time.monotonic() - started
                finally:
                    runner.send_signal(signal.SIGTERM)
                    runner.wait(timeout=60)
            logged = emu.requests()
    reads = {name: sum(1 for r in logged if r.get("endpoint") == name) for name in ("list", "get", "device_info")}
    made = sum(reads.values())
    refused = sum(1 for r in logged if r.get("status") == 429)
    print(f"followed alerts: {followed}; sends measured: {count} alone, {count} while following")
    print(f"sends alone:          {alone:6.2f}/s = {alone / DEFAULT_RATE:.3f} of the cap ({DEFAULT_RATE:g}/s)")
    print(f"sends while following:{together:6.2f}/s = {together / DEFAULT_RATE:.3f} of the cap "
          f"(goal >= 0.98); {together / alone:.3f} of the rate alone")
    print(f"following in {elapsed:.1f} s: reads {made} (list pages {reads['list']}, gets {reads['get']}, device "
          f"info {reads['device_info']}); 429 answers {refused}")
    print(f"reads per followed alert: {made / max(1, followed):.3f} in {elapsed:.1f} s = "
          f"{made / max(1, followed) / elapsed * 60:.3f} per alert and minute")


if __name__ == "__main__":
    main()
