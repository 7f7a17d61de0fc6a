"""A storm reaches the on-call as a few SMS: spool-first hand-off to a live runner, digests, flaps.

Real processes against the emulator over HTTP: ``gosms outbox run`` holds the outbox; 200
``notify_gosms`` single files (run by ``/usr/bin/python3``, as a daemon runs them) start at once
for 200 services of one host, each hands its alert over and exits.  The runner sends the first
alerts alone and folds the rest of each window into one digest.  Then the 200 services recover,
and 20 other services flap (PROBLEM, then RECOVERY before the PROBLEM left) to a second number.

The folding window is 30 s here (the default is 60 s) so the test takes one to two minutes; every wait
is a bounded poll on a condition, never a sleep that guesses how long the machine takes.
Counts are asserted, never speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from nagios_support import SECRET, assert_no_secret

from gosms.emulator import Emulator
from tests.support.outbox_runner import outbox_runner, until

PAGER = "79991234567"
FLAP_PAGER = "79991234568"
SERVICES = 200
FLAPS = 20
WINDOW_S = 30
WINDOW = f"3/{WINDOW_S}s"
"""At most 5 SMS as long as the 200 notifiers finish within two windows: 3 alone and a digest per window.
On an idle machine they take a few seconds; under a loaded CI runner, up to a minute."""


def _env(emu: Emulator, tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "GOSMS_TOKEN": SECRET,
            "GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(tmp_path / "outbox"),
            "GOSMS_RUNTIME_DIR": str(tmp_path / "runtime")}


@pytest.fixture
def runner(single_files: Path, emu: Emulator, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``gosms outbox run`` alive for the test's outbox (its interval long: it must wake on arrivals)."""
    emu.set_scenario(rate_limit=10, rate_limit_mode="strict", lifecycle={"waiting": 0, "processing": 0, "sent": 0})
    with outbox_runner([str(single_files / "gosms.pyz"), "outbox", "run", "--interval", "600"], _env(emu, tmp_path),
                       tmp_path / "outbox", tmp_path / "runner.log", cwd=tmp_path) as proc:
        yield proc


