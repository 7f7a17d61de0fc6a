"""Spool-first: ``gosms send --queue`` hands the alert to a live runner; without one it sends itself.

Real processes against the emulator: ``gosms outbox run`` in a subprocess, ``gosms send`` in
others.  Waits are bounded polls on a condition.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_helpers import PHONE, SECRET, run_cli, stored

from gosms.emulator import Emulator
from tests.support.outbox_runner import outbox_runner, until

ALERT = ["send", "--queue", "--to", PHONE, "--host", "db1", "--type", "PROBLEM"]


@pytest.fixture
def outbox_dir(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def runner(emu: Emulator, outbox_dir: Path, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    from core_helpers import _command  # the installed gosms, as run_cli runs it

    env = {"GOSMS_TOKEN": SECRET, "GOSMS_API_URL": emu.url, "PATH": "/usr/bin:/bin"}
    with outbox_runner([*_command(), "outbox", "run", "--outbox", str(outbox_dir), "--interval", "600"], env,
                       outbox_dir, tmp_path / "runner.log") as proc:
        yield proc


def test_without_a_runner_the_command_sends_itself(emu: Emulator, outbox_dir: Path) -> None:
    result = run_cli(*ALERT, "--message", "disk full", "--outbox", str(outbox_dir), emu=emu)
    assert result.code == 0 and "sent to" in result.stdout, result.stderr
    assert [m["message"] for m in stored(emu)] == ["disk full"]


def test_with_a_runner_alive_the_alert_is_handed_over_on_disk_and_sent_within_moments(
        emu: Emulator, outbox_dir: Path, runner: subprocess.Popen[str]) -> None:
    result = run_cli("--json", *ALERT, "--message", "disk full", "--outbox", str(outbox_dir), "--fold", "off",
                     emu=emu)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["handed_over"] is True and document["segments"] == 1
    # Durable before exit 0: the entry is on disk (or already sent by the runner).
    (queued,) = document["queued"]
    assert any((outbox_dir / state / f"{queued['id']}.json").exists() for state in ("new", "sending", "sent"))
    # The runner's interval is 600 s: it sends because it noticed the arrival.
    until(lambda: [m["message"] for m in stored(emu)] == ["disk full"], 60, "the runner to send it")
    log = run_cli("--json", "outbox", "log", "--outbox", str(outbox_dir), emu=emu).json()
    (record,) = log["alerts"]
    assert record["state"] == "sent" and record["sms_ids"] == [stored(emu)[0]["id"]]
    assert (record["host"], record["kind"], record["folded"]) == ("db1", "PROBLEM", False)


def test_a_runner_for_another_account_is_not_handed_the_alert(emu: Emulator, outbox_dir: Path,
                                                              runner: subprocess.Popen[str]) -> None:
    other = emu.add_token("other-account-token-0123456789")
    result = run_cli(*ALERT, "--message", "disk full", "--outbox", str(outbox_dir), emu=emu, token=other)
    assert result.code == 0 and "sent to" in result.stdout and "handed" not in result.stdout, result.stdout
    assert [m["message"] for m in stored(emu)] == ["disk full"]
    assert "other-account-token" not in (outbox_dir / ".runner-account").read_text()


def test_a_folding_burst_sends_three_alone_and_a_digest(emu: Emulator, outbox_dir: Path,
                                                        runner: subprocess.Popen[str]) -> None:
    for i in range(8):
        result = run_cli(*ALERT, "--service", f"svc{i}", "--state", "CRITICAL", "--message", f"svc{i} down",
                         "--outbox", str(outbox_dir), "--fold", "3/10s", emu=emu)
        assert result.code == 0 and "handed to the outbox runner" in result.stdout, result.stderr

    def settled() -> bool:
        log = run_cli("--json", "outbox", "log", "--outbox", str(outbox_dir), emu=emu).json()["alerts"]
        return len(log) == 8 and all(r["state"] == "sent" for r in log)

    until(settled, 90, "every alert sent")
    log = run_cli("--json", "outbox", "log", "--outbox", str(outbox_dir), emu=emu).json()["alerts"]
    texts = {m["id"]: m["message"] for m in stored(emu)}
    assert [texts[r["sms_ids"][0]] for r in log[:3]] == ["svc0 down", "svc1 down", "svc2 down"]
    assert [r["folded"] for r in log] == [False] * 3 + [True] * 5
    digests = {r["sms_ids"][0] for r in log[3:]}
    assert len(texts) == 3 + len(digests) and all(texts[d].startswith("Digest ") for d in digests)
    if log[-1]["created"] - log[0]["created"] < 10:  # every send within one window: one digest for all five
        (digest,) = digests
        assert "5 alerts: 5 CRITICAL. db1: svc3, svc4, svc5, svc6, svc7" in texts[digest], texts[digest]


def test_send_fits_segments_and_transliterates(emu: Emulator) -> None:
    text = "ПРОБЛЕМА: сервер web01 не отвечает, диск заполнен на 99 процентов. " * 3
    result = run_cli("--json", "-v", "send", "--to", PHONE, "--message", text, "--translit", "--segments", "1",
                     emu=emu)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["segments"] == 1 and document["segment_counts"][0]["encoding"] == "GSM-7"
    assert "1 SMS segment(s) per number (GSM-7)" in result.stderr
    (message,) = stored(emu)
    assert message["message"].startswith("PROBLEMA: server web01 ne otvechaet") and message["message"].endswith("...")
    assert len(message["message"]) <= 160
