"""The account's rate budget shared through a file: what it stores, who may read it, and its schedule.

Schedules are checked against an injected clock (the same clock for every "process"), so nothing
here depends on how fast the machine is.  Two :class:`Budget` objects on one file stand for two
processes: each opens, locks and reads the file for every decision, exactly as separate processes
do (the cross-process case with real processes is in ``test_storm.py``).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from core_helpers import SECRET

from gosms.pacing import budget as budget_module
from gosms.pacing import runtime as runtime_module
from gosms.pacing.budget import GRACE, MARGIN, WINDOW, Budget, for_account, runtime_dir, wait_for_turn
from gosms.wire.config import Token

URL = "http://127.0.0.1:9/v1"


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "rt"
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(path))
    return path


def pair(clock: Clock) -> tuple[Budget, Budget]:
    """Two processes of one account: separate objects, one file."""
    first = Budget(api_url=URL, token=SECRET, clock=clock, rng=lambda: 0.5)
    second = Budget(api_url=URL, token=Token(SECRET), clock=clock, rng=lambda: 0.5)
    return first, second


def test_the_state_file_is_private_and_never_holds_the_token(runtime: Path) -> None:
    first, second = pair(Clock())
    assert first.admit("send").go
    assert second.snapshot("send")["slots"]  # the second process sees the first one's request
    assert first.path == second.path and Path(first.path).parent == runtime
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
    for item in runtime.iterdir():
        assert stat.S_IMODE(item.stat().st_mode) == 0o600, item
        assert SECRET not in item.name
        assert SECRET.encode() not in item.read_bytes(), item
    assert SECRET not in repr(first) and SECRET not in repr(budget_module._REGISTRY)


def test_the_file_name_depends_on_address_and_token_through_a_salt(runtime: Path) -> None:
    clock = Clock()
    names = set()
    for url, token in ((URL, SECRET), (URL + "/", SECRET), (URL, SECRET + "x"), ("http://127.0.0.1:8/v1", SECRET)):
        budget = Budget(api_url=url, token=token, clock=clock)
        budget.admit("send")
        assert budget.path is not None
        names.add(os.path.basename(budget.path))
    assert len(names) == 3  # a trailing slash is the same account
    (runtime / "salt").unlink()  # a new salt: the same account gets a name nobody can precompute
    again = Budget(api_url=URL, token=SECRET, clock=clock)
    again.admit("send")
    assert again.path is not None and os.path.basename(again.path) not in names


def test_two_processes_form_one_queue(runtime: Path) -> None:
    clock = Clock()
    first, second = pair(clock)
    turns = [(first if i % 2 else second).admit("send") for i in range(12)]
    assert [t.go for t in turns] == [True] * 10 + [False, False]  # a burst of 10 goes at once
    assert turns[10].slot == 1000.0 + WINDOW + MARGIN  # the 11th waits until the window has passed
    assert turns[11].slot == turns[10].slot  # the 12th goes with it: 10 in any window, no more
    assert first.admit("list").go  # each endpoint has its own budget
    clock.now = turns[10].slot
    assert second.admit("send", turns[10]).go and first.admit("send", turns[11]).go


def test_sustained_traffic_stays_under_the_cap_in_every_window(runtime: Path) -> None:
    clock = Clock()
    first, second = pair(clock)
    starts: list[float] = []
    for i in range(95):
        budget = first if i % 3 else second

        def sleep(seconds: float) -> None:
            clock.now += seconds

        assert wait_for_turn(budget, "send", sleep=sleep)
        starts.append(clock.now)
    for i in range(len(starts) - 10):
        assert starts[i + 10] - starts[i] >= WINDOW + MARGIN - 1e-9  # never 11 in a window (+ margin)
    assert starts[-1] - starts[0] < 10 * (WINDOW + MARGIN)  # and no slower than that


def test_a_429_slows_every_process_of_the_account_and_recovers(runtime: Path) -> None:
    clock = Clock()
    first, second = pair(clock)
    first.admit("send")
    full = first.full_rate
    first.refused("send")
    cut = second.snapshot("send")
    assert cut["cut"] == clock.now and cut["ceiling"] == pytest.approx(full)
    second.refused("send")  # more 429s from the same window do not cut again
    assert first.snapshot("send")["cut"] == cut["cut"]
    # Evenly spaced at half the rate now, for both processes.
    clock.now += 0.5
    gaps = []
    last = None
    for i in range(6):
        turn = (first if i % 2 else second).admit("send")
        slot = clock.now if turn.go else turn.slot
        if last is not None:
            gaps.append(slot - last)
        last = slot
    assert all(g == pytest.approx(2 / full) for g in gaps[1:])
    # Held for GRACE, then back to the full rate: bursts are allowed again.
    clock.now += GRACE + 60
    turns = [second.admit("send") for _ in range(10)]
    assert all(t.go for t in turns) and first.snapshot("send")["cut"] is None


def test_retry_after_holds_every_process(runtime: Path) -> None:
    clock = Clock()
    first, second = pair(clock)
    assert all(second.admit("send").go for _ in range(10))
    queued = second.admit("send")
    assert not queued.go
    first.refused("send", retry_after=7.0)
    assert second.admit("send").slot >= clock.now + 7.0
    # A start handed out before the 429 no longer holds: its holder claims again, after the hold.
    again = second.admit("send", queued)
    assert again.epoch != queued.epoch and again.slot >= clock.now + 7.0


def test_a_turn_past_the_deadline_is_refused_without_claiming(runtime: Path) -> None:
    clock = Clock()
    budget = Budget(api_url=URL, token=SECRET, clock=clock)
    for _ in range(10):
        budget.admit("send")
    late = budget.admit("send", not_after=clock.now + 0.5)
    assert late.late and not late.go
    assert len(budget.snapshot("send")["slots"]) == 10
    assert not wait_for_turn(budget, "send", not_after=clock.now + 0.5, sleep=lambda s: None)


def test_a_process_can_queue_before_loading_its_http_stack(runtime: Path) -> None:
    clock = Clock()
    first, second = pair(clock)
    assert second.queue_early("send", lead=0.5) == 0.0  # a near turn: nothing claimed, nothing to wait
    assert second.snapshot("send")["slots"] == []
    for _ in range(10):
        first.admit("send")
    pause = second.queue_early("send", lead=0.5)
    assert pause == pytest.approx(WINDOW + MARGIN - 0.5)
    clock.now += pause + 0.3  # loading took a while
    turn = second.admit("send")  # the place taken early, not a new one
    assert turn.slot == 1000.0 + WINDOW + MARGIN and second.snapshot("send")["slots"].count(turn.slot) == 1
    clock.now = turn.slot
    assert second.admit("send", turn).go


def test_a_deadline_already_reached_still_allows_a_free_start(runtime: Path) -> None:
    clock = Clock()
    budget = Budget(api_url=URL, token=SECRET, clock=clock)
    assert budget.admit("send", not_after=clock.now - 1).go  # deadline 0: one try, no waiting


def test_files_nobody_used_for_an_hour_are_removed(runtime: Path) -> None:
    clock = Clock()
    Budget(api_url=URL, token=SECRET, clock=clock).admit("send")
    runtime.joinpath("budget-0123.json").write_text("{}")
    os.utime(runtime / "budget-0123.json", (0, 0))
    runtime.joinpath("budget-4567.json").write_text("{}")  # in use lately: kept
    Budget(api_url=URL, token=SECRET + "x", clock=clock).admit("send")  # a new account's file
    names = sorted(p.name for p in runtime.iterdir())
    assert "budget-0123.json" not in names and "budget-4567.json" in names and len(names) == 4  # + salt


def test_damaged_or_foreign_state_is_read_as_empty(runtime: Path) -> None:
    clock = Clock()
    budget = Budget(api_url=URL, token=SECRET, clock=clock)
    budget.admit("send")
    assert budget.path is not None
    Path(budget.path).write_text("{not json")
    assert budget.admit("send").go
    Path(budget.path).write_text('{"boot": "another boot", "endpoints": {"send": {"slots": [1e12]}}}')
    assert budget.admit("send").go  # written during another boot: its times mean nothing now


def test_an_unusable_directory_falls_back_to_this_process_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gosms")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)  # open to other users: refused
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(shared))
    assert runtime_dir()[0] is None and "open to other users" in runtime_dir()[1]
    budget = Budget(api_url=URL, token=SECRET, clock=Clock())
    assert all(budget.admit("send").go for _ in range(10)) and not budget.admit("send").go
    assert budget.path is None and list(shared.iterdir()) == []
    assert "kept in this process only" in caplog.text and "chmod 700" in caplog.text
    assert SECRET not in caplog.text


def test_a_symlink_or_a_file_is_not_a_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(link))
    assert runtime_dir()[0] is None  # a link planted by someone else must not steer our files
    plain = tmp_path / "file"
    plain.write_text("")
    monkeypatch.setenv("GOSMS_RUNTIME_DIR", str(plain))
    assert runtime_dir()[0] is None


def test_the_default_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOSMS_RUNTIME_DIR", raising=False)
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    assert runtime_dir() == (str(xdg / "gosms-ops"), "")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    path, _ = runtime_dir()
    assert path == str(tmp_path / f"gosms-ops-{os.getuid()}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_without_fcntl_the_budget_is_per_process(
    runtime: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Windows has no fcntl; this machine does, so its absence is the one thing simulated here.
    caplog.set_level(logging.INFO, logger="gosms")
    monkeypatch.setattr(budget_module, "fcntl", None)
    monkeypatch.setattr(runtime_module, "fcntl", None)
    budget = Budget(api_url=URL, token=SECRET, clock=Clock())
    assert budget.admit("send").go and budget.path is None
    assert "no fcntl" in caplog.text and not runtime.exists()


def test_for_account_gives_one_budget_per_account(runtime: Path) -> None:
    first = for_account(URL, Token(SECRET))
    assert for_account(URL + "/", SECRET) is first
    assert for_account(URL, SECRET + "x") is not first
    assert for_account(URL, SECRET, rate=5) is not first  # a rate of its own: a budget of its own
    assert for_account(URL, SECRET, rate=0).admit("send").go
    disabled = for_account(URL, SECRET, rate=0)
    assert all(disabled.admit("send").go for _ in range(100))
