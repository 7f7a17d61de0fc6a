"""What one check_gosms run costs, against the least any check could cost.

Each run is a fresh process, as Nagios and Icinga start one per check.  The baseline is a bare
``python -c 'import requests; requests.get(...)'`` of the same read-only call the check makes every
run (``GET /sms?limit=1``), against the same emulated API over loopback.  The runs of the programs
compared are interleaved (A, B, C, A, B, C, ...), so a machine that gets busier half-way slows every
series alike; medians are compared.  Printed: median wall time and peak resident memory (GNU time's
``%M``) of each, and the ratios next to the goals:

- account check <= 1.15x the bare call (the same Python: the venv's console script, and the single
  file check_gosms.pyz under /usr/bin/python3 against a bare call by that Python);
- full check (quota, phone, delivery) <= 1.2x the account check (it reads the message list once,
  as the account check does, and the phone once: its wall time should follow its CPU time, with no
  wait for the account's rate budget, which every check of the series below shares);
- peak memory <= 40 MB.

Nothing is asserted about time (machines differ); the script only fails when a check does not
answer OK.  The helpers here are shared with benchmarks/notify_gosms.py.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gosms.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "benchmark-token-0123456789abcdef"
CONSOLE = Path(sys.executable).parent / "check_gosms"
SYSTEM_PYTHON = "/usr/bin/python3"
BASELINE = (
    "import os, requests; "
    "requests.get(os.environ['GOSMS_API_URL'] + '/sms?limit=1&offset=1', "
    "headers={'Authorization': 'Bearer ' + os.environ['GOSMS_TOKEN']}, timeout=10).raise_for_status()"
)
GOAL_ACCOUNT = 1.15
GOAL_FULL = 1.2
GOAL_MB = 40.0


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else ""


@dataclass
class Series:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + system): less swayed than wall time by other jobs on the machine."""
        return statistics.median(self.cpus)

    def line(self) -> str:
        return (f"  {self.name:<44} median {self.median * 1000:7.1f} ms   (min {min(self.walls) * 1000:6.1f})"
                f"   CPU {self.cpu * 1000:6.1f} ms   peak RSS {max(self.peaks):5.1f} MB")


