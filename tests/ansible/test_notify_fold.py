"""The notify callback folds a storm of failing runs per number, through the outbox's runner.

Real processes against the emulator over loopback HTTP: ``gosms outbox run`` (this venv's gosms-ops)
holds the outbox; several ``ansible-playbook`` runs fail at once, as cron jobs or a scheduler's do
when a shared dependency breaks, and the callback hands each run's summary to the runner, which sends
the first ones alone and folds the rest of the window into one digest per number.  Without a live
runner the callback sends each summary itself, as with folding off.

Waits are bounded polls on a condition; counts are asserted, never speed.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_support import BIN, RUN_TIMEOUT, ansible_env

from tests.support.outbox_runner import outbox_runner, until

PAGERS = ("79990000011", "79990000012")
RUNS = 6
WINDOW_S = 20
FAILING = """\
- name: nightly job
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Pull the backup
      ansible.builtin.fail:
        msg: the backup server is down
"""


def _env(tmp_path: Path, emulator: Any, **extra: str) -> dict[str, str]:
    env = ansible_env(tmp_path, emulator)
    env.update(ANSIBLE_CALLBACKS_ENABLED="gosms.sms.notify", GOSMS_NOTIFY_TO=",".join(PAGERS),
               GOSMS_OUTBOX=str(tmp_path / "outbox"), XDG_STATE_HOME=str(tmp_path / "state"), **extra)
    return env


@pytest.fixture
def runner(tmp_path: Path, emulator: Any) -> Iterator[subprocess.Popen[str]]:
    """``gosms outbox run`` alive for the test's outbox (a long interval: it must wake on arrivals)."""
    with outbox_runner([str(BIN / "gosms"), "outbox", "run", "--interval", "600"], _env(tmp_path, emulator),
                       tmp_path / "outbox", tmp_path / "runner.log", cwd=tmp_path) as proc:
        yield proc


def _storm(tmp_path: Path, env: dict[str, str], runs: int) -> list[str]:
    """Start ``runs`` failing ansible-playbook runs at once; each must fail as its play did (rc 2)."""
    playbook = tmp_path / "nightly.yml"
    playbook.write_text(textwrap.dedent(FAILING), encoding="utf-8")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local\n", encoding="utf-8")
    procs = [subprocess.Popen([str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(runs)]
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT)
        assert proc.returncode == 2, out
        outputs.append(out)
    return outputs


def _log(env: dict[str, str], tmp_path: Path) -> list[dict[str, Any]]:
    done = subprocess.run([str(BIN / "gosms"), "outbox", "log", "--json"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done
    alerts: list[dict[str, Any]] = json.loads(done.stdout)["alerts"]
    return alerts


def test_runs_failing_in_a_storm_fold_into_a_digest_per_number(emulator, tmp_path, runner):
    env = _env(tmp_path, emulator, GOSMS_NOTIFY_FOLD=f"3/{WINDOW_S}s")
    outputs = _storm(tmp_path, env, RUNS)
    for out in outputs:
        assert "handed to the outbox runner" in out and f"3/{WINDOW_S}s" in out, out
        assert emulator.token not in out
    found: list[list[dict[str, Any]]] = [[]]

    def all_sent() -> bool:
        found[0] = _log(env, tmp_path)
        return len(found[0]) == RUNS * len(PAGERS) and all(a["state"] == "sent" and a["sms_ids"] for a in found[0])

    until(all_sent, 240, "every summary carried by a sent SMS")
    records = found[0]
    sms = emulator.messages()
    for number in PAGERS:
        mine = [m for m in sms if m["phone_number"] == number]
        alerts = [a for a in records if a["phone_number"] == number]
        times = [a["created"] for a in alerts]
        bound = 3 + 1 + int((max(times) - min(times)) // WINDOW_S)  # a digest more per window a slow start spans
        print(f"{RUNS} failing runs: {len(mine)} SMS to {number} (at most {bound}): {[m['message'] for m in mine]}")
        assert len(mine) <= min(bound, RUNS - 1), [m["message"] for m in mine]
        digests = [m for m in mine if m["message"].startswith("Digest")]
        assert digests, [m["message"] for m in mine]
        for digest in digests:
            assert "FAILED" in digest["message"] and "nightly.yml: localhost" in digest["message"], digest
        alone = [m for m in mine if m not in digests]
        assert len(alone) == 3 and all("nightly.yml FAILED" in m["message"] for m in alone), mine
        # Every run's summary is on record with the SMS that carried it: 0 lost.
        assert {i for a in alerts for i in a["sms_ids"]} == {m["id"] for m in mine}
        assert sum(1 for a in alerts if a["folded"]) == RUNS - 3
    assert {(a["source"], a["kind"], a["host"], a["severity"]) for a in records} == {
        ("ansible", "PROBLEM", "nightly.yml", "FAILED")}
    assert runner.poll() is None


@pytest.mark.parametrize("fold", ["on", "often"])
def test_without_a_runner_or_with_a_bad_setting_each_summary_is_sent_at_once(emulator, tmp_path, fold):
    env = _env(tmp_path, emulator, GOSMS_NOTIFY_FOLD=fold)
    (out,) = _storm(tmp_path, env, 1)
    assert "handed to the outbox runner" not in out
    if fold == "often":  # the core's own sentence, with the words that set it in Ansible
        assert "GOSMS_NOTIFY_FOLD" in out and "BURST/WINDOW such as 3/60s" in out, out
    assert sorted(m["phone_number"] for m in emulator.messages()) == sorted(PAGERS)
    assert all("nightly.yml FAILED" in m["message"] for m in emulator.messages())
