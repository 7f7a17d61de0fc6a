"""Real ``ansible-playbook`` runs of the ``gosms.sms`` collection against the independent fake.

Why: the modules are what operators use; here they meet a server with ObjectID devices read by the
``id`` key, unusual error statuses and Russian server messages. The token lives only in the
environment, and ``-vvv`` output (module arguments included) must not show it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import BIN, Done
from fake_api import FakeGoSMS

REPO = Path(__file__).resolve().parents[2]
RECORDER = REPO / "tests" / "ansible" / "callback_plugins"


def playbook(fake: FakeGoSMS, token: str, tmp_path: Path, tasks: str) -> tuple[Done, list[dict[str, Any]]]:
    """Run one play on localhost with -vvv; returns the run and the recorded task results."""
    (tmp_path / "play.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + textwrap.indent(textwrap.dedent(tasks), "    "),
        encoding="utf-8")
    (tmp_path / "inventory.ini").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n", encoding="utf-8")
    (tmp_path / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    results = tmp_path / "results.json"
    results.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "GOSMS_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(REPO), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(tmp_path / "home"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="false", ANSIBLE_CALLBACK_PLUGINS=str(RECORDER),
        ANSIBLE_CALLBACKS_ENABLED="record_results", GOSMS_TEST_RESULTS=str(results),
        GOSMS_TOKEN=token, GOSMS_API_URL=fake.url,
    )
    done = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"), "-vvv",
                           str(tmp_path / "play.yml")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    recorded = json.loads(results.read_text(encoding="utf-8")) if results.exists() else []
    return Done(done.returncode, done.stdout, done.stderr, 0.0), recorded


def by_name(results: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [r for r in results if r["task"] == name]
    assert found, [r["task"] for r in results]
    return found[-1]


def test_send_to_two_numbers(fake: FakeGoSMS, token: str, tmp_path: Path) -> None:
    """``text:`` (an alias of ``msg``) to a list of two numbers: both stored."""
    done, results = playbook(fake, token, tmp_path, """\
        - name: alert
          gosms.sms.send:
            to: ["79990000001", "79990000002"]
            text: "ansible conformance"
        """)
    assert done.rc == 0, done.output
    assert by_name(results, "alert")["result"]["changed"] is True
    assert sorted(m["phone_number"] for m in fake.messages()) == ["79990000001", "79990000002"]
    assert all(m["message"] == "ansible conformance" for m in fake.messages())
    assert token not in done.output


def test_send_over_quota(fake: FakeGoSMS, token: str, tmp_path: Path,
                         error_table: dict[int, dict[str, Any]]) -> None:
    """1006 from the server: the task fails and says the code and what to do."""
    fake.set_quota(0)
    done, results = playbook(fake, token, tmp_path, """\
        - name: alert
          gosms.sms.send:
            to: "79990000001"
            msg: "ansible conformance"
        """)
    assert done.rc != 0
    assert by_name(results, "alert")["status"] == "failed"
    assert "1006" in done.output
    assert error_table[1006]["remedy"] in done.output
    assert fake.message_count() == 0
    assert token not in done.output


def test_device_inactive_is_idempotent(fake: FakeGoSMS, token: str, tmp_path: Path) -> None:
    """An ObjectID phone switched off twice: changed, then not changed; the fake reads ``id``."""
    device = fake.device_ids[0]
    done, results = playbook(fake, token, tmp_path, f"""\
        - name: first
          gosms.sms.device:
            id: "{device}"
            state: inactive
        - name: second
          gosms.sms.device:
            id: "{device}"
            state: inactive
        """)
    assert done.rc == 0, done.output
    assert by_name(results, "first")["result"]["changed"] is True
    assert by_name(results, "second")["result"]["changed"] is False
    edits = fake.requests("/devices/edit")
    assert len(edits) == 1 and edits[0].body["id"] == device and edits[0].body.get("is_active") is False
    assert token not in done.output


@pytest.fixture(autouse=True)
def _ansible_available() -> None:
    if not (BIN / "ansible-playbook").exists():
        pytest.skip("ansible-playbook is not installed in this venv")