def measure(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS in MB, exit code and output of one run of ``argv``.

    The peak comes from GNU time: a child started straight from this process would report this
    process's own peak too (Linux carries the high-water mark over exec), and this process holds
    the emulator.  Without /usr/bin/time, ``wait4`` gives an upper bound.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [TIME, "-f", "%M", "-o", report.name, *argv] if TIME else list(argv)
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.stdout.close()
        peak_kb = float(report.read().split()[-1]) if TIME else float(usage.ru_maxrss)
    cpu = usage.ru_utime + usage.ru_stime  # GNU time's own share is a millisecond or so, alike for all
    return wall, cpu, peak_kb / 1024.0, os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def run_interleaved(series: Sequence[Series], runs: int, between: Callable[[], None] = lambda: None) -> None:
    """One warm-up run of each, then ``runs`` rounds of one run each; fails on a non-zero exit."""
    for rnd in range(runs + 1):
        for one in series:
            wall, cpu, peak, code, out = measure(one.argv, one.env)
            if code != 0:
                raise SystemExit(f"{one.name} exited {code}:\n{out}")
            if rnd:  # round 0 warms the page cache and the bytecode caches
                one.walls.append(wall)
                one.cpus.append(cpu)
                one.peaks.append(peak)
            between()
    for one in series:
        print(one.line())


def ratio_line(label: str, slow: Series, fast: Series, goal: float) -> str:
    """The wall-time ratio against its goal, and the CPU-time ratio beside it."""
    value = slow.median / fast.median
    return (f"  {label:<50} {value:.2f}x (goal <= {goal}x){'' if value <= goal else '  ** above goal **'}"
            f"   CPU {slow.cpu / fast.cpu:.2f}x")


def api_requests(emu: Emulator, one: Series) -> str:
    """The endpoints one more run of ``one`` asks, counted in the emulator's log (outside the timing).

    Each request takes a turn of the account's rate budget, which all processes of the account
    share: a check that asks more than it needs waits for turns where the budget is busy.
    """
    emu.clear_requests()
    measure(one.argv, one.env)
    counts: dict[str, int] = {}
    for entry in emu.requests():
        counts[str(entry["endpoint"])] = counts.get(str(entry["endpoint"]), 0) + 1
    return ", ".join(f"{endpoint} {count}" for endpoint, count in counts.items())


def build_single_files(out: Path) -> Path:
    """The .pyz files from this checkout, with bytecode for the system Python (as a packager builds them)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_single_files.py"), "--out", str(out),
                    "--python", SYSTEM_PYTHON], check=True, capture_output=True)
    return out


def system_python_ready() -> bool:
    """Whether /usr/bin/python3 has the distribution's requests and nagiosplugin (scripts/setup.sh --icinga)."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import requests, nagiosplugin"], capture_output=True)
    return probe.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # What is measured is each process's own cost: the emulator's rate limit (10 reads a second)
    # is off, or the baseline's bare requests.get, which does not retry, meets a 429 on a fast machine.
    with Emulator(tokens=[TOKEN], scenario={"rate_limit": 0}) as emu, \
            tempfile.TemporaryDirectory(prefix="gosms-bench-") as tmp:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "GOSMS_TOKEN": TOKEN,
               "GOSMS_API_URL": emu.url, "XDG_CACHE_HOME": tmp, "GOSMS_RUNTIME_DIR": str(Path(tmp) / "run")}
        print(f"check_gosms benchmark: {args.runs} interleaved runs each, Python {sys.version.split()[0]}, "
              f"API {emu.url}")
        if not TIME:
            print("  (no /usr/bin/time: peak memory is an upper bound, it includes this process's own)")
        full_args = ["--quota", "1000", "--device", emu.device_id, "--delivery-window", "20"]
        base = Series("baseline: python -c requests.get", [sys.executable, "-c", BASELINE], env)
        account = Series("check_gosms (account check)", [str(CONSOLE)], env)
        full = Series("check_gosms (quota+phone+delivery)", [str(CONSOLE), *full_args], env)
        series = [base, account, full]
        single = system_python_ready()
        if single:
            built = build_single_files(Path(tmp) / "dist")
            pyz = str(built / "check_gosms.pyz")
            sys_base = Series("baseline: /usr/bin/python3 -c requests.get", [SYSTEM_PYTHON, "-c", BASELINE], env)
            sys_account = Series("check_gosms.pyz under /usr/bin/python3", [pyz], env)
            sys_full = Series("check_gosms.pyz, quota+phone+delivery", [pyz, *full_args], env)
            series += [sys_base, sys_account, sys_full]
        run_interleaved(series, args.runs, between=lambda: time.sleep(0.05))
        asked = {one.name: api_requests(emu, one) for one in (account, full)}
    for name, endpoints in asked.items():
        print(f"  API requests of one run, {name}: {endpoints}")
    print(ratio_line("account check / bare requests.get (venv):", account, base, GOAL_ACCOUNT))
    print(ratio_line("full check / account check (venv):", full, account, GOAL_FULL))
    if single:
        print(ratio_line("single file account check / bare call (system):", sys_account, sys_base, GOAL_ACCOUNT))
        print(ratio_line("single file full / account check (system):", sys_full, sys_account, GOAL_FULL))
    else:
        print("  (no /usr/bin/python3 with python3-requests and python3-nagiosplugin: single file not measured)")
    peak = max(max(s.peaks) for s in series if s.name.startswith("check_gosms"))
    print(f"  peak memory of a check: {peak:.1f} MB (goal <= {GOAL_MB:.0f} MB)"
          f"{'' if peak <= GOAL_MB else '  ** above goal **'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
