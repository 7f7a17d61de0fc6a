"""``gosms-emulator`` / ``python -m gosms.emulator``: a GoSMS API on this machine until stopped.

The first line on stdout is the API base URL and nothing else, so a script or a test harness reads
one line and knows where to point its client; everything meant for a person goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .. import __version__
from .runner import Emulator
from .state import DEFAULT_TOKEN, LIST_OFFSETS, LIST_ORDERS, RATE_LIMIT_MODES, ScenarioError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gosms-emulator",
        description="Run a local GoSMS API (base URL printed as the first line of stdout) until "
                    "SIGTERM or Ctrl+C. Control API (no token, loopback only) under /_emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port)")
    parser.add_argument("--token", action="append", metavar="TOKEN",
                        help=f"an API token to accept; repeatable (default: {DEFAULT_TOKEN})")
    parser.add_argument("--scenario", metavar="FILE.json", help="initial state: tokens, devices, quota, faults...")
    parser.add_argument("--device", action="append", metavar="ID",
                        help="add a ready phone with this id (UUID or 24-hex ObjectID); repeatable")
    parser.add_argument("--device-format", choices=("ru", "en"),
                        help="device info in the Russian page's shape (default) or the English page's")
    parser.add_argument("--list-offset", choices=LIST_OFFSETS,
                        help="what GET /sms's offset counts: pages from 1 (default), records from 1 or from 0")
    parser.add_argument("--list-order", choices=LIST_ORDERS, help="the message list's order (default newest_first)")
    parser.add_argument("--rate-limit", type=int, metavar="N",
                        help="requests per second per endpoint and token before 429 (default 10, 0 = off)")
    parser.add_argument("--rate-limit-mode", choices=tuple(RATE_LIMIT_MODES),
                        help="; ".join(f"{name}: {meaning}" for name, meaning in RATE_LIMIT_MODES.items()))
    parser.add_argument("-v", "--verbose", action="store_true", help="print each API request on stderr")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _scenario(args: argparse.Namespace) -> dict[str, Any]:
    scenario: dict[str, Any] = {}
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as handle:
            loaded = json.load(handle)
        if not isinstance(loaded, dict):
            raise ScenarioError(f"{args.scenario}: a scenario file holds one JSON object")
        scenario.update(loaded)
    if args.device_format:
        scenario["device_format"] = args.device_format
    if args.list_offset:
        scenario["list_offset"] = args.list_offset
    if args.list_order:
        scenario["list_order"] = args.list_order
    if args.rate_limit is not None:
        scenario["rate_limit"] = args.rate_limit
    if args.rate_limit_mode is not None:
        scenario["rate_limit_mode"] = args.rate_limit_mode
    return scenario


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        emulator = Emulator(args.token, scenario=_scenario(args), devices=args.device, host=args.host,
                            port=args.port, verbose=args.verbose)
    except (OSError, ValueError) as exc:  # ScenarioError and a broken JSON file are ValueErrors
        print(f"gosms-emulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        emulator.start()
    except OSError as exc:
        print(f"gosms-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(emulator.url, flush=True)
    if args.token or (args.scenario and emulator.token != DEFAULT_TOKEN):
        hint = f"accepting the {len(emulator.tokens)} token(s) you configured"
    else:
        hint = f"accepting token {DEFAULT_TOKEN!r} (Authorization: Bearer {DEFAULT_TOKEN}); set your own with --token"
    devices = emulator.snapshot()["devices"]
    print(f"gosms-emulator: {hint}", file=sys.stderr)
    for device in devices:
        state = "active" if device["active"] else "inactive"
        print(f"gosms-emulator: device {device['id']} ({state}, {'online' if device['online'] else 'offline'})",
              file=sys.stderr)
    print(f"gosms-emulator: control API {emulator.control_url} (loopback only); stop with Ctrl+C",
          file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
