"""notify_gosms's quick lane: it reads a command line as argparse does, or steps aside.

The lane (gosms_nagios.notify.quick) reads an ordinary notification's options itself so that a hand-off to
a live runner loads no argparse; wherever it goes ahead, its reading must be the full parser's.
hypothesis builds command lines from the notifier's own options, their two spellings, values that
start with "-", unset daemon macros and unknown options; then a real hand-off to a runner's lock
held by this test shows the process ends without loading argparse, dataclasses or the error table.
"""

from __future__ import annotations

import json
import subprocess
import sys

from gosms_nagios.notify.command import parse_args
from gosms_nagios.notify.quick import TEXT_OPTIONS, VALUE_OPTIONS, read, split_numbers, unset_macro
from hypothesis import given, settings
from hypothesis import strategies as st
from nagios_support import SECRET, VENV_BIN

from gosms.delivery.handoff import advertise
from gosms.delivery.outbox import Outbox
from gosms.wire.config import Token

VALUES = st.one_of(st.sampled_from(["79991234567", "7999,7998", "-x", "--host", "", "$_CONTACTGOSMS_FOLD$",
                                    "off", "3/60s", "web01", "a=b", " 5 "]), st.text(max_size=12))
OPTIONS = st.sampled_from([*TEXT_OPTIONS, *VALUE_OPTIONS, "--via", "-v", "--verbose", "--bogus", "--to-x"])


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    argv: list[str] = []
    for _ in range(draw(st.integers(0, 8))):
        option, value = draw(OPTIONS), draw(VALUES)
        argv.extend([f"{option}={value}"] if draw(st.booleans()) else [option, value])
    return argv


@settings(max_examples=400, deadline=None)
@given(command_lines())
def test_wherever_the_quick_lane_reads_a_command_line_argparse_reads_it_the_same(argv: list[str]) -> None:
    given_values = read(argv)
    if given_values is None:
        return  # stepped aside: the full parser judges it
    try:
        args = parse_args(argv)
    except SystemExit:  # argparse refused what the lane read: the lane must not go ahead then
        numbers = split_numbers(given_values.get("--to", []))
        host = given_values.get("--host", [""])[-1]
        assert not numbers or not host.strip() or "--timeout" in given_values or "--fold" in given_values
        return
    for option in TEXT_OPTIONS:
        assert getattr(args, option[2:]) == given_values.get(option, [""])[-1]
    assert args.numbers == split_numbers(given_values.get("--to", []))
    last = {name: values[-1] for name, values in given_values.items()}
    assert args.token_file == (last.get("--token-file") or None)
    assert args.api_url == last.get("--api-url")
    outbox = last.get("--outbox", "")
    assert args.outbox == (outbox if outbox and not unset_macro(outbox) else None)


def test_unknown_options_and_doubtful_values_are_left_to_argparse() -> None:
    assert read(["--to", "7999", "--host", "h", "--via", "dev"]) is None
    assert read(["--to", "-7999"]) is None  # argparse may read "-7999" as an option
    assert read(["--to"]) is None
    assert read(["-v", "--to", "7999"]) is None
    assert read(["--to", "7999", "--output", "-x"]) == {"--to": ["7999"], "--output": ["-x"]}


def test_a_hand_off_ends_the_process_before_argparse_and_the_error_table_load(tmp_path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    api_url = "http://127.0.0.1:9/v1"  # never contacted: the alert is written for the runner
    probe = ("import atexit, sys; from gosms_nagios.launch import notify; "
             "atexit.register(lambda: print('LOADED', [m for m in ('argparse', 'dataclasses', 'gosms.wire.errors', "
             "'gosms_nagios.notify.command', 'gosms.delivery.outbox') if m in sys.modules])); notify()")
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "GOSMS_TOKEN": SECRET,
           "GOSMS_API_URL": api_url, "GOSMS_OUTBOX": str(outbox.directory),
           "GOSMS_RUNTIME_DIR": str(tmp_path / "run")}
    argv = ["--to", "79991234567", "--type", "PROBLEM", "--host", "web01", "--state", "DOWN", "--output", "-x"]
    with outbox.as_runner() as held:  # this test holds the runner's lock, as gosms outbox run does
        assert held
        advertise(outbox, api_url, Token(SECRET))
        done = subprocess.run([sys.executable, "-c", probe, *argv], env=env, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    assert "handed to the outbox runner for 79991234567" in done.stdout
    assert "LOADED []" in done.stdout
    [entry] = outbox.entries()
    assert (entry.state, entry.phone_number, entry.host, entry.severity) == ("new", "79991234567", "web01", "DOWN")
    assert entry.message == "PROBLEM: web01 is DOWN: -x"
    assert SECRET not in json.dumps(entry.as_dict())
