"""``check_gosms --outbox DIR``: the states read from an outbox on disk, without asking the API.

The entries are written by the core's own outbox (``Outbox._store``, as ``gosms send --via`` and
``notify_gosms --via`` write them) with the states and follow records a runner leaves; the API
address points nowhere, which proves that the outbox alone asks the API nothing.
"""

from __future__ import annotations

from pathlib import Path

from nagios_support import SECRET, Checker

from gosms.delivery.outbox import Outbox
from gosms.wire.config import Token
from gosms.wire.routes import Followed, Leg, Route

NOWHERE = "http://127.0.0.1:9/v1"
DEVICE = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"


def store(outbox: Path, number: str, state: str, *, age: float = 0.0, deliver_within: float = 300.0,
          text: str = "PROBLEM web01/HTTP is CRITICAL: 500 Internal Server Error on /api/orders") -> None:
    record = Followed(number, [text], [Route(DEVICE)], deliver_within,
                      legs=[Leg(Route(DEVICE), ids=["6654a4e8f1527149588c89f2"], outcome="stuck",
                                detail="still waiting for processing after 300 s without progress")],
                      verdict={"undelivered": "undelivered", "delivered": "delivered"}.get(state, "tracking"))
    box = Outbox(outbox)
    entry = box._store(NOWHERE, Token(SECRET), number, [text], follow=record.as_dict(), state=state)
    entry.created -= age
    box._write(entry, state)


def test_an_empty_outbox_is_ok_with_its_counts(console: Checker, tmp_path: Path) -> None:
    run = console.run("--outbox", str(tmp_path / "outbox"), api_url=NOWHERE)
    assert run.returncode == 0, run
    assert run.status.startswith("GOSMS OK"), run
    assert {"outbox_undelivered", "outbox_waiting", "outbox_late", "outbox_unattended"} <= set(run.perfdata)


def test_an_undelivered_alert_of_the_last_day_is_critical_and_named(console: Checker, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    store(outbox, "79991112233", "undelivered", age=600)
    store(outbox, "79991112244", "undelivered", age=2 * 86400)  # outside the window
    store(outbox, "79991112255", "delivered", age=60)
    run = console.run("--outbox", str(outbox), api_url=NOWHERE)
    assert run.returncode == 2, run
    assert "1 alert(s) reached no handset" in run.status
    assert "79991112233" in run.status and "'PROBLEM web01/HTTP is CRITICAL: 500 Internal ...'" in run.status
    assert "79991112244" not in run.status
    assert run.perfdata["outbox_undelivered"].group("value") == "1"
    assert run.perfdata["outbox_delivered"].group("value") == "1"
    wider = console.run("--outbox", str(outbox), "--outbox-window", str(3 * 86400), api_url=NOWHERE)
    assert "2 alert(s) reached no handset" in wider.status, wider


def test_alerts_waiting_too_long_or_without_a_runner_warn(console: Checker, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    store(outbox, "79991112266", "tracking", age=10)  # in time, but nobody follows it
    run = console.run("--outbox", str(outbox), api_url=NOWHERE)
    assert run.returncode == 1, run
    assert "no runner drains the outbox" in run.status and "gosms outbox run" in run.status
    store(outbox, "79991112277", "tracking", age=400, deliver_within=60)  # 60 s + grace is long gone
    late = console.run("--outbox", str(outbox), api_url=NOWHERE)
    assert late.returncode == 1 and "1 alert(s) wait longer than expected" in late.status, late
    assert "79991112277" in late.status


def test_outbox_options_need_the_outbox(console: Checker) -> None:
    run = console.run("--outbox-window", "60", api_url=NOWHERE)
    assert run.returncode == 3 and "--outbox DIR" in run.stdout, run


def test_a_file_that_is_not_a_sound_alert_warns_and_names_it(console: Checker, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    store(outbox, "79991112288", "delivered", age=60)
    (outbox / "new" / "0123abcd.json").write_text('{"id": "0123abcd", "created": "yesterday"}')
    run = console.run("--outbox", str(outbox), api_url=NOWHERE)
    assert run.returncode == 1, run
    assert "1 file(s) in the outbox are not sound alerts" in run.status and "0123abcd.json" in run.status, run
    assert run.perfdata["outbox_corrupt"].group("value") == "1"
    assert "gosms outbox list" in run.status
