"""``check_gosms`` (subprocess) against the independent fake.

Why: the check's states come from the core's table by code; the quota count pages through
``GET /sms``, which this fake answers with 0-based record offsets and oldest first, the reading
opposite to our emulator's default, so the paging detection is exercised for real.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import BIN, Done, clean_env, run
from fake_api import FakeGoSMS

DAY = 86_400


def check(fake: FakeGoSMS, tmp_path: Path, *args: str, token: str | None) -> Done:
    """One run with its own state file, the token only in the environment."""
    return run([str(BIN / "check_gosms"), "--api-url", fake.url, "--state-file", str(tmp_path / "state.json"),
                *args], clean_env(token))


def assert_clean(done: Done, token: str) -> None:
    assert token not in done.output
    assert "Traceback" not in done.output


@pytest.mark.parametrize(("code", "rc"), [(1002, 2), (1003, 2), (3000, 2), (1004, 1), (1006, 1)])
def test_api_errors(code: int, rc: int, fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    """The code alone (answered with an unusual HTTP status) decides the state."""
    fake.fail_always(code)
    done = check(fake, tmp_path, token=token)
    assert done.rc == rc, done.output
    assert str(code) in done.stdout
    assert_clean(done, token)


def test_blocked_account(fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    fake.block_account()
    done = check(fake, tmp_path, token=token)
    assert done.rc == 2, done.output
    assert "3000" in done.stdout
    assert_clean(done, token)


@pytest.mark.parametrize(("this_month", "quota"), [(85, 100), (250, 280)])
def test_quota_warning(this_month: int, quota: int, fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    """85 % and 89 % used: WARNING (default -w 80). Older messages come first in this list."""
    now = int(time.time())
    fake.seed(7, time_create=now - 62 * DAY)
    fake.seed(this_month, time_create=now - 60)
    done = check(fake, tmp_path, "--quota", str(quota), token=token)
    assert done.rc == 1, done.output
    assert str(this_month) in done.stdout, done.stdout
    assert_clean(done, token)
    again = check(fake, tmp_path, "--quota", str(quota), token=token)  # from the state file
    assert again.rc == 1, again.output
    assert str(this_month) in again.stdout, again.stdout


def test_healthy_with_device(fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    done = check(fake, tmp_path, "--device", fake.device_ids[0], token=token)
    assert done.rc == 0, done.output
    assert done.stdout.startswith("GOSMS OK"), done.stdout
    assert_clean(done, token)


def test_inactive_device_is_reported(fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    """English-shaped device info (battery as a string) with the phone switched off: not OK."""
    fake.set_device(fake.device_ids[0], is_active=False, device_battery_state="5", is_charging=False)
    done = check(fake, tmp_path, "--device", fake.device_ids[0], token=token)
    assert done.rc in (1, 2), done.output
    assert_clean(done, token)


@pytest.mark.parametrize("args", [("--quota", "lots"), ("--device", "not-an-id"), ("--bogus",)])
def test_bad_arguments(args: tuple[str, ...], fake: FakeGoSMS, tmp_path: Path, token: str) -> None:
    done = check(fake, tmp_path, *args, token=token)
    assert done.rc == 3, done.output
    assert_clean(done, token)


def test_no_token(fake: FakeGoSMS, tmp_path: Path) -> None:
    done = check(fake, tmp_path, token=None)
    assert done.rc == 3, done.output
    assert fake.requests() == []
