"""gosms.sms.send with ``routes`` and ``wait_for_delivery`` in real ansible-playbook runs.

Two emulated phones; the first one goes quiet (or both die), and the play is judged by what
reached the handsets and what the task returned: delivered through the second phone, or a failed
task carrying each route's try, which a rescue block can act on.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from gosms.emulator import Emulator

WITHIN = 2
NUMBER = "79991000001"

PLAY = """\
- name: gosms failover play
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Page the on-call
      block:
        - name: Send through A, then B
          gosms.sms.send:
            to: "{number}"
            msg: db1 down
            routes: ["{a}", {{device_id: "{b}", to_sim: 0}}]
            wait_for_delivery: {within}
          register: page
      rescue:
        - name: Fall back
          ansible.builtin.debug:
            msg: "undelivered: {{{{ page.undelivered_to | join(',') }}}}"
"""


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """Two phones, A and B, with deletes allowed at once (a cancelled copy is really cancelled)."""
    scenario = {"devices": [{"name": "A"}, {"name": "B"}], "delete_after": 0}
    with Emulator(tokens=["gosms-ansible-" + secrets.token_hex(16)], scenario=scenario) as emu:
        yield emu


def play(emulator: Emulator) -> str:
    a, b = emulator.phones
    return PLAY.format(number=NUMBER, a=a, b=b, within=WITHIN)


def test_the_first_phone_offline_the_page_goes_out_through_the_second(emulator, ansible):
    a, b = emulator.phones
    emulator.set_phone(a, "offline")
    run = ansible(play(emulator))
    assert run.rc == 0, run.output
    page = run.task("Send through A, then B")
    assert page["status"] == "ok", page
    (recipient,) = page["result"]["results"]
    assert recipient["verdict"] == "delivered"
    assert [(r["device_id"], r["outcome"]) for r in recipient["routes"]] == [(a, "stuck"), (b, "delivered")]
    assert page["result"]["delivered_to"] == [NUMBER]
    assert "Fall back" not in [r["task"] for r in run.results]
    assert [c["carrier"] for c in emulator.deliveries()] == [b]


def test_both_phones_dead_the_task_fails_with_the_history(emulator, ansible):
    a, b = emulator.phones
    emulator.set_phone(a, "offline")
    emulator.set_phone(b, "offline")
    run = ansible(play(emulator))
    assert run.rc == 0, run.output  # the rescue block handled it
    page = run.task("Send through A, then B")
    assert page["status"] == "failed", page
    result = page["result"]
    assert result["undelivered_to"] == [NUMBER]
    (recipient,) = result["results"]
    assert recipient["verdict"] == "undelivered"
    assert [(r["route"], r["outcome"], r["cancel"]) for r in recipient["routes"]] == [
        (a, "stuck", "cancelled"), (f"{b}:0", "stuck", "")]  # the last copy stays: better late than never
    assert result["msg"].startswith(f"Not delivered to: {NUMBER} (undelivered: {a}: still ")
    assert f"{b}:0: still " in result["msg"]
    assert run.task("Fall back")["result"]["msg"] == f"undelivered: {NUMBER}"
    assert emulator.token not in run.output
