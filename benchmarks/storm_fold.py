"""Storms through the outbox runner: the spool-first notifier's cost, the runner's pace, folding's yield.

Three measurements against the emulator over loopback, with ``gosms outbox run`` alive:

1. Spool-first notifier: ``notify_gosms`` hands its alert to the live runner and exits, against a
   bare script that imports requests and makes the one ``POST /sms/send``; fresh processes,
   interleaved.  Goals: <= 50 ms wall and <= 0.5x the bare script.
2. Folding off: 200 alerts handed to the runner at once reach the API at the account's cap (10 per
   second: ideal 20 s) against a strict limiter.  Goals: <= 1.05x the ideal, 0 answered 429.
3. Folding on: 200 PROBLEM notifications for 200 services of one host from 200 notifier processes
   at once; the SMS count and the time from the first hand-off to the last SMS (the window is
   ``--window``, 20 s by default to keep the run short; the notifier's default is 60 s).

Speed is printed, never judged: the exit status is non-zero only when an alert was lost.

    .venv/bin/python benchmarks/storm_fold.py [--runs N] [--count N] [--window S] [--only PART]

``--only spool-first`` (or ``pace``, ``folding``) runs one part: the notifier's cost alone takes
seconds, where the storms take minutes.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from check_gosms import SYSTEM_PYTHON, TOKEN, Series, build_single_files, run_interleaved, system_python_ready

from gosms.delivery.handoff import hand_over
from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator
from gosms.wire.config import Token

BIN = Path(sys.executable).parent
PAGER = "79991234567"
BASELINE = (
    "import os, requests; "
    "requests.post(os.environ['GOSMS_API_URL'] + '/sms/send', json={'phone_number': '79991234567', "
    "'message': 'PROBLEM: web01/HTTP is CRITICAL: HTTP CRITICAL - 500 [2026-12-03 08:45:00]'}, "
    "headers={'Authorization': 'Bearer ' + os.environ['GOSMS_TOKEN']}, timeout=10).raise_for_status()"
)
GOAL_MS, GOAL_RATIO, GOAL_PACE = 50.0, 0.5, 1.05
PARTS = ["spool-first", "pace", "folding"]


def _notify_args(service: str, fold: str) -> list[str]:
    return ["--to", PAGER, "--type", "PROBLEM", "--host", "web01", "--service", service, "--state", "CRITICAL",
            "--output", f"{service} CRITICAL - 500", "--time", "2026-12-03 08:45:00", "--fold", fold]


class Runner:
    """``gosms outbox run`` for one outbox, stopped by SIGTERM."""

    def __init__(self, env: dict[str, str]) -> None:
        self.outbox = Outbox(env["GOSMS_OUTBOX"])
        self.proc = subprocess.Popen([str(BIN / "gosms"), "outbox", "run", "--interval", "600"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while not self.outbox.runner_alive():
            if time.monotonic() > end or self.proc.poll() is not None:
                raise SystemExit("the runner did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def _env(emu: Emulator, tmp: Path, name: str) -> dict[str, str]:
    return {"PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", "GOSMS_TOKEN": TOKEN, "GOSMS_API_URL": emu.url,
            "HOME": str(tmp), "GOSMS_OUTBOX": str(tmp / name / "outbox"), "GOSMS_RUNTIME_DIR": str(tmp / name / "run")}


def spool_first(emu: Emulator, tmp: Path, runs: int) -> None:
    """The venv's console script against a bare script of the venv's Python, and the single file that
    monitoring hosts install against a bare script of /usr/bin/python3, interleaved."""
    env = _env(emu, tmp, "spool")
    runner = Runner(env)
    pairs = [(Series("baseline: python -c requests.post", [sys.executable, "-c", BASELINE], env),
              Series("notify_gosms handing over to the runner", [str(BIN / "notify_gosms"),
                                                                 *_notify_args("HTTP", "off")], env), "venv")]
    if system_python_ready():
        pyz = str(build_single_files(tmp / "dist") / "notify_gosms.pyz")
        pairs.append((Series("baseline: /usr/bin/python3 -c requests.post", [SYSTEM_PYTHON, "-c", BASELINE], env),
                      Series("notify_gosms.pyz handing over (system Python)", [pyz, *_notify_args("HTTP", "off")],
                             env), "single file"))
    try:
        run_interleaved([one for base, notify, _ in pairs for one in (base, notify)], runs,
                        between=lambda: time.sleep(0.11))
    finally:
        runner.stop()
    for base, notify, label in pairs:
        ratio = notify.median / base.median
        above = "" if ratio <= GOAL_RATIO and notify.median * 1000 <= GOAL_MS else "  ** above goal **"
        print(f"  spool-first notifier ({label}): {notify.median * 1000:.1f} ms wall (goal <= {GOAL_MS:g} ms), "
              f"{ratio:.2f}x a bare requests.post (goal <= {GOAL_RATIO}x){above}   CPU {notify.cpu / base.cpu:.2f}x")


def _wait_for(emu: Emulator, count: int, seconds: float) -> list[dict[str, Any]]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        messages = emu.messages()
        if len(messages) >= count:
            return messages
        time.sleep(0.05)
    return emu.messages()


def pace(emu: Emulator, tmp: Path, count: int) -> bool:
    emu.reset()
    emu.set_scenario(rate_limit=10, rate_limit_mode="strict", lifecycle={"waiting": 0, "processing": 0, "sent": 0})
    emu.clear_requests()
    env = _env(emu, tmp, "pace")
    runner = Runner(env)
    try:
        started = time.monotonic()
        for i in range(count):  # folding off: each alert its own SMS, at the cap
            hand_over(runner.outbox, emu.url, Token(TOKEN), [PAGER], [f"alert {i:03d}"], source="bench")
        handed = time.monotonic() - started
        messages = _wait_for(emu, count, count / 10 * 3 + 30)
        last = time.monotonic() - started
    finally:
        runner.stop()
    refused = sum(1 for r in emu.requests() if r.get("status") == 429)
    ideal = count / 10
    print(f"  folding off: {count} alerts handed over in {handed:.2f} s; {len(messages)} reached the API in "
          f"{last:.1f} s = {last / ideal:.2f}x the ideal {ideal:g} s (goal <= {GOAL_PACE}x), {refused} answered 429 "
          f"(goal 0)")
    return len({m["message"] for m in messages}) == count == len(messages)


def folding(emu: Emulator, tmp: Path, count: int, window: float) -> bool:
    emu.reset()
    emu.set_scenario(rate_limit=10, rate_limit_mode="strict", lifecycle={"waiting": 0, "processing": 0, "sent": 0})
    env = _env(emu, tmp, "fold")
    runner = Runner(env)
    try:
        started, wall0 = time.monotonic(), time.time()
        procs = [subprocess.Popen([str(BIN / "notify_gosms"), *_notify_args(f"svc{i:03d}", f"3/{window:g}s")],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for i in range(count)]
        codes = [p.wait(timeout=600) for p in procs]
        handed = time.monotonic() - started
        end = time.monotonic() + window * 4 + 60
        log: list[dict[str, Any]] = []
        while time.monotonic() < end:
            done = subprocess.run([str(BIN / "gosms"), "outbox", "log", "--json"], env=env, capture_output=True,
                                  text=True, timeout=120)
            log = json.loads(done.stdout)["alerts"]
            if len(log) == count and all(r["state"] == "sent" for r in log):
                break
            time.sleep(0.5)
        messages = emu.messages()
        last = max(m["created"] for m in messages) - wall0 if messages else 0.0
    finally:
        runner.stop()
    print(f"  folding on (3/{window:g}s): {count} notifiers handed over in {handed:.1f} s "
          f"(exit 0: {codes.count(0)}); {len(messages)} SMS reached the number, the last {last:.1f} s after the "
          f"first hand-off; {sum(1 for r in log if r['folded'])} alerts folded, {len(log)} on record")
    return len(log) == count and all(r["sms_ids"] for r in log)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--only", choices=PARTS, help="run this part only (default: all three)")
    args = parser.parse_args()
    parts = [args.only] if args.only else PARTS
    with Emulator(tokens=[TOKEN]) as emu, tempfile.TemporaryDirectory(prefix="gosms-bench-") as scratch:
        tmp = Path(scratch)
        emu.set_scenario(lifecycle={"waiting": 0, "processing": 0, "sent": 0})
        print(f"storm through the runner: Python {sys.version.split()[0]}, API {emu.url}")
        ok = True
        if "spool-first" in parts:
            spool_first(emu, tmp, args.runs)
        if "pace" in parts:
            ok = pace(emu, tmp, args.count)
        if "folding" in parts:
            ok = folding(emu, tmp, args.count, args.window) and ok
    if not ok:
        print("  ** an alert was lost **")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
