"""kill -9 at every step of a send, a queueing and a flush; a full disk: no alert lost or sent twice.

The kill lands exactly at a step, not whenever a sleep ends: ``GOSMS_TEST_KILL_AT=STEP[:N]`` makes
the command kill itself with SIGKILL the Nth time it reaches STEP (:func:`gosms.delivery.spool.crash_point`).
After each kill the outbox holds one copy of every entry, and the next flush delivers each alert
exactly once.  Every output is checked for the token and for a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import PHONE, SECRET, SmallDisk, _command, assert_no_secret, run_cli, small_disk, stored

from gosms import Client, RetryPolicy
from gosms.delivery.outbox import STATES, Outbox
from gosms.emulator import Emulator

OTHER = "79990000001"
QUICK = RetryPolicy(attempts=2, deadline=1.0, base=0.05, cap=0.2)
ALERTS = [f"db{n}: CRITICAL" for n in range(3)]


def killed_at(step: str, *args: str, emu: Emulator, outbox: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
    environ.update(GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url, GOSMS_OUTBOX=str(outbox), GOSMS_TEST_KILL_AT=step)
    done = subprocess.run([*_command(), *args], env=environ, capture_output=True, text=True, timeout=120,
                          check=False)
    assert_no_secret(done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def copies(outbox: Path) -> Counter[str]:
    """How many files each entry has across the state folders: one at any time."""
    return Counter(p.stem for state in STATES if (outbox / state).is_dir() for p in (outbox / state).iterdir())


def texts(emu: Emulator) -> Counter[str]:
    return Counter(m["message"] for m in stored(emu))


def queue(emu: Emulator, outbox: Path) -> None:
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        for text in ALERTS:
            Outbox(outbox).add(client, PHONE, text)


@pytest.mark.parametrize("step", ["write-sending", "move-sending", "answered", "write-sent", "move-sent"])
def test_a_flush_killed_at_each_step_then_run_again_delivers_each_alert_once(
        emu: Emulator, tmp_path: Path, step: str) -> None:
    outbox = tmp_path / "ob"
    queue(emu, outbox)
    killed = killed_at(f"{step}:2", "outbox", "flush", emu=emu, outbox=outbox)
    assert killed.returncode == -signal.SIGKILL, killed.stderr  # the kill landed in the second entry
    assert set(copies(outbox).values()) == {1} and len(copies(outbox)) == len(ALERTS)
    assert 1 <= len(stored(emu)) <= 2
    again = run_cli("outbox", "flush", emu=emu, env={"GOSMS_OUTBOX": str(outbox)})
    assert again.code == 0, again.stderr
    assert texts(emu) == Counter(dict.fromkeys(ALERTS, 1))
    assert [e.state for e in Outbox(outbox).entries()] == ["sent"] * len(ALERTS)
    assert Outbox(outbox).corrupt() == []
    if step in ("answered", "write-sent"):
        assert f"already sent to {PHONE}" in again.stdout  # found on the server, not sent again


@pytest.mark.parametrize("step", ["answered-all", "write-new"])
def test_a_send_with_queue_killed_at_each_step_loses_nothing_it_promised(
        emu: Emulator, tmp_path: Path, step: str) -> None:
    outbox = tmp_path / "ob"
    emu.add_fault("http_500", endpoint="send", after=1, count=None)  # the second number must be queued
    killed = killed_at(step, "send", "--queue", "--deadline", "1", "--to", PHONE, "--to", OTHER, "--message", "m",
                       emu=emu, outbox=outbox)
    # Killed, the command never said "queued": its caller sees a failure, not a promise it broke.
    assert killed.returncode == -signal.SIGKILL and "queued" not in killed.stdout
    assert [m["phone_number"] for m in stored(emu)] == [PHONE]
    emu.clear_faults()
    flushed = run_cli("outbox", "flush", emu=emu, env={"GOSMS_OUTBOX": str(outbox)})
    assert flushed.code == 0, flushed.stderr
    delivered = Counter(m["phone_number"] for m in stored(emu))
    # Queued before the kill (write-new), it goes out once; killed before it was queued, it is not
    # sent by anyone, and the killed status said so.
    assert delivered == Counter({PHONE: 1, OTHER: 1 if step == "write-new" else 0}) - Counter()


def test_a_send_killed_after_its_answer_sent_it_once(emu: Emulator, tmp_path: Path) -> None:
    killed = killed_at("answered-all", "send", "--to", PHONE, "--message", "m", emu=emu, outbox=tmp_path / "ob")
    assert killed.returncode == -signal.SIGKILL
    assert texts(emu) == Counter({"m": 1})


# -- a full disk --------------------------------------------------------------------------------------


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "small-disk") as found:
        yield found


def test_a_flush_on_a_full_disk_sends_nothing_loses_nothing_and_says_why(emu: Emulator, disk: SmallDisk) -> None:
    outbox = disk.root / "ob"
    queue(emu, outbox)
    disk.fill()
    env = {"GOSMS_OUTBOX": str(outbox)}
    full = run_cli("outbox", "flush", emu=emu, env=env, wrapper=disk.wrapper)
    assert full.code == 3 and disk.error in full.stderr
    assert stored(emu) == []  # nothing leaves before its claim is on disk
    assert [e.state for e in Outbox(outbox).entries()] == ["new"] * len(ALERTS)
    assert list((outbox / "tmp").iterdir()) == []  # no half-written file left behind
    disk.free()
    again = run_cli("outbox", "flush", emu=emu, env=env, wrapper=disk.wrapper)
    assert again.code == 0, again.stderr
    assert texts(emu) == Counter(dict.fromkeys(ALERTS, 1))


def test_a_send_with_queue_on_a_full_disk_sends_and_says_what_it_could_not_keep(
        emu: Emulator, disk: SmallDisk) -> None:
    outbox = disk.root / "ob"
    Outbox(outbox).check()
    disk.fill()
    emu.outage(None)
    cli = run_cli("send", "--queue", "--deadline", "1", "--to", PHONE, "--message", "m", emu=emu,
                  env={"GOSMS_OUTBOX": str(outbox)}, wrapper=disk.wrapper)
    assert cli.code == 1 and f"NOT sent to {PHONE} and NOT queued" in cli.stderr
    assert disk.error in cli.stderr
