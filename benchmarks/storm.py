"""Alert-storm benchmark: many ``gosms send`` processes at once against a strict rate limiter.

Run: ``.venv/bin/python benchmarks/storm.py [--count N] [--hosts H]``.  The emulator runs in its
``strict`` rate-limit mode (refused requests count in its window, no ``Retry-After``), as many
real limiters do.  N processes of one user, one SMS each, start at once: on one host (``--hosts
1``, the default) they share the account's budget file; with H simulated hosts (one
``GOSMS_RUNTIME_DIR`` each, ``benchmarks/storm_hosts.py`` runs two) they cannot see each other's
budget and only learn from 429s.  The command measured is this checkout as users install it: a
wheel in a venv of its own (``--gosms PATH`` measures another).

The line printed gives what the emulator stored (exactly once per number is the only right answer), the
exit statuses and the wall time as a ratio of the ideal N/10 s, process start-up included (goals:
1.3x for one host, 1.5x for two, on an idle 2-core machine).  The exit status is non-zero only when
an alert was lost or duplicated: speed depends on the machine and is reported, never judged.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from gosms.emulator import Emulator

RATE_LIMIT = 10
NICE = ["nice", "-n", "10"] if shutil.which("nice") else []
"""The senders run at a lower priority than the emulator, which stands in for a server on another
machine: a starved emulator answering late would measure this machine, not the clients."""


GOSMS: list[str] = []
"""The command measured: ``--gosms PATH``, else :func:`_install`'s, else this venv's console script."""

REPO = Path(__file__).resolve().parents[1]


def _install(scratch: str) -> list[str]:
    """``gosms`` as users get it: this checkout built into a wheel and installed in a venv of its own.

    The project's venv has it installed editable, and an editable install loads an import hook in
    every process (about 15 ms of CPU in each of the 200).  Built with the project venv's ``uv``
    (sdist, then the wheel from it, in a temporary folder: the checkout stays as it was); without
    ``uv``, this venv's console script is measured, and the line says so.
    """
    uv = Path(sys.executable).with_name("uv")
    if not uv.exists():
        return []
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    dist, venv = os.path.join(scratch, "dist"), os.path.join(scratch, "venv")
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([str(uv), "build", "-q", "-o", dist, str(REPO)], **quiet)
    subprocess.run([str(uv), "venv", "-q", "-p", sys.executable, venv], **quiet)
    (wheel,) = Path(dist).glob("*.whl")
    subprocess.run([str(uv), "pip", "install", "-q", "--no-deps", "--compile-bytecode", "--python",
                    os.path.join(venv, "bin", "python"), str(wheel)], **quiet)
    return [os.path.join(venv, "bin", "gosms")]


def _gosms() -> list[str]:
    if GOSMS:
        return GOSMS
    script = Path(sys.executable).with_name("gosms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gosms"]


def _child_env() -> dict[str, str]:
    """The caller's environment minus gosms settings, with bytecode caching on.

    An installed package has its bytecode compiled at install time; an editable checkout run with
    PYTHONDONTWRITEBYTECODE would compile every module in every one of the processes, which is
    start-up cost no user pays.  One warm-up run writes the cache.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") and k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([*_gosms(), "--version"], env=env, stdout=subprocess.DEVNULL, check=True)
    return env


def storm(emulator: Emulator, count: int, hosts: int, label: str) -> bool:
    """``count`` concurrent sends split over ``hosts`` runtime dirs; True when each number got one SMS."""
    emulator.set_scenario(rate_limit=RATE_LIMIT, rate_limit_mode="strict")
    text = f"storm {label}"
    numbers = [f"7999{i:07d}" for i in range(count)]
    with tempfile.TemporaryDirectory() as scratch:
        dirs = []
        for h in range(hosts):
            path = os.path.join(scratch, f"host{h}")
            os.mkdir(path, 0o700)
            dirs.append(path)
        base = _child_env()
        base.update(GOSMS_API_URL=emulator.url, GOSMS_TOKEN=emulator.token)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        started_wall = time.time()
        processes = []
        for i, number in enumerate(numbers):
            env = dict(base, GOSMS_RUNTIME_DIR=dirs[i % hosts])
            processes.append(subprocess.Popen([*NICE, *_gosms(), "send", "--to", number, "--message", text], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        exits = Counter()
        errors: list[str] = []
        for process in processes:
            _, err = process.communicate()
            exits[process.returncode] += 1
            if process.returncode and len(errors) < 3:
                errors.append(err.strip()[:300])
        elapsed = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / count
    copies = Counter(m["phone_number"] for m in emulator.messages() if m["message"] == text)
    duplicated = sum(c - 1 for c in copies.values())
    lost = sum(1 for n in numbers if copies[n] == 0)
    ideal = count / RATE_LIMIT
    refused = emulator.snapshot()["rate_limited"]
    stored_at = sorted(r["time"] - started_wall for r in emulator.requests()
                       if r["executed"] and (r["body"] or {}).get("message") == text)
    print(f"storm ({label}): {len(copies)}/{count} stored, {duplicated} duplicated, {lost} lost, "
          f"{count - exits[0]} failed exits; {elapsed:.1f} s = {elapsed / ideal:.2f}x the ideal {ideal:g} s "
          f"({refused} answered 429; {cpu * 1000:.0f} ms CPU per process)", flush=True)
    if stored_at:
        print(f"  the first SMS was stored {stored_at[0]:.1f} s after the start, the last {stored_at[-1]:.1f} s after",
              flush=True)
    for error in errors:
        print(f"  a failed exit said: {error}", flush=True)
    return duplicated == 0 and lost == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="processes, one SMS each (default 200)")
    parser.add_argument("--hosts", type=int, default=1, help="simulated hosts (default 1)")
    parser.add_argument("--gosms", metavar="PATH", help="the gosms command to run (default: this checkout "
                        "built into a wheel and installed in a venv of its own)")
    args = parser.parse_args(argv)
    if args.gosms:
        GOSMS[:] = [args.gosms]
    label = (f"{args.count} processes, one host" if args.hosts == 1
             else f"{args.hosts} hosts x {args.count // args.hosts} processes")
    with tempfile.TemporaryDirectory() as scratch:
        if not GOSMS:
            GOSMS[:] = _install(scratch)
        print(f"measuring {' '.join(_gosms())}"
              + ("" if GOSMS else " (editable: no uv here to build a wheel with)"), flush=True)
        with Emulator() as emulator:
            ok = storm(emulator, args.count, args.hosts, label)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
