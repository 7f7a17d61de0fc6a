"""notify_gosms: one SMS per notification that always fits, sent to every number, queued when GoSMS is down.

The composition is tested in-process (with hypothesis for arbitrary macro texts); sending runs the
installed console script as a subprocess against the emulator, as a daemon runs it.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest
from gosms_nagios.common.timeout import DEFAULT_TIMEOUT, time_limit
from gosms_nagios.notify.compose import Notification, compose
from hypothesis import given, settings
from hypothesis import strategies as st
from nagios_support import SECRET, VENV_BIN, assert_no_secret

from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator
from gosms.wire.validation import check_message

NOTIFY = VENV_BIN / "notify_gosms"
GOSMS = VENV_BIN / "gosms"
OUTPUT_327 = "DISK CRITICAL - free space: " + ", ".join(f"/srv/data{i} 1 GB (1%)" for i in range(14))
assert len(OUTPUT_327) > 300


def notify(*args: str, emu: Optional[Emulator] = None, home: Path, token: Optional[str] = SECRET,
           env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home),
               "GOSMS_OUTBOX": str(home / "outbox")}
    if emu is not None:
        environ["GOSMS_API_URL"] = emu.url
    if token is not None:
        environ["GOSMS_TOKEN"] = token
    environ.update(env or {})
    return subprocess.run([str(NOTIFY), *args], env=environ, capture_output=True, text=True, timeout=60,
                          cwd=home)


SERVICE_PROBLEM = ["--type", "PROBLEM", "--host", "web01", "--service", "HTTP", "--state", "CRITICAL",
                   "--output", "HTTP CRITICAL - 500 Internal Server Error", "--time", "2026-12-03 08:45:00"]


# -- composition -------------------------------------------------------------------------------------------


def test_service_and_host_texts() -> None:
    service = Notification("PROBLEM", "web01", "CRITICAL", "HTTP CRITICAL - 500", "HTTP", "2026-12-03 08:45:00")
    assert compose(service) == "PROBLEM: web01/HTTP is CRITICAL: HTTP CRITICAL - 500 [2026-12-03 08:45:00]"
    host = Notification("RECOVERY", "db01", "UP", "PING OK - rta 0.1 ms", time="2026-12-03 09:00:00")
    assert compose(host) == "RECOVERY: db01 is UP: PING OK - rta 0.1 ms [2026-12-03 09:00:00]"
    ack = Notification("ACKNOWLEDGEMENT", "db01", "DOWN", "PING CRITICAL", author="ops", comment="on it")
    assert compose(ack) == "ACKNOWLEDGEMENT: db01 is DOWN (by ops: on it): PING CRITICAL"


def test_long_output_is_cut_and_the_meaning_kept() -> None:
    text = compose(Notification("PROBLEM", "files01", "CRITICAL", OUTPUT_327, "Disk", "2026-12-03 08:45:00"))
    assert len(text) <= 300
    assert text.startswith("PROBLEM: files01/Disk is CRITICAL: DISK CRITICAL - free space: /srv/data0")
    assert text.endswith("… [2026-12-03 08:45:00]")


def test_refused_characters_are_replaced_not_refused() -> None:
    text = compose(Notification("PROBLEM", "web|01", "CRITICAL", "load ~ 12 | 🔥\nsecond line", "Load"))
    assert check_message(text) == text
    assert text == "PROBLEM: web/01/Load is CRITICAL: load - 12 / (fire) second line"


def test_shorter_limit() -> None:
    text = compose(Notification("PROBLEM", "web01", "CRITICAL", OUTPUT_327, "HTTP", "08:45"), 160)
    assert len(text) <= 160 and text.startswith("PROBLEM: web01/HTTP is CRITICAL: DISK") and text.endswith("[08:45]")


@settings(max_examples=300, deadline=None)
@given(kind=st.text(max_size=40), host=st.text(max_size=400), service=st.text(max_size=400),
       state=st.text(max_size=40), output=st.text(max_size=3000), when=st.text(max_size=60),
       author=st.text(max_size=100), comment=st.text(max_size=600), limit=st.integers(60, 300))
def test_any_macro_text_makes_one_sms_the_api_accepts(kind: str, host: str, service: str, state: str, output: str,
                                                       when: str, author: str, comment: str, limit: int) -> None:
    text = compose(Notification(kind, host, state, output, service, when, author, comment), limit)
    assert check_message(text) == text
    assert len(text) <= limit


# -- sending -------------------------------------------------------------------------------------------------


def test_sends_one_sms_to_each_number(emu: Emulator, tmp_path: Path) -> None:
    run = notify("--to", "+7 (999) 123-45-67, 79990000002", "--to", "79990000003", *SERVICE_PROBLEM,
                 emu=emu, home=tmp_path)
    assert run.returncode == 0, run
    stored = emu.messages()
    assert sorted(m["phone_number"] for m in stored) == ["79990000002", "79990000003", "79991234567"]
    assert {m["message"] for m in stored} == {
        "PROBLEM: web01/HTTP is CRITICAL: HTTP CRITICAL - 500 Internal Server Error [2026-12-03 08:45:00]"}
    assert run.stdout.count("notify_gosms: sent to ") == 3
    assert_no_secret(run.stdout, run.stderr)


def test_327_characters_pipe_and_emoji_still_go_out(emu: Emulator, tmp_path: Path) -> None:
    # The refused characters lead the output, so the cut to 300 keeps them: the SMS must carry the
    # spellings the API accepts (| as /, ~ as -, the emoji by its name), and the text is still cut.
    run = notify("--to", "79991234567", "--type", "PROBLEM", "--host", "files01", "--service", "Disk",
                 "--state", "CRITICAL", f"--output=| ~ 🔥 {OUTPUT_327}", emu=emu, home=tmp_path)
    assert run.returncode == 0, run
    [stored] = emu.messages()
    assert stored["message"].startswith("PROBLEM: files01/Disk is CRITICAL: / - (fire) DISK CRITICAL - free space: ")
    assert len(stored["message"]) == 300 and stored["message"].endswith("…"), stored["message"]


def test_output_starting_with_a_dash_as_icinga_passes_it(emu: Emulator, tmp_path: Path) -> None:
    run = notify("--to", "79991234567", "--type", "PROBLEM", "--host", "web01", "--state", "DOWN",
                 "--output", "-1 packets received", emu=emu, home=tmp_path)
    assert run.returncode == 0, run
    assert emu.messages()[0]["message"] == "PROBLEM: web01 is DOWN: -1 packets received"


def test_one_bad_number_does_not_stop_the_others(emu: Emulator, tmp_path: Path) -> None:
    run = notify("--to", "79991234567,not-a-number", *SERVICE_PROBLEM, emu=emu, home=tmp_path)
    assert run.returncode == 1, run
    assert [m["phone_number"] for m in emu.messages()] == ["79991234567"]
    assert "NOT sent to 'not-a-number': GoSMS error 2001" in run.stderr


@pytest.mark.parametrize(("args", "says"), [
    pytest.param(["--to", "", *SERVICE_PROBLEM], "no phone number", id="empty-pager"),
    pytest.param(["--to", "abc", *SERVICE_PROBLEM], "GoSMS error 2001", id="only-bad-number"),
    pytest.param(["--to", "79991234567", "--type", "PROBLEM"], "no host", id="no-host"),
    pytest.param(["--to", "79991234567", "--max-length", "20", *SERVICE_PROBLEM], "from 60 to 300", id="max-length"),
])
def test_usage_errors_send_nothing(emu: Emulator, tmp_path: Path, args: list[str], says: str) -> None:
    run = notify(*args, emu=emu, home=tmp_path)
    assert run.returncode == 2, run
    assert says in run.stderr
    assert not emu.requests()


def test_token_is_never_an_argument_and_never_printed(emu: Emulator, tmp_path: Path) -> None:
    run = notify("--token", SECRET, "--to", "79991234567", *SERVICE_PROBLEM, emu=emu, home=tmp_path, token=None)
    assert run.returncode == 2, run
    assert "never given on the command line" in run.stderr
    assert_no_secret(run.stdout, run.stderr)
    missing = notify("--to", "79991234567", *SERVICE_PROBLEM, emu=emu, home=tmp_path, token=None)
    assert missing.returncode == 3, missing
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o640)
    from_file = notify("--token-file", str(token_file), "--to", "79991234567", *SERVICE_PROBLEM, "-v",
                       emu=emu, home=tmp_path, token=None)
    assert from_file.returncode == 0, from_file
    assert_no_secret(from_file.stdout, from_file.stderr)


def test_permanent_refusal_is_reported_not_queued(emu: Emulator, tmp_path: Path) -> None:
    emu.set_scenario(account_blocked=True)
    run = notify("--to", "79991234567", *SERVICE_PROBLEM, emu=emu, home=tmp_path)
    assert run.returncode == 1, run
    assert "NOT sent to 79991234567: GoSMS error 3000" in run.stderr
    assert not Outbox(tmp_path / "outbox").entries(("new",))


def test_outage_queues_and_a_flush_delivers_once(emu: Emulator, tmp_path: Path) -> None:
    emu.outage(None)
    run = notify("--to", "79991234567,79990000002", *SERVICE_PROBLEM, "--timeout", "3", emu=emu, home=tmp_path)
    assert run.returncode == 0, run
    assert run.stdout.count("queued for ") == 2 and "gosms outbox flush" in run.stdout
    assert not emu.messages()
    outbox = tmp_path / "outbox"
    for path in outbox.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace")
    emu.end_outage()
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "GOSMS_TOKEN": SECRET,
           "GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(outbox)}
    flush = subprocess.run([str(GOSMS), "outbox", "flush"], env=env, capture_output=True, text=True, timeout=60)
    assert flush.returncode == 0, flush
    again = subprocess.run([str(GOSMS), "outbox", "flush"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again
    assert sorted(m["phone_number"] for m in emu.messages()) == ["79990000002", "79991234567"]


def test_no_queue_reports_failure(emu: Emulator, tmp_path: Path) -> None:
    emu.outage(None)
    run = notify("--to", "79991234567", *SERVICE_PROBLEM, "--timeout", "3", "--no-queue", emu=emu, home=tmp_path)
    assert run.returncode == 1, run
    assert "not queued (--no-queue)" in run.stderr
    assert not (tmp_path / "outbox").exists() or not Outbox(tmp_path / "outbox").entries(("new",))


def test_help_lists_exit_codes() -> None:
    run = subprocess.run([str(NOTIFY), "--help"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0
    for code in ("0 sent to every number, handed to the outbox runner, or queued", "1 not sent to some number",
                 "2 usage error", "3 configuration error"):
        assert code in " ".join(run.stdout.split()), code



def test_unwritable_outbox_is_reported_not_a_traceback(emu: Emulator, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox should be")
    emu.outage(None)
    run = notify("--to", "79991234567", *SERVICE_PROBLEM, "--timeout", "3", emu=emu, home=tmp_path,
                 env={"GOSMS_OUTBOX": str(blocker / "outbox")})
    assert run.returncode == 1, run
    assert "could not be queued" in run.stderr and "--outbox or GOSMS_OUTBOX" in run.stderr
    assert "Traceback" not in run.stderr


# -- the time limit counts from the start ------------------------------------------------------------


@pytest.mark.parametrize("argv, seconds", [
    (["--host", "h", "--timeout", "8"], 8.0),
    (["--timeout=4.5", "--host", "h"], 4.5),
    (["--host", "h"], DEFAULT_TIMEOUT),
    (["--output", "--timeout 3", "--host", "h"], DEFAULT_TIMEOUT),  # a plugin output, not the option
    (["--timeout", "soon"], DEFAULT_TIMEOUT),  # the parser proper refuses it later
    (["--timeout", "-1"], DEFAULT_TIMEOUT),
])
def test_the_turnstile_wait_is_bounded_by_the_timeout_read_before_parsing(argv: list[str], seconds: float) -> None:
    assert time_limit(argv) == seconds


def test_time_spent_before_sending_comes_out_of_the_timeout(emu: Emulator, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """In process, with the turnstile entered 15 s ago: the account's queue and the delivery get the 5 s left.

    What the notifier hands on is captured (queue_to_send and deliver are replaced): a real 15 s
    wait at the turnstile would only make the test slow, the moment it began is what counts.
    """
    from gosms_nagios.common.budget import budget_for_timeout
    from gosms_nagios.notify import command as notify_module
    from gosms_nagios.notify import deliver as deliver_module
    from gosms_nagios.notify.deliver import Outcome

    from gosms.pacing import budget as budget_module
    from gosms.pacing import turnstile

    handed: dict[str, float] = {}
    monkeypatch.setattr(budget_module, "queue_to_send",  # imported by the notifier once it sends itself
                        lambda *a, deadline, placed: handed.setdefault("queue", deadline))
    monkeypatch.setattr(deliver_module, "deliver",
                        lambda *a, timeout, **k: handed.setdefault("deliver", timeout) and Outcome(0, []))
    monkeypatch.setattr(turnstile, "_entered", [time.monotonic() - 15])
    monkeypatch.setenv("GOSMS_TOKEN", SECRET)
    monkeypatch.setenv("GOSMS_API_URL", emu.url)
    with pytest.raises(SystemExit) as done:
        notify_module.main([*SERVICE_PROBLEM, "--to", "79990000001", "--timeout", "20"])
    assert done.value.code == 0
    assert 0 < handed["deliver"] <= 5
    assert 0 < handed["queue"] <= budget_for_timeout(5)
