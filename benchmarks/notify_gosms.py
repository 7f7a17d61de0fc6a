"""What one notification by SMS costs, against the least any notification command could cost.

A daemon starts one notification command per contact and alert.  The baseline is a bare script that
imports requests and makes the one ``POST /sms/send`` call; ``notify_gosms`` composes the text, sends
it through the core client (rate budget, de-duplication) with the outbox ready.  Both run as fresh
processes against the same emulated API over loopback, interleaved, the venv's console script and
the single file under /usr/bin/python3 each against a bare script of its own Python.
Goal: one SMS <= 1.2x the bare requests.post script.  Nothing is asserted about time.

    .venv/bin/python benchmarks/notify_gosms.py [--runs N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from check_gosms import (
    SYSTEM_PYTHON,
    TIME,
    TOKEN,
    Series,
    build_single_files,
    ratio_line,
    run_interleaved,
    system_python_ready,
)

from gosms.emulator import Emulator

NOTIFY = Path(sys.executable).parent / "notify_gosms"
GOAL = 1.2
BASELINE = (
    "import os, requests; "
    "requests.post(os.environ['GOSMS_API_URL'] + '/sms/send', json={'phone_number': '79991234567', "
    "'message': 'PROBLEM: web01/HTTP is CRITICAL: HTTP CRITICAL - 500 [2026-12-03 08:45:00]'}, "
    "headers={'Authorization': 'Bearer ' + os.environ['GOSMS_TOKEN']}, timeout=10).raise_for_status()"
)
ARGS = ["--to", "79991234567", "--type", "PROBLEM", "--host", "web01", "--service", "HTTP", "--state", "CRITICAL",
        "--output", "HTTP CRITICAL - 500", "--time", "2026-12-03 08:45:00"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with Emulator(tokens=[TOKEN]) as emu, tempfile.TemporaryDirectory(prefix="gosms-bench-") as tmp:
        emu.set_scenario(lifecycle={"waiting": 0, "processing": 0, "sent": 0})
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "GOSMS_TOKEN": TOKEN, "GOSMS_API_URL": emu.url,
               "HOME": tmp, "GOSMS_OUTBOX": str(Path(tmp) / "outbox"), "GOSMS_RUNTIME_DIR": str(Path(tmp) / "run")}
        print(f"notify_gosms benchmark: {args.runs} interleaved runs each, Python {sys.version.split()[0]}, "
              f"API {emu.url}")
        if not TIME:
            print("  (no /usr/bin/time: peak memory is an upper bound, it includes this process's own)")
        base = Series("baseline: python -c requests.post", [sys.executable, "-c", BASELINE], env)
        notify = Series("notify_gosms (one SMS)", [str(NOTIFY), *ARGS], env)
        series = [base, notify]
        single = system_python_ready()
        if single:
            pyz = str(build_single_files(Path(tmp) / "dist") / "notify_gosms.pyz")
            sys_base = Series("baseline: /usr/bin/python3 -c requests.post", [SYSTEM_PYTHON, "-c", BASELINE], env)
            sys_notify = Series("notify_gosms.pyz under /usr/bin/python3", [pyz, *ARGS], env)
            series += [sys_base, sys_notify]
        # Each run sends: keep under the API's 10 sends per second, as the budget would anyway.
        run_interleaved(series, args.runs, between=lambda: time.sleep(0.11))
        sent = len(emu.messages())
    print(f"  messages stored: {sent} (each run one SMS)")
    print(ratio_line("notification / bare requests.post (venv):", notify, base, GOAL))
    if single:
        print(ratio_line("single file / bare requests.post (system):", sys_notify, sys_base, GOAL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
