"""100 hosts, forks 100, each texting its own alert at once, against a strict rate limiter.

The emulator counts refused requests in its window (as many real limiters do), so uncoordinated
forks keep it shut; the modules share the account's budget on the host through the core's
runtime-directory file and all get through.  Asserts delivery, never time.
"""

from __future__ import annotations

import sys
from collections import Counter

HOSTS = 100

STORM_PLAY = """\
- name: Every host alerts at once
  hosts: all
  gather_facts: false
  tasks:
    - name: Text this host's alert
      gosms.sms.send:
        to: "{{ phone }}"
        msg: "{{ inventory_hostname }}: disk full"
"""


def test_a_hundred_forks_deliver_every_alert_once(emulator, ansible, tmp_path):
    emulator.set_scenario(rate_limit_mode="strict")
    inventory = tmp_path / "storm.ini"
    inventory.write_text("".join(
        f"h{n:03d} phone=7999{n:07d} ansible_connection=local ansible_python_interpreter={sys.executable}\n"
        for n in range(HOSTS)), encoding="utf-8")
    run = ansible(STORM_PLAY, "--forks", str(HOSTS), hosts=inventory)
    assert run.rc == 0, run.output[-3000:]
    stored = Counter((m["phone_number"], m["message"]) for m in emulator.messages())
    expected = {(f"7999{n:07d}", f"h{n:03d}: disk full") for n in range(HOSTS)}
    assert set(stored) == expected
    assert [key for key, count in stored.items() if count > 1] == []
    assert [r["host"] for r in run.results if r["status"] != "ok"] == []
    print(f"strict limiter refused {emulator.snapshot()['rate_limited']} request(s) on the way")
