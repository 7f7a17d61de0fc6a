"""What one check_gosms run costs, against the least any check could cost.

Each run is a fresh process, as Nagios and Icinga start one per check.  The baseline is a bare
``python -c 'import requests; requests.get(...)'`` of the same read-only call the check makes every
run (``GET /sms?limit=1``), against the same emulated API over loopback.  Printed: median wall time
and peak resident memory (GNU time's ``%M``) of each, and the ratios.
Goals: wall time <= 1.3x the baseline, peak memory <= 40 MB.  Nothing is asserted about time
(machines differ); the script only fails when a check does not answer OK.

    .venv/bin/python benchmarks/check_gosms.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gosms.emulator import Emulator

TOKEN = "benchmark-token-0123456789abcdef"
CONSOLE = Path(sys.executable).parent / "check_gosms"
BASELINE = (
    "import os, requests; "
    "requests.get(os.environ['GOSMS_API_URL'] + '/sms?limit=1&offset=1', "
    "headers={'Authorization': 'Bearer ' + os.environ['GOSMS_TOKEN']}, timeout=10).raise_for_status()"
)
GOAL_RATIO = 1.3
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else ""
GOAL_MB = 40.0


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and stdout of one run of ``argv``.

    The peak comes from GNU time (``%M``): a child started straight from this process would report
    this process's own peak too (Linux carries the pre-exec memory high-water mark over into the
    child's ``ru_maxrss``), and this process holds the emulator.  Without /usr/bin/time, ``wait4``
    gives an upper bound.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [TIME, "-f", "%M", "-o", report.name, *argv] if TIME else argv
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        peak_kb = float(report.read().split()[-1]) if TIME else float(usage.ru_maxrss)
    return wall, peak_kb / 1024.0, proc.returncode, out.decode(errors="replace")


def series(name: str, argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    measure(argv, env)  # warm the page cache and the bytecode caches
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, code, out = measure(argv, env)
        if code != 0:
            raise SystemExit(f"{name} exited {code}:\n{out}")
        walls.append(wall)
        peaks.append(peak)
        time.sleep(0.12)  # stay under the emulated API's 10 requests/s
    wall, peak = statistics.median(walls), max(peaks)
    print(f"  {name:<34} median {wall * 1000:7.1f} ms   (min {min(walls) * 1000:6.1f})   peak RSS {peak:5.1f} MB")
    return wall, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with Emulator(tokens=[TOKEN]) as emu:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "GOSMS_TOKEN": TOKEN,
               "GOSMS_API_URL": emu.url, "XDG_CACHE_HOME": str(Path(os.environ.get("TMPDIR", "/tmp")))}
        print(f"check_gosms benchmark: {args.runs} runs each, Python {sys.version.split()[0]}, API {emu.url}")
        if not TIME:
            print("  (no /usr/bin/time: peak memory is an upper bound, it includes this process's own)")
        base_wall, base_peak = series("baseline: python -c requests.get", [sys.executable, "-c", BASELINE], env,
                                      args.runs)
        check_wall, check_peak = series("check_gosms (account check)", [str(CONSOLE)], env, args.runs)
        full = [str(CONSOLE), "--quota", "1000", "--device", emu.device_id, "--delivery-window", "20",
                f"--state-file={Path(env['XDG_CACHE_HOME']) / f'check_gosms-bench-{os.getpid()}.json'}"]
        full_wall, full_peak = series("check_gosms (quota+phone+delivery)", full, env, args.runs)
        Path(full[-1].split("=", 1)[1]).unlink(missing_ok=True)
    ratio = check_wall / base_wall
    print(f"  wall time ratio, account check / baseline:   {ratio:.2f}x (goal <= {GOAL_RATIO}x)"
          f"{'' if ratio <= GOAL_RATIO else '  ** above goal **'}")
    print(f"  wall time ratio, full check / baseline:      {full_wall / base_wall:.2f}x "
          "(a device request and two more list requests, which the client spaces 0.1 s apart to stay "
          "under the API's 10 requests/s per endpoint)")
    print(f"  peak memory: account check {check_peak:.1f} MB, full {full_peak:.1f} MB, baseline {base_peak:.1f} MB "
          f"(ratio {check_peak / base_peak:.2f}x; goal <= {GOAL_MB:.0f} MB)"
          f"{'' if max(check_peak, full_peak) <= GOAL_MB else '  ** above goal **'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
