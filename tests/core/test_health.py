"""Phone verdicts: one table, thresholds that move the state, nothing flagged on a healthy phone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gosms.wire.errors import Severity
from gosms.wire.health import OFFLINE_CRITICAL_AFTER_SECONDS, PHONE_PROBLEMS, PhoneProblem, phone_problems
from gosms.wire.models import HEARTBEAT_SECONDS, OFFLINE_AFTER_SECONDS, Device

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def phone(seen_ago: float | None = 10, **fields: object) -> Device:
    seen = None if seen_ago is None else NOW - timedelta(seconds=seen_ago)
    base: dict[str, object] = {"device_id": "d", "is_active": True, "battery": 80, "is_charging": False,
                               "last_online": seen}
    base.update(fields)
    return Device(**base)  # type: ignore[arg-type]


def verdicts(device: Device, **kw: object) -> dict[PhoneProblem, Severity]:
    return {info.problem: state for info, state in phone_problems(device, NOW, **kw)}  # type: ignore[arg-type]


def test_a_healthy_phone_has_no_problem() -> None:
    assert verdicts(phone()) == {}


def test_every_problem_has_texts_in_both_languages() -> None:
    assert set(PHONE_PROBLEMS) == set(PhoneProblem)
    for info in PHONE_PROBLEMS.values():
        assert info.description and info.remedy and info.description_ru and info.remedy_ru


@pytest.mark.parametrize(
    ("seen_ago", "expected"),
    [
        (OFFLINE_AFTER_SECONDS - 1, {}),
        (OFFLINE_AFTER_SECONDS + 1, {PhoneProblem.OFFLINE: Severity.WARNING}),
        (OFFLINE_CRITICAL_AFTER_SECONDS + 1, {PhoneProblem.OFFLINE: Severity.CRITICAL}),
        (None, {PhoneProblem.NEVER_SEEN: Severity.CRITICAL}),
    ],
)
def test_heartbeat_age_sets_the_state(seen_ago: float | None, expected: dict[PhoneProblem, Severity]) -> None:
    assert verdicts(phone(seen_ago)) == expected


def test_three_missed_heartbeats_are_critical() -> None:
    assert OFFLINE_CRITICAL_AFTER_SECONDS == OFFLINE_AFTER_SECONDS + 2 * HEARTBEAT_SECONDS


def test_inactive_and_flat_phone_reports_both() -> None:
    found = verdicts(phone(is_active=False, battery=5))
    assert found == {PhoneProblem.INACTIVE: Severity.CRITICAL, PhoneProblem.BATTERY_LOW: Severity.WARNING}


def test_charging_is_not_low_and_a_critical_threshold_raises_the_state() -> None:
    assert verdicts(phone(battery=5, is_charging=True)) == {}
    assert verdicts(phone(battery=5), battery_critical=10) == {PhoneProblem.BATTERY_LOW: Severity.CRITICAL}
    assert verdicts(phone(battery=15), battery_critical=10) == {PhoneProblem.BATTERY_LOW: Severity.WARNING}
