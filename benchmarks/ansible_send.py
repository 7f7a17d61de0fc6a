"""gosms.sms.send against ansible.builtin.uri doing the same POSTs, timed with real ansible-playbook.

Prints two ratios (no assertions on time):

* one SMS: a play with one gosms.sms.send task vs one with one uri task (goal: send <= 1.1x uri);
* 50 recipients: one gosms.sms.send task vs uri in a loop of 50 (goal: send >= 4x faster; the API's
  10 requests per second bound the task to about 5 s, whatever the transport).

Each play is run a few times against the emulator on loopback and the median wall time is used
(fifteen times for the short one-SMS and empty plays, interleaved with the others).
The modules run as on a managed host: from the collection's own code (the core's generated copy
and Ansible's HTTP client), pacing themselves through the account's budget file.
The uri requests are built by the gosms library itself (gosms.wire.protocol), so both sides send the
very same request. For one SMS the fixed start-up of ansible-playbook is also shown subtracted
(the time of an empty play), which isolates what the task itself costs.

    .venv/bin/python benchmarks/ansible_send.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gosms.emulator import Emulator
from gosms.wire.config import Token
from gosms.wire.protocol import build_send

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RECIPIENTS = 50
TEXT = "benchmark: disk /var on web01 is 95% full"
WINDOW_CLEAR = 1.1
"""Seconds between plays: the API's one-second rate window and a margin."""
ENDED = [0.0]
CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system) of each play's processes: ansible-playbook, its workers and the module on
the host.  Less swayed than wall time by other work on a shared machine; shown beside it."""

HEAD = """\
- hosts: localhost
  gather_facts: false
  tasks:
"""
PLAYS = {
    "empty": HEAD + "    - ansible.builtin.meta: noop\n",
    "send_one": HEAD + """\
    - gosms.sms.send:
        to: "{{ numbers[0] }}"
        msg: "{{ text }}"
""",
    "uri_one": HEAD + """\
    - ansible.builtin.uri:
        url: "{{ requests[0].url }}"
        method: POST
        headers: "{{ requests[0].headers }}"
        body: "{{ requests[0].body }}"
        body_format: json
""",
    "send_many": HEAD + """\
    - gosms.sms.send:
        to: "{{ numbers }}"
        msg: "{{ text }}"
""",
    "uri_many": HEAD + """\
    - ansible.builtin.uri:
        url: "{{ item.url }}"
        method: POST
        headers: "{{ item.headers }}"
        body: "{{ item.body }}"
        body_format: json
        status_code: [200, 429]
      loop: "{{ requests }}"
      no_log: true
      # The API allows 10 sends a second and a loop of uri may go faster: a careful playbook
      # repeats what was refused with 429 (not sent), as the module does by itself.
      register: answer
      until: answer.status != 429
      retries: 10
      delay: 1
