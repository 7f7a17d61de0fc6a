"""examples/alert.yml, the playbook the demo runs, against the emulator."""

from __future__ import annotations

from ansible_support import REPO

EXAMPLE = REPO / "examples" / "alert.yml"


def test_alert_example_texts_through_its_handler(emulator, ansible):
    run = ansible(EXAMPLE, "-e", "alert_to=79990000007")
    assert run.rc == 0, run.output
    (message,) = emulator.messages()
    assert message["phone_number"] == "79990000007"
    handler = run.task("Text the on-call phone")
    assert handler["status"] == "ok"
    assert handler["result"]["results"][0]["delivered"] is True
    assert emulator.token not in run.output


def test_alert_example_stays_quiet_below_the_threshold(emulator, ansible):
    run = ansible(EXAMPLE, "-e", "alert_to=79990000007", "-e", "alert_threshold=101")
    assert run.rc == 0, run.output
    assert emulator.messages() == []
