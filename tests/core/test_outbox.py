"""The durable outbox: alerts that cannot go out now wait on disk and go out once, later.

Everything runs over real HTTP against the emulator; outages are the emulator's outage mode (503 or
a reset connection), a stopped emulator (a refused connection) or slow answers (timeouts).  The
outbox and every file in it are checked for the token.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from core_helpers import PHONE, SECRET, _command, run_cli, stored

from gosms import Client, RetryPolicy, TransportError
from gosms.delivery.outbox import Outbox, default_directory, is_transient
from gosms.delivery.queued_send import send_or_queue
from gosms.emulator import Emulator
from tests.support.outbox_runner import until

OTHER = "79990000001"
QUICK = RetryPolicy(attempts=2, deadline=1.0, base=0.05, cap=0.2)
"""Gives up fast, so alerts are queued without long waits."""


def quick_client(url: str, token: str = SECRET, timeout: tuple[float, float] = (2.0, 5.0)) -> Client:
    return Client(token, api_url=url, retry=QUICK, timeout=timeout)


def assert_private_and_tokenless(directory: Path) -> None:
    """Folders 0700, files 0600, and the token in none of them (grep, as a person would)."""
    assert directory.is_dir()
    for path in [directory, *directory.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the token is in {path}"
    found = subprocess.run(["grep", "-r", "-l", SECRET, str(directory)], capture_output=True, text=True,
                           check=False)
    assert found.returncode == 1 and not found.stdout


def texts(emu: Emulator) -> Counter[str]:
    return Counter(m["message"] for m in stored(emu))


def outbox_env(directory: Path) -> dict[str, str]:
    return {"GOSMS_OUTBOX": str(directory)}


# -- what is queued and what is not -----------------------------------------------------------------


def test_alerts_refused_during_a_503_outage_are_queued_then_sent_once(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    emu.outage(3600)  # an hour of emulator time: however slow the machine, it lasts until advanced
    with quick_client(emu.url) as client:
        result = send_or_queue(client, outbox, [PHONE, OTHER], "web01: disk 95% full")
        assert not result.ok and result.accepted
        assert sorted(result.queued_numbers) == sorted([PHONE, OTHER])
        assert stored(emu) == []
        assert [e.phone_number for e in outbox.entries()] == [PHONE, OTHER]
        assert all(e.attempts == 1 and "503" in e.last_error for e in outbox.entries())
        assert_private_and_tokenless(tmp_path / "outbox")

        assert outbox.flush(client).stopped_by is not None  # still out: nothing sent, nothing lost
        assert stored(emu) == [] and len(outbox.entries(("new",))) == 2

        emu.advance(3600)  # the outage ends on the emulator's clock
        report = outbox.flush(client)
    assert report.ok, report.as_dict()
    assert texts(emu) == Counter({"web01: disk 95% full": 2})
    assert sorted(m["phone_number"] for m in stored(emu)) == sorted([PHONE, OTHER])
    assert outbox.entries(("new", "sending")) == []
    assert len(outbox.entries(("sent",))) == 2
    assert_private_and_tokenless(tmp_path / "outbox")


def test_a_reset_connection_outage_is_queued_by_the_command(emu: Emulator, tmp_path: Path) -> None:
    emu.outage(None, mode="reset")
    env = outbox_env(tmp_path / "ob")
    sent = run_cli("send", "--queue", "--deadline", "1", "--to", PHONE, "--message", "db1 down", emu=emu, env=env)
    assert sent.code == 0, sent.stderr
    assert f"queued for {PHONE}" in sent.stdout
    listing = run_cli("outbox", "--json", emu=emu, env=env)
    (entry,) = listing.json()["entries"]
    assert entry["phone_number"] == PHONE and entry["message"] == "db1 down" and entry["attempts"] == 1
    assert "account" not in entry and "salt" not in entry
    assert f"attempts 1  {PHONE}  'db1 down'  from gosms send" in run_cli("outbox", emu=emu, env=env).stdout
    assert {r["fault"] for r in emu.requests()} == {"outage"}
    emu.end_outage()
    flushed = run_cli("outbox", "flush", "-v", emu=emu, env=env)  # run_cli checks the log for the token
    assert flushed.code == 0, flushed.stderr
    assert "DEBUG POST" in flushed.stderr
    assert texts(emu) == Counter({"db1 down": 1})
    assert_private_and_tokenless(tmp_path / "ob")


def test_an_unreachable_api_is_queued_and_flushed_once_it_listens_again(tmp_path: Path) -> None:
    with Emulator(tokens=[SECRET]) as first:
        port = first.port
    outbox = Outbox(tmp_path / "ob")
    # Nothing listens on the port now: a real refused connection.
    with quick_client(f"http://127.0.0.1:{port}/v1") as client:
        result = send_or_queue(client, outbox, PHONE, "router down")
        assert [e.phone_number for e in result.queued] == [PHONE]
        assert isinstance(result.results[0].error, TransportError)
        assert "connect" in outbox.entries()[0].last_error.lower()
        with Emulator(tokens=[SECRET], port=port) as emu:
            report = outbox.flush(client)
            assert report.ok, report.as_dict()
            assert texts(emu) == Counter({"router down": 1})


def test_a_timeout_is_queued_and_the_flush_finds_the_message_instead_of_doubling_it(
        emu: Emulator, tmp_path: Path) -> None:
    # Every answer comes late (the send is carried out, its answer lost to the client's timeout),
    # and no retry: the alert is queued as possibly sent.
    emu.add_fault("slow", endpoint="*", count=None, seconds=3)
    outbox = Outbox(tmp_path / "ob")
    with Client(SECRET, api_url=emu.url, retry=RetryPolicy(attempts=1, deadline=5.0), timeout=(2.0, 0.5)) as c:
        result = send_or_queue(c, outbox, PHONE, "api timeout alert")
    (entry,) = result.queued
    assert entry.maybe_sent_since is not None
    # the server carries it out before its slow answer, maybe after the timeout
    until(lambda: stored(emu), 600, "the message stored", step=0.05)
    assert texts(emu) == Counter({"api timeout alert": 1})
    emu.clear_faults()
    with quick_client(emu.url) as client:
        report = outbox.flush(client)
    assert report.ok and [e.phone_number for e in report.recovered] == [PHONE]
    assert texts(emu) == Counter({"api timeout alert": 1})
    assert len([r for r in emu.requests() if r["endpoint"] == "send"]) == 1


@pytest.mark.parametrize("code", [1003, 3000, 2001, 1006])
def test_permanent_refusals_are_reported_at_once_not_queued(emu: Emulator, tmp_path: Path, code: int) -> None:
    emu.add_fault("error", endpoint="send", count=None, code=code)
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        result = send_or_queue(client, outbox, PHONE, "disk full")
    assert result.queued == [] and not result.accepted
    assert [r.phone_number for r in result.not_queued] == [PHONE]
    assert outbox.entries() == []
    cli = run_cli("send", "--queue", "--to", PHONE, "--message", "disk full", emu=emu,
                  env=outbox_env(tmp_path / "ob"))
    assert cli.code == 1
    assert f"GoSMS error {code}" in cli.stderr and "queued" not in cli.stdout
    assert outbox.entries() == []


def test_bad_input_is_refused_before_anything_is_sent_or_queued(emu: Emulator, tmp_path: Path) -> None:
    emu.outage(None)
    cli = run_cli("send", "--queue", "--to", "7999-not-a-number", "--message", "x", emu=emu,
                  env=outbox_env(tmp_path / "ob"))
    assert cli.code == 2 and "GoSMS error 2001" in cli.stderr
    assert emu.requests() == []
    assert Outbox(tmp_path / "ob").entries() == []


def test_a_load_reads_again_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gosms.delivery.outbox as outbox_module

    # Files count as settled at once here (the outbox waits two seconds after a change to trust one).
    monkeypatch.setattr(outbox_module, "SETTLED", -60.0)
    parsed: list[str] = []
    real_parse = outbox_module.parse_entry

    def counting(raw: bytes, name: str, state: str) -> outbox_module.Entry:
        parsed.append(name)
        return real_parse(raw, name, state)

    monkeypatch.setattr(outbox_module, "parse_entry", counting)
    outbox = Outbox(tmp_path / "ob")
    with quick_client("http://127.0.0.1:9/v1") as client:  # queueing sends nothing
        first, second = (outbox.add(client, PHONE, f"host{n}: DOWN") for n in range(2))
    assert [e.message for e in outbox.entries()] == ["host0: DOWN", "host1: DOWN"]
    parsed.clear()
    loaded = outbox.entries()
    assert parsed == []  # both unchanged: none read again
    loaded[0].parts.append("changed in memory only")  # a caller's copy: the outbox's own is not touched
    path = tmp_path / "ob" / "new" / f"{second.id}.json"
    path.write_text(path.read_text().replace("host1: DOWN", "host9: DOWN"))  # the same size, edited in place
    assert [e.parts for e in outbox.entries()] == [["host0: DOWN"], ["host9: DOWN"]]
    assert parsed == [path.name]
    (tmp_path / "ob" / "new" / f"{first.id}.json").unlink()
    assert [e.id for e in outbox.entries()] == [second.id]


def test_a_batch_of_fsyncs_run_at_once_reports_each_failure_at_its_own_place(tmp_path: Path) -> None:
    # Folders.put_all hands a batch's fsyncs to a few threads, a share each, and maps the outcomes back:
    # a pipe's fsync fails for real (EINVAL), so a mix of files and pipes shows whether each error lands
    # on the file it belongs to (a wrong place would keep a bad entry or refuse a good one).
    from gosms.delivery import spool

    count = spool.FSYNC_THREADS * 2 + 3  # more than one share per thread, not a multiple of them
    pipes_at = {1, spool.FSYNC_THREADS, count - 1}
    targets: list[int] = []  # one per place: a file, or a pipe's write end
    opened: list[int] = []
    try:
        for place in range(count):
            if place in pipes_at:
                read_end, write_end = os.pipe()
                opened += [read_end, write_end]
                targets.append(write_end)
            else:
                opened.append(os.open(tmp_path / f"f{place}", os.O_WRONLY | os.O_CREAT, 0o600))
                targets.append(opened[-1])
        failed = [place for place, error in enumerate(spool._fsync_all(targets)) if error is not None]
    finally:
        for fd in opened:
            os.close(fd)
    assert failed == sorted(pipes_at)


def test_transient_means_what_the_core_says() -> None:
    from gosms.wire.errors import APIError, ProtocolError, RateLimitError

    assert is_transient(TransportError("down", sent=False))
    assert is_transient(RateLimitError("429"))
    assert is_transient(ProtocolError("502 page", http_status=502))
    assert not is_transient(ProtocolError("404 page", http_status=404))
    assert not is_transient(APIError(3000))
    assert not is_transient(APIError(1003))


# -- flushing -----------------------------------------------------------------------------------------


def test_flush_sends_oldest_first(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        for n in range(5):
            outbox.add(client, PHONE, f"alert {n}")
        report = outbox.flush(client)
    assert report.ok
    assert [m["message"] for m in stored(emu)] == [f"alert {n}" for n in range(5)]


def test_expired_entries_are_moved_aside_and_reported_not_sent(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob", max_age=3600)
    with quick_client(emu.url) as client:
        old = outbox.add(client, PHONE, "yesterday's alert")
        report = outbox.flush(client, now=lambda: time.time() + 3601)
    assert [e.id for e in report.expired] == [old.id] and not report.ok
    assert stored(emu) == [] and emu.requests() == []
    (kept,) = outbox.entries(("expired",))
    assert "Expired" in kept.last_error and (tmp_path / "ob" / "expired" / f"{old.id}.json").exists()

    with quick_client(emu.url) as client:
        Outbox(tmp_path / "ob").add(client, PHONE, "another old one")
    time.sleep(1.2)  # older than the 1 s maximum age below, however busy the machine
    cli = run_cli("outbox", "flush", "--max-age", "1s", "--json", emu=emu, env=outbox_env(tmp_path / "ob"))
    assert cli.code == 1
    assert "EXPIRED, not sent to" in cli.stderr
    assert [e["message"] for e in cli.json()["expired"]] == ["another old one"]
    assert stored(emu) == []


def test_flush_exit_codes(emu: Emulator, tmp_path: Path) -> None:
    env = outbox_env(tmp_path / "ob")
    empty = run_cli("outbox", "flush", emu=emu, env=env)
    assert empty.code == 0 and "0 waiting" in empty.stdout
    emu.outage(None)
    assert run_cli("send", "--queue", "--deadline", "1", "--to", PHONE, "--message", "m1", emu=emu, env=env).code == 0
    still_down = run_cli("outbox", "flush", "--deadline", "1", "--json", emu=emu, env=env)
    assert still_down.code == 1
    assert len(still_down.json()["pending"]) == 1 and still_down.json()["stopped_by"]
    assert "GoSMS cannot take alerts yet" in still_down.stderr and "1 alert(s) wait" in still_down.stderr
    emu.end_outage()
    emu.set_scenario(account_blocked=True)
    blocked = run_cli("outbox", "flush", emu=emu, env=env)
    assert blocked.code == 1
    assert "GoSMS refuses this account" in blocked.stderr and "GoSMS error 3000" in blocked.stderr
    emu.set_scenario(account_blocked=False)
    done = run_cli("outbox", "flush", emu=emu, env=env)
    assert done.code == 0 and "1 sent, 0 waiting" in done.stdout
    assert texts(emu) == Counter({"m1": 1})


def test_an_account_refused_at_flush_time_keeps_its_alerts_waiting(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        outbox.add(client, PHONE, "first")
        outbox.add(client, PHONE, "second")
        emu.set_scenario(account_blocked=True)
        report = outbox.flush(client)
        # The flush stops at the first refusal: the next alert would be refused alike.
        assert not report.ok and "GoSMS error 3000" in str(report.stopped_by)
        assert len([r for r in emu.requests() if r["endpoint"] == "send"]) == 1
        assert [e.message for e in outbox.entries(("new",))] == ["first", "second"]
        emu.set_scenario(account_blocked=False)  # support unblocked it: nothing was lost
        assert outbox.flush(client).ok
    assert [m["message"] for m in stored(emu)] == ["first", "second"]


def test_a_refusal_of_one_message_sets_it_aside_and_the_rest_goes_out(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        outbox.add(client, PHONE, "pinned to a phone that is gone", device_id=emu.device_id)
        outbox.add(client, PHONE, "any phone")
        emu.add_fault("error", endpoint="send", code=1016)  # no device with this device_id
        report = outbox.flush(client)
    assert [(e.message, exc.code) for e, exc in report.failed] == [("pinned to a phone that is gone", 1016)]
    assert not report.ok and report.stopped_by is None
    assert [m["message"] for m in stored(emu)] == ["any phone"]
    assert [e.message for e in outbox.entries(("failed",))] == ["pinned to a phone that is gone"]


def test_a_damaged_file_is_set_aside_with_the_reason_and_the_rest_goes_out(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        outbox.add(client, PHONE, "intact")
        damaged = tmp_path / "ob" / "new" / "00000000000000000001-deadbeef.json"
        damaged.write_text('{"id": "00000000000000000001-deadbeef", "phone_n')
        report = outbox.flush(client)
    assert report.ok and [m["message"] for m in stored(emu)] == ["intact"]
    assert not damaged.exists()
    (bad,) = outbox.corrupt()
    assert bad.where == "corrupt" and bad.name == "new-" + damaged.name and "not JSON" in bad.reason
    assert (tmp_path / "ob" / "corrupt" / bad.name).read_text().startswith('{"id"')  # kept for a person


def test_entries_of_another_account_are_left_waiting(emu: Emulator, tmp_path: Path) -> None:
    other_token = emu.add_token("another-token-value-1234")
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url, token=other_token) as theirs:
        outbox.add(theirs, PHONE, "theirs")
    with quick_client(emu.url) as mine:
        report = outbox.flush(mine)
    assert len(report.other_account) == 1 and not report.ok and stored(emu) == []


def test_concurrent_flushes_send_each_alert_once(emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        for n in range(8):
            outbox.add(client, PHONE, f"storm alert {n}")
    env = outbox_env(tmp_path / "ob")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: run_cli("outbox", "flush", "--lock-wait", "600", emu=emu, env=env,
                                                  timeout=900), range(3)))
    assert all(r.code == 0 for r in results), [r.stderr for r in results]
    assert texts(emu) == Counter({f"storm alert {n}": 1 for n in range(8)})


# -- the done-when: a 60 s outage, 20 alerts, delivered once; and with a killed flush -------


def queue_twenty_during_an_outage(emu: Emulator, env: dict[str, str]) -> list[str]:
    """20 ``gosms send --queue`` runs while the API answers 503.

    The outage lasts until ended, not 60 s, so that a machine too busy to start 20 commands in a
    minute does not end it half-way (benchmarks/outbox_outage.py runs a real 60 s one); it is then
    ended as a timed one is, by moving the emulator's clock past it.
    """
    emu.outage(None)
    alerts = [f"host{n:02d}: CRITICAL" for n in range(20)]

    def send(text: str) -> int:
        return run_cli("send", "--queue", "--deadline", "1", "--to", PHONE, "--message", text, emu=emu, env=env).code

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(send, alerts))
    assert codes == [0] * 20
    assert stored(emu) == [] and len(emu.requests()) >= 20
    assert {r["fault"] for r in emu.requests()} == {"outage"}
    emu.end_outage()
    return alerts


def test_twenty_alerts_queued_in_an_outage_are_each_delivered_once(emu: Emulator, tmp_path: Path) -> None:
    env = outbox_env(tmp_path / "ob")
    alerts = queue_twenty_during_an_outage(emu, env)
    flushed = run_cli("outbox", "flush", emu=emu, env=env)
    assert flushed.code == 0, flushed.stderr
    assert texts(emu) == Counter(dict.fromkeys(alerts, 1))
    assert_private_and_tokenless(tmp_path / "ob")


def test_a_flush_killed_half_way_and_run_again_delivers_each_alert_once(emu: Emulator, tmp_path: Path) -> None:
    env = outbox_env(tmp_path / "ob")
    outbox = Outbox(tmp_path / "ob")
    alerts = [f"host{n:02d}: CRITICAL" for n in range(20)]
    with quick_client(emu.url) as client:
        for text in alerts:
            outbox.add(client, PHONE, text)
    # Queued without an attempt, so none is marked "maybe sent": only the claim in sending/ can tell
    # the next flush to look the killed attempt up first (alerts queued in an outage are all marked
    # already, and would hide a flush that forgot to).
    assert all(e.maybe_sent_since is None for e in outbox.entries())
    # The 11th send is carried out and then answered slowly: the kill lands while it is in flight.
    emu.add_fault("slow", endpoint="send", after=10, seconds=900)  # cut short when the emulator stops
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
    environ.update(env, GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url)
    flush = subprocess.Popen([*_command(), "outbox", "flush", "--timeout", "1000"], env=environ,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not any(r["fault"] == "slow" for r in emu.requests()):
            assert flush.poll() is None, "the flush ended before the slow send"
            assert time.monotonic() < deadline, "the slow send never arrived"
            time.sleep(0.05)
        flush.send_signal(signal.SIGKILL)
    finally:
        flush.wait(timeout=30)
    assert flush.returncode == -signal.SIGKILL
    assert len(stored(emu)) == 11  # ten answered, the eleventh carried out but its answer never read
    (in_flight,) = outbox.entries(("sending",))
    assert in_flight.maybe_sent_since is None
    assert texts(emu)[in_flight.message] == 1  # the one in flight was carried out
    emu.clear_faults()

    again = run_cli("outbox", "flush", emu=emu, env=env)
    assert again.code == 0, again.stderr
    assert f"already sent to {PHONE}" in again.stdout
    assert texts(emu) == Counter(dict.fromkeys(alerts, 1))
    assert outbox.entries(("new", "sending")) == []


def test_a_flush_killed_before_its_send_was_carried_out_sends_it_on_the_next_run(
        emu: Emulator, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "ob")
    with quick_client(emu.url) as client:
        for n in range(6):
            outbox.add(client, PHONE, f"alert {n}")
    # The 4th send is held before the API acts on it, longer than the test lasts: killed then, it
    # never happened, and the next flush finds nothing on the server and sends it.
    emu.add_fault("slow_before", endpoint="send", after=3, seconds=900)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
    environ.update(outbox_env(tmp_path / "ob"), GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url)
    flush = subprocess.Popen([*_command(), "outbox", "flush", "--timeout", "1000"], env=environ,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Both: the entry claimed in sending/, and its request taken by the emulator (the fault used up).
        # Killed earlier, the request could still be on its way, reach the emulator after the fault is
        # cleared below and be carried out: then the next flush rightly finds it sent.
        until(lambda: (any(e.message == "alert 3" for e in outbox.entries(("sending",))) and not emu.faults())
              or flush.poll() is not None, 600, "alert 3 in sending/ and its request held", step=0.05)
        assert flush.poll() is None
        flush.send_signal(signal.SIGKILL)
    finally:
        flush.wait(timeout=30)
    (claimed,) = outbox.entries(("sending",))
    assert claimed.message == "alert 3" and len(stored(emu)) == 3
    emu.clear_faults()
    again = run_cli("outbox", "flush", emu=emu, env=outbox_env(tmp_path / "ob"))
    assert again.code == 0, again.stderr
    assert f"sent to {PHONE}" in again.stdout and "already sent" not in again.stdout
    assert [m["message"] for m in stored(emu)] == [f"alert {n}" for n in range(6)]


# -- run: a service that keeps the outbox drained ----------------------------------------------------


def test_run_keeps_flushing_and_stops_cleanly_on_sigterm(emu: Emulator, tmp_path: Path) -> None:
    env = outbox_env(tmp_path / "ob")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
    environ.update(env, GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url)
    service = subprocess.Popen([*_command(), "outbox", "run", "--interval", "0.2"], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with quick_client(emu.url) as client:
            Outbox(tmp_path / "ob").add(client, PHONE, "queued while the service runs")
        until(lambda: stored(emu) or service.poll() is not None, 600, "a message stored", step=0.05)
        assert service.poll() is None
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, err
    assert "stopped" in out and SECRET not in out + err
    assert texts(emu) == Counter({"queued while the service runs": 1})


def test_one_runner_per_outbox_and_a_killed_runner_is_not_alive(emu: Emulator, tmp_path: Path) -> None:
    env = outbox_env(tmp_path / "ob")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
    environ.update(env, GOSMS_TOKEN=SECRET, GOSMS_API_URL=emu.url)
    outbox = Outbox(tmp_path / "ob")
    assert not outbox.runner_alive()
    first = subprocess.Popen([*_command(), "outbox", "run", "--interval", "0.2"], env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: outbox.runner_alive() or first.poll() is not None, 600, "the first runner", step=0.05)
        assert outbox.runner_alive(), "the running runner holds the outbox"
        second = subprocess.run([*_command(), "outbox", "run", "--interval", "0.2"], env=environ,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert "another runner" in second.stderr
        first.kill()  # kill -9: the kernel frees the lock
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert not outbox.runner_alive()


# -- where it lives ------------------------------------------------------------------------------------


def test_default_directory_follows_xdg_and_the_override() -> None:
    assert default_directory({"GOSMS_OUTBOX": "/srv/ob"}) == Path("/srv/ob")
    assert default_directory({"XDG_STATE_HOME": "/var/lib/u"}) == Path("/var/lib/u/gosms-ops/outbox")
    assert default_directory({}) == Path.home() / ".local/state/gosms-ops/outbox"
    assert default_directory({"XDG_STATE_HOME": "relative"}) == Path.home() / ".local/state/gosms-ops/outbox"


def test_the_outbox_option_beats_the_environment(emu: Emulator, tmp_path: Path) -> None:
    emu.outage(None)
    run_cli("send", "--queue", "--deadline", "1", "--outbox", str(tmp_path / "chosen"), "--to", PHONE,
            "--message", "m", emu=emu, env=outbox_env(tmp_path / "env"))
    assert len(Outbox(tmp_path / "chosen").entries()) == 1
    assert not (tmp_path / "env").exists()


def test_an_outbox_that_cannot_be_written_is_a_set_up_error_said_at_once(emu: Emulator, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    emu.outage(None)
    cli = run_cli("send", "--queue", "--deadline", "1", "--outbox", str(not_a_folder), "--to", PHONE,
                  "--message", "m", emu=emu)
    assert cli.code == 3
    assert "Cannot write the outbox folder" in cli.stderr and str(not_a_folder) in cli.stderr


# -- the emulator's outage mode --------------------------------------------------------------------


def test_outage_control_route_over_http(emu: Emulator) -> None:
    control = emu.control_url
    assert "POST /_emulator/outage" in requests.get(control, timeout=5).json()["routes"]
    answer = requests.post(control + "/outage", json={"seconds": 600, "mode": "503"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["active"]
    api = requests.get(emu.url + "/sms?limit=1&offset=1", headers={"Authorization": f"Bearer {SECRET}"}, timeout=5)
    assert api.status_code == 503
    assert requests.get(control + "/state", timeout=5).json()["outage"]["mode"] == "503"
    emu.advance(600)
    assert requests.get(emu.url + "/sms?limit=1&offset=1", headers={"Authorization": f"Bearer {SECRET}"}, timeout=5).ok
    requests.post(control + "/outage", json={"mode": "reset"}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/sms?limit=1&offset=1", headers={"Authorization": f"Bearer {SECRET}"}, timeout=5)
    assert requests.delete(control + "/outage", timeout=5).json() == {"outage": None}
    assert requests.get(emu.url + "/sms?limit=1&offset=1", headers={"Authorization": f"Bearer {SECRET}"}, timeout=5).ok
    bad = requests.post(control + "/outage", json={"mode": "flood"}, timeout=5)
    assert bad.status_code == 400 and "flood" in bad.json()["error"]


def test_a_fault_can_start_after_some_requests(emu: Emulator) -> None:
    emu.add_fault("http_500", endpoint="send", after=2)
    headers = {"Authorization": f"Bearer {SECRET}"}
    statuses = [requests.post(emu.url + "/sms/send", json={"message": "x", "phone_number": PHONE},
                              headers=headers, timeout=5).status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]


def test_nothing_listens_after_the_emulator_stops() -> None:
    """The refused connection the unreachable test relies on is real."""
    with Emulator() as emu:
        port = emu.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


# -- the shipped service manager files -------------------------------------------------------------

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def _unit_values(path: Path, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(key + "=")]


@pytest.mark.parametrize("unit", ["gosms-outbox.service", "gosms-outbox-run.service",
                                  "system/gosms-outbox-run.service"])
def test_the_systemd_units_run_commands_the_cli_accepts(unit: str) -> None:
    from gosms.cli import main as cli

    (exec_start,) = _unit_values(CONTRIB / "systemd" / unit, "ExecStart")
    program, *arguments = exec_start.split()
    assert program.endswith("/gosms")
    parsed = cli.build_parser().parse_args(arguments)  # an unknown option would exit here
    assert parsed.command == "outbox" and parsed.action in ("flush", "run")
    assert not any("TOKEN=" in value for value in _unit_values(CONTRIB / "systemd" / unit, "Environment"))


def test_the_system_unit_runs_as_the_monitoring_user_with_its_own_folders() -> None:
    """Notifications run as the daemon's user: the runner must be that user, owning the outbox it drains."""
    unit = CONTRIB / "systemd" / "system" / "gosms-outbox-run.service"
    assert _unit_values(unit, "User") == ["nagios"]
    (state,) = _unit_values(unit, "StateDirectory")
    (runtime,) = _unit_values(unit, "RuntimeDirectory")
    env = dict(value.split("=", 1) for value in _unit_values(unit, "Environment"))
    assert env["GOSMS_OUTBOX"].startswith(f"/var/lib/{state}/")
    assert env["GOSMS_RUNTIME_DIR"] == f"/run/{runtime}"
    assert env["GOSMS_TOKEN_FILE"] == "%d/token" and _unit_values(unit, "LoadCredential")[0].startswith("token:")


def test_the_timer_starts_the_flush_and_the_cron_line_is_a_flush() -> None:
    from gosms.cli import main as cli

    timer = CONTRIB / "systemd" / "gosms-outbox.timer"
    assert (timer.with_suffix(".service")).exists()  # a timer starts the service of its own name
    assert _unit_values(timer, "OnUnitInactiveSec")
    (line,) = [x for x in (CONTRIB / "cron" / "gosms-outbox").read_text().splitlines()
               if x.strip() and not x.startswith("#")]
    words = line.split()[5:]  # after the five time fields
    words = [w for w in words if "=" not in w.split("/")[0] or w.startswith("--")]
    command = words[: words.index(">/dev/null")] if ">/dev/null" in words else words
    assert command[0] == "gosms"
    assert cli.build_parser().parse_args(command[1:]).action == "flush"