""",
}


def environment(work: Path, emulator: Emulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "GOSMS_"))}
    (work / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(work / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(work / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
        GOSMS_TOKEN=emulator.token,
        GOSMS_API_URL=emulator.url,
        GOSMS_RUNTIME_DIR=str(work / "runtime"),  # the account's rate budget, private to this run
    )
    return env


def timed_play(name: str, work: Path, env: dict[str, str], variables: Path, emulator: Emulator,
               expected: int) -> float:
    # The API counts 10 requests per second per account; the plays share the emulator's account, so
    # a play started within a second of the last one's requests meets them in the window (the uri
    # play's POST, which the module's budget cannot see, made the 50-recipient send meet a 429 and
    # slow down).  Each play starts with the window empty, as a play run on its own would.
    time.sleep(max(0.0, ENDED[0] + WINDOW_CLEAR - time.monotonic()))
    before = len(emulator.messages())
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(work / "inventory.ini"), str(work / f"{name}.yml"),
         "-e", f"@{variables}"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    ENDED[0] = time.monotonic()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(name, []).append(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime)
    created = len(emulator.messages()) - before
    if done.returncode != 0 or created != expected:
        raise SystemExit(f"{name}: exit {done.returncode}, {created} message(s) created, {expected} expected\n"
                         f"{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each play; the median counts (default 3)")
    parser.add_argument("--one-runs", type=int, default=15,
                        help="runs of the one-SMS and empty plays (default 15: they last under a second, and the "
                             "goal is a 10%% margin, so more runs steady the median for little time)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gosms-ansible-bench-") as tmp, \
            Emulator(tokens=["bench-" + secrets.token_hex(16)]) as emulator:
        work = Path(tmp)
        env = environment(work, emulator)
        (work / "inventory.ini").write_text(
            f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n", encoding="utf-8")
        for name, text in PLAYS.items():
            (work / f"{name}.yml").write_text(text, encoding="utf-8")
        numbers = [f"7999{n:07d}" for n in range(1, RECIPIENTS + 1)]
        token = Token(emulator.token)
        requests = []
        for number in numbers:
            request = build_send(emulator.url, token, number, TEXT)
            requests.append({"url": request.url, "headers": dict(request.headers), "body": request.json_body})
        variables = work / "vars.json"  # holds the token for uri: private to this temporary folder
        variables.write_text(json.dumps({"numbers": numbers, "text": TEXT, "requests": requests}), encoding="utf-8")
        variables.chmod(0o600)

        expected = {"empty": 0, "send_one": 1, "uri_one": 1, "send_many": RECIPIENTS, "uri_many": RECIPIENTS}
        timed_play("send_one", work, env, variables, emulator, 1)  # warm-up: caches, bytecode
        CPU.clear()
        runs: dict[str, list[float]] = {name: [] for name in PLAYS}
        for round_ in range(max(args.runs, args.one_runs)):
            for name in PLAYS:  # interleaved, so drift in machine load hits every play alike
                if round_ < (args.one_runs if name in ("empty", "send_one", "uri_one") else args.runs):
                    runs[name].append(timed_play(name, work, env, variables, emulator, expected[name]))
        median = {name: statistics.median(times) for name, times in runs.items()}

    one = median["send_one"] / median["uri_one"]
    task_send, task_uri = median["send_one"] - median["empty"], median["uri_one"] - median["empty"]
    many = median["uri_many"] / median["send_many"]
    print(f"ansible-playbook runs: {args.one_runs} of the one-SMS and empty plays, {args.runs} of the others; "
          "median wall time (s):")
    for name in PLAYS:
        print(f"  {name:10s} {median[name]:7.3f}   ({', '.join(f'{t:.3f}' for t in runs[name])})")
    print(f"one SMS:        gosms.sms.send / uri = {one:.3f}x  (goal <= 1.1x)"
          f"; task only, empty play subtracted: {task_send:.3f}s / {task_uri:.3f}s = "
          f"{task_send / task_uri if task_uri > 0 else float('nan'):.2f}x")
    cpu = {name: statistics.median(CPU[name]) for name in ("send_one", "uri_one")}
    print(f"                CPU time: {cpu['send_one']:.3f}s / {cpu['uri_one']:.3f}s = "
          f"{cpu['send_one'] / cpu['uri_one']:.3f}x")
    # How far one round strays from another: the plays of a round run back to back, so their ratio
    # shows the machine's noise next to the margin the goal leaves.
    paired = [send / uri for send, uri in zip(runs["send_one"], runs["uri_one"])]
    low, _, high = statistics.quantiles(paired, n=4)
    print(f"                one round against the other: {low:.3f}x to {high:.3f}x (middle half of "
          f"{len(paired)} rounds)")
    # The API takes 10 sends in a second: the last ten cannot leave before the fifth second begins,
    # 4 s after the first, whatever the module does.
    bound = median["uri_many"] / (median["empty"] + (RECIPIENTS + 9) // 10 - 1)
    print(f"{RECIPIENTS} recipients: uri loop / one gosms.sms.send task = {many:.2f}x faster  (goal >= 4x; "
          f"the API's 10 sends a second allow at most {bound:.2f}x here)")


if __name__ == "__main__":
    main()