def _storm(notify: Path, env: dict[str, str], calls: Sequence[Sequence[str]]) -> float:
    """Start every notifier at once; all must exit 0 having handed the alert over. Returns seconds taken."""
    started = time.monotonic()
    procs = [subprocess.Popen([str(notify), *call], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for call in calls]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"exit {proc.returncode}: {out}{err}"
        assert "handed to the outbox runner" in out, out + err
        assert_no_secret(out, err)
    return time.monotonic() - started


def _bound(records: Sequence[dict[str, Any]]) -> int:
    """The most SMS folding may send for these alerts: 3 alone, then a digest per window they spanned.

    That is 5 for a storm within two windows (60 s here), as on any machine not starved of CPU; a
    runner loaded enough to take longer to start 200 processes gets one digest more per window.
    """
    times = [r["created"] for r in records]
    return 3 + 1 + int((max(times) - min(times)) // WINDOW_S)


def _call(kind: str, service: str, state: str, to: str = PAGER, fold: str = WINDOW) -> list[str]:
    return ["--to", to, "--type", kind, "--host", "web01", "--service", service, "--state", state,
            "--output", f"{service} is {state}", "--time", "08:45", "--fold", fold]


def _log(single_files: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run([str(single_files / "gosms.pyz"), "outbox", "log", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done
    alerts: list[dict[str, Any]] = json.loads(done.stdout)["alerts"]
    return alerts


def _carried(single_files: Path, env: dict[str, str], expected: int) -> list[dict[str, Any]]:
    """The log once ``expected`` alerts are on record and every one went out in an SMS."""
    found: list[list[dict[str, Any]]] = [[]]

    def all_sent() -> bool:
        found[0] = _log(single_files, env)
        return len(found[0]) == expected and all(a["state"] == "sent" and a["sms_ids"] for a in found[0])

    until(all_sent, 240, f"{expected} alerts carried by sent SMS")
    return found[0]


def test_a_storm_of_200_folds_into_a_few_sms_and_every_alert_stays_on_record(
        single_files: Path, emu: Emulator, tmp_path: Path, runner: subprocess.Popen[str]) -> None:
    env = _env(emu, tmp_path)
    notify = single_files / "notify_gosms.pyz"
    services = [f"svc{i:03d}" for i in range(SERVICES)]

    took = _storm(notify, env, [_call("PROBLEM", s, "CRITICAL" if i % 4 else "WARNING")
                                for i, s in enumerate(services)])
    problems = _carried(single_files, env, SERVICES)
    sms = emu.messages()
    bound = _bound(problems)
    print(f"200 PROBLEM notifiers handed over in {took:.1f} s; {len(sms)} SMS reached the number "
          f"(at most {bound}: 3 alone and a digest per window the storm spanned)")
    assert len(sms) <= bound, [m["message"] for m in sms]
    assert {m["phone_number"] for m in sms} == {PAGER}
    by_id = {m["id"]: m for m in sms}
    assert {i for a in problems for i in a["sms_ids"]} == set(by_id), "an SMS carries no alert, or one is lost"
    assert sorted(a["service"] for a in problems) == services  # 0 lost
    digests = [m["message"] for m in sms if m["message"].startswith("Digest")]
    assert digests, [m["message"] for m in sms]
    folded = sum(1 for a in problems if a["folded"])
    assert folded == SERVICES - (len(sms) - len(digests))
    for text in digests:  # each digest says how many, by state, within the API's 300 characters
        assert len(text) <= 300 and " alerts: " in text and "CRITICAL" in text, text

    emu_before = {m["id"] for m in sms}
    # 20 services flap on the second number (everything there folds: 0/45s), then the 200 recover.
    took = _storm(notify, env, [_call("PROBLEM", f"flap{i:02d}", "CRITICAL", FLAP_PAGER, "0/45s")
                                for i in range(FLAPS)])
    took += _storm(notify, env, [_call("RECOVERY", f"flap{i:02d}", "OK", FLAP_PAGER, "0/45s")
                                 for i in range(FLAPS)])
    took += _storm(notify, env, [_call("RECOVERY", s, "OK") for s in services])
    records = _carried(single_files, env, 2 * SERVICES + 2 * FLAPS)
    new = [m for m in emu.messages() if m["id"] not in emu_before]
    recoveries = [m for m in new if m["phone_number"] == PAGER]
    flap_sms = [m for m in new if m["phone_number"] == FLAP_PAGER]
    print(f"20 flaps and 200 RECOVERY handed over in {took:.1f} s: {len(recoveries)} SMS for the recoveries, "
          f"{len(flap_sms)} for the flaps: {[m['message'] for m in flap_sms]}")
    assert len(recoveries) <= _bound([r for r in records if r["kind"] == "RECOVERY" and r["phone_number"] == PAGER])
    assert sum(1 for r in records if r["kind"] == "RECOVERY" and r["phone_number"] == PAGER) == SERVICES
    assert len(flap_sms) == 1 and "20 flaps" in flap_sms[0]["message"], [m["message"] for m in flap_sms]
    flapped = [r for r in records if r["phone_number"] == FLAP_PAGER]
    assert len(flapped) == 2 * FLAPS and all(r["fold_reason"] == "flap" for r in flapped)
    assert {i for r in flapped for i in r["sms_ids"]} == {flap_sms[0]["id"]}
    assert not any("flap" in m["message"] and not m["message"].startswith("Digest") for m in new)
    assert runner.poll() is None
    assert os.path.exists(tmp_path / "outbox" / "folded")


def test_with_5_percent_of_the_quota_left_a_warning_folds_and_a_critical_goes(
        single_files: Path, emu: Emulator, tmp_path: Path) -> None:
    """The runner counts the month (950 of 1000 used: 5 % left, under the 10 % reserve)."""
    emu.seed_messages(950)
    env = _env(emu, tmp_path)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the month's count, shared by runner, check and usage
    with outbox_runner([str(single_files / "gosms.pyz"), "outbox", "run", "--interval", "600", "--quota", "1000"],
                       env, tmp_path / "outbox", tmp_path / "runner.log"):
        notify = single_files / "notify_gosms.pyz"
        _storm(notify, env, [_call("PROBLEM", "Disk", "WARNING", fold="3/3s")])
        _storm(notify, env, [_call("PROBLEM", "HTTP", "CRITICAL", fold="3/3s")])
        records = _carried(single_files, env, 2)
    warning, critical = sorted(records, key=lambda r: r["service"])
    assert (warning["service"], warning["folded"], warning["fold_reason"]) == ("Disk", True, "reserve")
    assert (critical["service"], critical["folded"]) == ("HTTP", False)
    sent = {m["id"]: m["message"] for m in emu.messages() if m["phone_number"] == PAGER}
    assert sent[critical["sms_ids"][0]].startswith("PROBLEM: web01/HTTP is CRITICAL")
    assert sent[warning["sms_ids"][0]].startswith("Digest ") and "1 alert: 1 WARNING" in sent[warning["sms_ids"][0]]
    assert len(sent) == 2, sent

    check = subprocess.run([str(single_files / "check_gosms.pyz"), "--quota", "1000", "-w", "99", "-c", "100"],
                           env=env, capture_output=True, text=True, timeout=120)
    print(check.stdout)
    assert "quota reserve in force" in check.stdout and "only CRITICAL/DOWN alerts" in check.stdout, check
    usage = subprocess.run([str(single_files / "gosms.pyz"), "usage", "--quota", "1000", "--json"], env=env,
                           capture_output=True, text=True, timeout=120)
    document = json.loads(usage.stdout)
    assert document["reserve_in_force"] is True and document["left"] == 1000 - document["count"] < 100, document


def _nagios_objects(root: Path, flip_plugin: Path, services: int, fold: str) -> Path:
    """One host with ``services`` services on one flip plugin, one SMS contact folding storms."""
    from test_notify_daemons import nagios_cfg

    token_file = root / "gosms.token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o600)
    period = "\n".join(f"    {day} 00:00-24:00" for day in
                       ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"))
    blocks = [f"define timeperiod {{\n    timeperiod_name 24x7\n    alias always\n{period}\n}}",
              f"define command {{\n    command_name check_flip\n    command_line {flip_plugin}\n}}",
              f"""define contact {{
    contact_name                    oncall-sms
    pager                           {PAGER}
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       d,u,r
    service_notification_options    w,u,c,r
    host_notification_commands      notify-host-by-gosms
    service_notification_commands   notify-service-by-gosms
    _GOSMS_TOKEN_FILE               {token_file}
    _GOSMS_FOLD                     {fold}
    _GOSMS_OUTBOX                   {root / 'outbox'}
}}""",
              """define host {
    host_name web01
    address 127.0.0.1
    max_check_attempts 1
    check_period 24x7
    active_checks_enabled 0
    contacts oncall-sms
    notification_interval 0
    notification_period 24x7
}"""]
    blocks += [f"""define service {{
    host_name web01
    service_description svc{i:02d}
    check_command check_flip
    check_interval 1
    retry_interval 1
    max_check_attempts 1
    check_period 24x7
    contacts oncall-sms
    notification_interval 0
    notification_period 24x7
}}""" for i in range(services)]
    (root / "objects.cfg").write_text("\n".join(blocks) + "\n")
    from daemon_support import NAGIOS_COMMANDS

    config = root / "nagios.cfg"
    config.write_text(nagios_cfg(root, [NAGIOS_COMMANDS, root / "objects.cfg"]))
    return config


def test_nagios4_with_50_services_going_critical_sends_at_most_4_sms(
        tmp_path: Path, emu: Emulator, single_files: Path) -> None:
    """Nagios Core 4 runs the shipped commands.cfg; the runner (the system unit's command) is alive."""
    from daemon_support import NAGIOS4, Daemon, Flip, wait_until
    from test_notify_daemons import plugin_dir

    assert Path(NAGIOS4).exists(), "nagios4 is not installed: run scripts/setup.sh --icinga (nagios4-core)"
    emu.set_scenario(lifecycle={"waiting": 0, "processing": 0, "sent": 0})
    root = tmp_path / "nagios4"
    root.mkdir()
    flip = Flip(root / "flip")
    plugin_dir(root, single_files)
    config = _nagios_objects(root, flip.plugin, 50, "3/45s")  # 50 notifiers fit one window even on a loaded runner
    env = {"GOSMS_API_URL": emu.url, "GOSMS_RUNTIME_DIR": str(root / "run"), "PATH": "/usr/bin:/bin",
           "HOME": str(root), "GOSMS_TOKEN_FILE": str(root / "gosms.token"), "GOSMS_OUTBOX": str(root / "outbox")}
    daemon = Daemon([NAGIOS4, str(config)], root / "console.log", {"GOSMS_API_URL": emu.url})
    logs = [root / "nagios.log"]
    with outbox_runner([str(single_files / "gosms.pyz"), "outbox", "run", "--interval", "600"], env,
                       root / "outbox", root / "runner.log"):
        try:
            daemon.start()
            flip.set(2, "HTTP CRITICAL - 500")
            env.pop("GOSMS_TOKEN_FILE")

            def all_carried() -> bool:
                records = _log(single_files, {**env, "GOSMS_TOKEN": SECRET})
                return len(records) == 50 and all(r["state"] == "sent" for r in records)

            wait_until(all_carried, daemon, "50 alerts carried by sent SMS", timeout=240, logs=logs)
        finally:
            daemon.stop()
    texts = [m["message"] for m in emu.messages()]
    print(f"Nagios 4, 50 services CRITICAL: {len(texts)} SMS: {texts}")
    assert len(texts) <= 4, texts
    assert any(t.startswith("Digest ") and "CRITICAL" in t for t in texts), texts
    assert (root / "nagios.log").read_text(errors="replace").count("SERVICE NOTIFICATION: oncall-sms;web01;") == 50
