"""The start-up turnstile: commands started together load a few at a time, and nobody is stopped.

The holders are real processes and the locks real ``flock`` locks in a runtime directory of the
test's own.  No timing is asserted: a wait that must fail is given no place to take, one that must
succeed is given one, so a busy machine changes only how long the test takes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import PHONE, SECRET, run_cli, stored

from gosms.cli import launch
from gosms.cli import main as cli
from gosms.emulator import Emulator
from gosms.pacing import turnstile
from gosms.pacing.budget import for_account, queue_to_send


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime directory no other test queues in."""
    path = tmp_path / "runtime"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(path))
    yield path
    turnstile.leave()


def _other_process(code: str, runtime: Path) -> subprocess.Popen[str]:
    """A process that runs ``code`` with the turnstile imported and says 'held' once it holds a place."""
    program = "\n".join(["import sys", "from gosms.pacing import turnstile", code,
                         "print('held' if turnstile._held else 'not held', flush=True)", "sys.stdin.read()"])
    return subprocess.Popen([sys.executable, "-c", program], env=dict(os.environ, GOSMS_RUNTIME_DIR=str(runtime)),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _answer(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


def test_a_place_is_one_process_at_a_time_and_a_waiter_gets_it_when_freed(runtime: Path) -> None:
    assert turnstile.enter(slots=1) is True
    assert [p.name for p in runtime.iterdir()] == ["start.0"]
    assert (runtime / "start.0").stat().st_mode & 0o777 == 0o600
    # Taken: a process allowed to wait 0.3 s gets nothing, however fast or slow the machine.
    refused = _other_process("turnstile.enter(wait=0.3, slots=1)", runtime)
    assert _answer(refused) == "not held"
    refused.communicate("")
    # A process allowed to wait long gets it once this one leaves.
    waiter = _other_process("turnstile.enter(wait=60, slots=1)", runtime)
    turnstile.leave()
    assert _answer(waiter) == "held"
    # ... and holds it now: this process waits in vain.
    assert turnstile.enter(wait=0.3, slots=1) is False
    waiter.communicate("")
    assert turnstile.enter(wait=60, slots=1) is True


def test_as_many_places_as_slots(runtime: Path) -> None:
    first = _other_process("turnstile.enter(slots=2)", runtime)
    assert _answer(first) == "held"
    assert turnstile.enter(wait=0.3, slots=2) is True  # the second place
    third = _other_process("turnstile.enter(wait=0.3, slots=2)", runtime)
    assert _answer(third) == "not held"
    for process in (first, third):
        process.communicate("")


def test_a_killed_holder_frees_its_place(runtime: Path) -> None:
    holder = _other_process("turnstile.enter(slots=1)", runtime)
    assert _answer(holder) == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert turnstile.enter(wait=60, slots=1) is True


def test_the_wait_leaves_the_alarm_as_it_was(runtime: Path) -> None:
    holder = _other_process("turnstile.enter(slots=1)", runtime)
    assert _answer(holder) == "held"
    mine = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        assert turnstile.enter(wait=0.2, slots=1) is False
        assert signal.getsignal(signal.SIGALRM) == signal.SIG_IGN
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, mine)
        holder.communicate("")


def test_a_waiter_keeps_waiting_while_the_place_moves_and_gives_up_when_it_stalls(runtime: Path) -> None:
    """Nobody waits on a fixed clock: while others pass through the place, a wait outlasts its stall."""
    assert turnstile.enter(slots=1) is True
    waiter = _other_process("turnstile.enter(wait=60, slots=1, stall=2)", runtime)
    place = runtime / "start.0"
    # Others pass through the place (each leaving marks it, as leave() does) for twice the stall.
    passing_until = time.monotonic() + 4
    while time.monotonic() < passing_until:
        os.utime(place)
        time.sleep(0.1)
    turnstile.leave()
    assert _answer(waiter) == "held"  # it waited 4 s, past its 2 s stall, because the place moved
    waiter.communicate("")
    # A place that does not move: the waiter gives up after its stall, although it may wait 60 s.
    stuck = _other_process("turnstile.enter(slots=1)", runtime)
    assert _answer(stuck) == "held"
    waiter = _other_process("turnstile.enter(wait=60, slots=1, stall=0.5)", runtime)
    assert _answer(waiter) == "not held"
    for process in (waiter, stuck):
        process.communicate("")


def test_no_usable_runtime_dir_means_no_turnstile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # open to other users: refused, as the budget refuses it
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(shared))
    assert turnstile.enter() is False
    assert list(shared.iterdir()) == []


def test_a_send_takes_its_place_in_the_queue_before_it_lets_the_next_one_load(emu: Emulator) -> None:
    budget = for_account(emu.url, SECRET)
    for _ in range(30):  # three windows' worth of starts claimed: the next free one is seconds away
        budget.admit("send")
    events: list[str] = []
    queue_to_send(emu.url, SECRET, deadline=60, sleep=lambda s: events.append(f"slept {s > 0}"),
                  placed=lambda: events.append("placed"))
    assert events == ["placed", "slept True"]


def test_the_command_holds_no_place_once_done(emu: Emulator, runtime: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In process: ``gosms send`` (through its entry point) and any other command leave on every path."""
    for argv in (["send", "--to", PHONE, "--message", "turnstile"], ["send", "--to", "123", "--message", "x"],
                 ["errors"]):
        assert turnstile.enter() is True
        os.environ.update(GOSMS_API_URL=emu.url, GOSMS_TOKEN=SECRET)
        try:
            cli.main(argv)
        finally:
            del os.environ["GOSMS_API_URL"], os.environ["GOSMS_TOKEN"]
        assert turnstile._held == [], argv
    assert [m["message"] for m in stored(emu, "turnstile")] == ["turnstile"]
    capsys.readouterr()


def test_commands_pass_while_the_turnstile_is_full(emu: Emulator, runtime: Path) -> None:
    """Every place held by a hung process: a send waits its bounded time, then goes all the same."""
    holders = [_other_process(f"turnstile.enter(slots={os.cpu_count() or 1})", runtime)
               for _ in range(os.cpu_count() or 1)]
    try:
        assert all(_answer(h) == "held" for h in holders)
        result = run_cli("send", "--to", PHONE, "--message", "past the turnstile", emu=emu,
                         env={"GOSMS_RUNTIME_DIR": str(runtime)}, timeout=120)
        assert result.code == cli.EXIT_OK, result.stderr
        assert len(stored(emu, "past the turnstile")) == 1
    finally:
        for holder in holders:
            holder.communicate("")


@pytest.mark.parametrize(("argv", "queues"), [
    (["send", "--to", PHONE, "--message", "x"], True),
    (["--json", "--api-url", "http://127.0.0.1:1/v1", "send", "--to", PHONE, "--message", "x"], True),
    (["errors"], False),
    (["status", "6654a4e8f1527149588c89f2"], False),
])
def test_the_entry_point_queues_a_send_wherever_its_options_are(argv: list[str], queues: bool,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script's entry point, with the CLI replaced: only whether it queued is looked at."""
    entered: list[bool] = []
    monkeypatch.setattr(turnstile, "enter", lambda *a, **k: entered.append(True) or True)
    monkeypatch.setattr(cli, "main", lambda: 0)
    monkeypatch.setattr(sys, "argv", ["gosms", *argv])
    assert launch.main() == 0
    assert bool(entered) is queues
