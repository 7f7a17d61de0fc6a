"""The ``gosms`` CLI against the independent fake: every error code, local validation, faults.

Why: the error texts and remedies are the product's main promise; here they are checked against a
server that shares no code with the product, answers errors with unusual HTTP statuses and its own
(Russian) messages, so only ``errors.code`` can carry the meaning.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from conftest import Done
from fake_api import DOCUMENTED_CODES, UNDOCUMENTED_CODE, UNDOCUMENTED_MESSAGE, FakeGoSMS

PHONE = "79991234567"
SEND = ("send", "--to", PHONE, "--message", "conformance check")


def assert_clean(done: Done, token: str) -> None:
    """No token, no traceback: what an operator may paste into a ticket."""
    assert token not in done.output
    assert "Traceback" not in done.output


@pytest.mark.parametrize("code", DOCUMENTED_CODES)
def test_every_documented_code(code: int, fake: FakeGoSMS, cli: Callable[..., Done], token: str,
                               error_table: dict[int, dict[str, Any]]) -> None:
    """Each code, answered with an unusual HTTP status, is reported with the table's own texts."""
    fake.fail_always(code)
    done = cli("--deadline", "0", *SEND)
    assert done.rc != 0, done.output
    row = error_table[code]
    assert str(code) in done.stderr, done.stderr
    assert row["description"] in done.stderr, (row["description"], done.stderr)
    assert row["remedy"] in done.stderr, (row["remedy"], done.stderr)
    assert fake.message_count() == 0
    assert_clean(done, token)


def test_undocumented_code(fake: FakeGoSMS, cli: Callable[..., Done], token: str,
                           error_table: dict[int, dict[str, Any]]) -> None:
    """A code missing from the docs still ends non-zero with the code and the server's own words."""
    assert UNDOCUMENTED_CODE not in error_table
    fake.fail_always(UNDOCUMENTED_CODE)
    done = cli("--deadline", "0", *SEND)
    assert done.rc != 0, done.output
    assert str(UNDOCUMENTED_CODE) in done.stderr
    assert UNDOCUMENTED_MESSAGE in done.stderr
    assert_clean(done, token)


def test_unknown_error_retried_then_fails(fake: FakeGoSMS, cli: Callable[..., Done], token: str,
                                          error_table: dict[int, dict[str, Any]]) -> None:
    """1000 is retryable: the CLI retries within its deadline, then gives up non-zero, in bounded time."""
    fake.fail_always(1000)
    done = cli("--deadline", "4", *SEND)
    assert done.rc != 0, done.output
    assert "1000" in done.stderr and error_table[1000]["remedy"] in done.stderr
    assert len(fake.requests("/sms/send")) >= 2, "no retry happened"
    assert done.seconds < 20, done.seconds
    assert fake.message_count() == 0
    assert_clean(done, token)


@pytest.mark.parametrize(("args", "code"), [
    (("send", "--to", "12", "--message", "x"), 2001),
    (("send", "--to", "7999abc4567", "--message", "x"), 2001),
    (("send", "--to", "7" * 31, "--message", "x"), 2001),
    (("send", "--to", PHONE, "--message", "back`tick"), 2002),
    (("send", "--to", PHONE, "--message", "x" * 301), 2002),
    (("send", "--to", PHONE, "--message", "x", "--device-id", "not-an-id"), 2005),
    (("send", "--to", PHONE, "--message", "x", "--callback-id", "zz"), 2004),
    (("send", "--to", PHONE, "--message", "x", "--to-sim", "1"), 1017),
    (("status", "12345"), 2003),
    (("device", "12345"), 2005),
    (("list", "--limit", "0"), 2006),
    (("list", "--limit", "101"), 2006),
])
def test_local_validation(args: tuple[str, ...], code: int, fake: FakeGoSMS, cli: Callable[..., Done],
                          token: str) -> None:
    """Bad input fails before any request, with the code the API would have answered."""
    done = cli(*args)
    assert done.rc != 0, done.output
    assert str(code) in done.stderr, done.stderr
    assert fake.requests() == []
    assert_clean(done, token)


@pytest.mark.parametrize(("kind", "store"), [
    ("html502", False), ("http500", False), ("http500", True),
    ("drop", False), ("drop", True), ("sleep", True),
])
def test_send_faults(kind: str, store: bool, fake: FakeGoSMS, cli: Callable[..., Done], token: str) -> None:
    """A broken answer to a send ends stored exactly once, or with a typed error; never a traceback."""
    fake.fault_next(kind, store=store, seconds=2.5)
    done = cli("--timeout", "1", "--deadline", "8", *SEND)
    stored = [m for m in fake.messages() if m["phone_number"] == PHONE]
    assert len(stored) <= 1, f"duplicated: {len(stored)} stored\n{done.output}"
    if done.rc == 0:
        assert len(stored) == 1, done.output
    else:
        assert done.stderr.startswith("gosms:"), done.stderr
    assert_clean(done, token)


def test_list_first_page_holds_the_first_record(fake: FakeGoSMS, cli: Callable[..., Done]) -> None:
    """``gosms list`` with defaults shows the message the account holds (offset counted from 0 here)."""
    fake.seed(1, time_create=1_700_000_000)
    done = cli("--json", "list")
    assert done.rc == 0, done.output
    assert "seed 0" in done.stdout, done.stdout


def test_send_and_wait_for_delivery(fake: FakeGoSMS, cli: Callable[..., Done], token: str) -> None:
    """Statuses move 0 -> 2 -> 4 on the fake's timer: ``--wait`` ends 0 once delivered."""
    done = cli("send", "--to", PHONE, "--message", "wait for it", "--wait", "--wait-interval", "0.2",
               "--wait-timeout", "15")
    assert done.rc == 0, done.output
    assert fake.message_count() == 1
    assert_clean(done, token)


def test_device_show_and_switch(fake: FakeGoSMS, cli: Callable[..., Done], token: str) -> None:
    """English device shape (battery "57" as a string) shown; --deactivate reaches the fake under ``id``."""
    device = fake.device_ids[0]
    shown = cli("--json", "device", device)
    assert shown.rc == 0, shown.output
    assert "57" in shown.stdout
    off = cli("device", device, "--deactivate")
    assert off.rc == 0, off.output
    assert fake.requests("/devices/edit")[-1].body["id"] == device
    assert cli("--json", "device", device).stdout.count("false") >= 1
    assert_clean(off, token)


def test_lost_answer_found_behind_older_messages(fake: FakeGoSMS, cli: Callable[..., Done], token: str) -> None:
    """45 older messages to the same number come first in this list: the lost send is still found."""
    fake.seed(45, time_create=1_700_000_000, phone=PHONE)
    fake.fault_next("drop", store=True)
    done = cli("--timeout", "1", "--deadline", "8", *SEND)
    fresh = [m for m in fake.messages() if m["message"] == "conformance check"]
    assert len(fresh) == 1, f"{len(fresh)} stored\n{done.output}"
    assert done.rc == 0, done.output
    assert_clean(done, token)
