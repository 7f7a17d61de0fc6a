"""The folding rules (gosms.wire.folding): who goes alone, who waits for a digest, what a digest says."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gosms.wire.folding import DEFAULT_POLICY, Alert, FoldPolicy, digest_text, parse_fold, plan_folding
from gosms.wire.validation import MAX_MESSAGE_LENGTH, check_message

POLICY = FoldPolicy(burst=3, window=60.0)


def _problem(i: int, at: float, state: str = "CRITICAL", host: str = "web01") -> Alert:
    return Alert(f"p{i:03d}", at, f"PROBLEM {i}", "PROBLEM", host, f"svc{i:03d}", state)


def _recovery(i: int, at: float, host: str = "web01") -> Alert:
    return Alert(f"r{i:03d}", at, f"RECOVERY {i}", "RECOVERY", host, f"svc{i:03d}", "OK")


def test_parse_fold() -> None:
    assert parse_fold("off") is None
    assert parse_fold("") == DEFAULT_POLICY == parse_fold("on")
    assert parse_fold("0/5m") == FoldPolicy(0, 300.0)
    assert parse_fold("3/60s") == FoldPolicy(3, 60.0) == parse_fold("3/60")
    for bad in ("3", "x/60s", "3/0s", "-1/60s", "3/abc"):
        with pytest.raises(ValueError, match="BURST/WINDOW"):
            parse_fold(bad)


def test_the_first_three_go_alone_and_the_rest_wait_for_the_window() -> None:
    storm = [_problem(i, 100.0 + i * 0.05) for i in range(200)]
    plan = plan_folding(storm, [], [], None, POLICY, now=110.0)
    assert plan.alone == ["p000", "p001", "p002"]
    assert len(plan.held) == 197 and set(plan.held.values()) == {"held"}
    assert plan.digest == [] and plan.due == pytest.approx(160.0)  # the burst's first alert + the window


def test_the_digest_folds_every_held_alert_when_the_window_closes() -> None:
    held = [(_problem(i, 100.0 + i), "held") for i in range(3, 50)]
    plan = plan_folding([], held, [100.0, 101.0, 102.0], None, POLICY, now=160.0)
    assert plan.digest == [a.id for a, _ in held] and plan.alone == []


def test_while_a_storm_folds_later_alerts_wait_too_and_digests_follow_one_per_window() -> None:
    # The burst went, a digest went at 160; an alert at 170 waits for the next digest at 220.
    plan = plan_folding([_problem(60, 170.0)], [], [100.0, 101.0, 102.0], 160.0, POLICY, now=171.0)
    assert plan.alone == [] and plan.held == {"p060": "held"} and plan.due == pytest.approx(220.0)
    # A quiet window later, the storm is over: the next alert goes alone again.
    plan = plan_folding([_problem(61, 300.0)], [], [100.0, 101.0, 102.0], 160.0, POLICY, now=300.0)
    assert plan.alone == ["p061"]


def test_a_problem_that_recovers_before_it_left_is_a_flap() -> None:
    held = [(_problem(7, 105.0), "held")]
    plan = plan_folding([_recovery(7, 106.0), _problem(8, 106.5), _recovery(8, 107.0)], held,
                        [100.0, 101.0, 102.0], None, POLICY, now=107.0)
    assert plan.held == {"p007": "flap", "r007": "flap", "p008": "flap", "r008": "flap"}
    assert plan.alone == []


def test_a_recovery_of_a_problem_that_went_alone_is_no_flap() -> None:
    plan = plan_folding([_recovery(1, 101.0)], [], [100.0], None, POLICY, now=101.0)
    assert plan.alone == ["r001"]


def test_the_reserve_holds_all_but_urgent_alerts_and_recoveries() -> None:
    warning, critical, recovery = _problem(1, 100.0, "WARNING"), _problem(2, 100.1), _recovery(3, 100.2)
    plan = plan_folding([warning, critical, recovery], [], [], None, POLICY, now=100.3, reserve=True)
    assert plan.alone == ["p002", "r003"] and plan.held == {"p001": "reserve"}
    assert plan.due == pytest.approx(160.0)


def test_the_digest_says_counts_by_state_names_what_fits_and_how_many_more() -> None:
    alerts = [(_problem(i, 1_700_000_000.0 + i, "CRITICAL" if i % 4 else "WARNING"), "held") for i in range(197)]
    alerts += [(_problem(900 + i, 1_700_000_100.0), "flap") for i in range(20)]
    alerts += [(_recovery(900 + i, 1_700_000_101.0), "flap") for i in range(20)]
    text = digest_text(alerts)
    assert len(text) <= MAX_MESSAGE_LENGTH and check_message(text) == text
    assert ": 197 alerts: 147 CRITICAL, 50 WARNING; 20 flaps." in text
    assert "web01: svc000, svc001, svc002" in text and text.endswith(" more")
    named = text.count("svc")
    assert text.endswith(f" +{197 + 20 - named} more")


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, names, st.sampled_from(["CRITICAL", "WARNING", "OK", "DOWN", "", "ñ|~"]),
                          st.sampled_from(["held", "flap", "reserve"])), min_size=1, max_size=80))
def test_any_digest_is_one_message_the_api_accepts(rows: list[tuple[str, str, str, str]]) -> None:
    alerts = [(Alert(f"a{i}", 1_700_000_000.0 + i, host + service, "PROBLEM", host, service, state), reason)
              for i, (host, service, state, reason) in enumerate(rows)]
    text = digest_text(alerts)
    assert check_message(text) == text  # within 300 characters, in the API's character set
    assert text.startswith("Digest ")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0, 300), min_size=1, max_size=60), st.integers(0, 5), st.floats(1, 120))
def test_no_more_alone_than_the_burst_within_any_window(times: list[float], burst: int, window: float) -> None:
    policy = FoldPolicy(burst, window)
    alerts = [_problem(i, t) for i, t in enumerate(sorted(times))]
    plan = plan_folding(alerts, [], [], None, policy, now=max(times))
    alone = sorted(a.created for a in alerts if a.id in plan.alone)
    for t in alone:
        assert sum(1 for u in alone if t - window < u <= t) <= burst
    assert set(plan.alone) | set(plan.held) == {a.id for a in alerts}  # every alert decided, none twice
    assert not set(plan.alone) & set(plan.held)
