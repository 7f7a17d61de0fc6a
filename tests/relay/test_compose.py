"""One notification group in one SMS: worded by status, within the core's limit, in accepted characters."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from relay_helpers import DATA, alertmanager_payload

from gosms.relay.compose import PayloadError, compose, parse_alertmanager, parse_grafana
from gosms.wire.validation import MAX_MESSAGE_LENGTH, api_accepts_message


def cpu(instance: str, name: str = "HighCPU") -> dict[str, str]:
    return {"alertname": name, "instance": instance, "severity": "critical"}


def test_a_firing_group_names_its_count_alert_and_instances_and_the_summary() -> None:
    body = alertmanager_payload([cpu("web1:9100"), cpu("web2:9100")], common={"severity": "critical"},
                                summary="CPU above 90% for 5m")
    assert compose(parse_alertmanager(body)) == (
        "FIRING 2 critical: HighCPU on web1:9100, web2:9100 - CPU above 90% for 5m")


def test_a_resolved_group_reads_apart_from_a_firing_one() -> None:
    body = alertmanager_payload([cpu("web1:9100"), cpu("web2:9100")], status="resolved",
                                common={"severity": "critical"})
    text = compose(parse_alertmanager(body))
    assert text == "RESOLVED 2: HighCPU on web1:9100, web2:9100"


def test_a_group_with_firing_and_resolved_alerts_says_both() -> None:
    body = alertmanager_payload([cpu("web1:9100"), cpu("db1:9100", "DiskFull")])
    body["alerts"][1]["status"] = "resolved"
    assert compose(parse_alertmanager(body)) == (
        "FIRING 1, resolved 1: HighCPU on web1:9100; resolved: DiskFull on db1:9100")


def test_a_big_group_fits_the_limit_and_counts_what_it_left_out() -> None:
    alerts = [cpu(f"node-{i:03d}.eu-west.example.com:9100") for i in range(60)]
    body = alertmanager_payload(alerts)
    body["truncatedAlerts"] = 40
    text = compose(parse_alertmanager(body))
    assert len(text) <= MAX_MESSAGE_LENGTH
    assert text.startswith("FIRING 100: HighCPU on node-000.eu-west.example.com:9100, ")
    listed = text.count("node-")
    assert text.endswith(f" +{100 - listed} more")
    assert 3 <= listed < 60


def test_refused_characters_are_replaced_before_the_length_is_measured() -> None:
    body = alertmanager_payload([{"alertname": "Disk|full 🔥", "instance": "db1\nrack 7"}])
    text = compose(parse_alertmanager(body))
    assert text == "FIRING 1: Disk/full (fire) on db1 rack 7"
    assert api_accepts_message(text)


labels = st.dictionaries(st.sampled_from(["alertname", "instance", "pod", "severity", "team"]),
                         st.text(max_size=80), max_size=5)


@given(st.lists(labels, min_size=1, max_size=40), st.sampled_from(["firing", "resolved"]), st.text(max_size=400),
       st.integers(0, 10_000))
def test_any_group_becomes_one_message_the_api_accepts(alerts, status, summary, truncated) -> None:
    body = alertmanager_payload(alerts, status=status, summary=summary)
    body["truncatedAlerts"] = truncated
    text = compose(parse_alertmanager(body))
    assert len(text) <= MAX_MESSAGE_LENGTH
    assert api_accepts_message(text)
    assert text.startswith("FIRING" if status == "firing" else "RESOLVED")


def test_grafanas_documented_payload_is_read() -> None:
    # Written in the shape of Grafana's documented webhook body (no Grafana server runs here).
    body = json.loads((DATA / "grafana_webhook.json").read_text())
    note = parse_grafana(body)
    assert (note.receiver, note.labels) == ("gosms-oncall", {"alertname": "", "grafana_folder": "Hosts", "team": "ops"})
    assert compose(note) == "FIRING 2: Memory pressure on app-1:9100; CPU saturation"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ([], "the body must be a JSON object, not a list"),
        ({"version": "3", "alerts": []}, "unsupported Alertmanager webhook version '3'"),
        ({"version": "4", "alerts": []}, "'alerts' must be a list of at least one alert"),
        ({"version": "4", "status": "burning", "alerts": [{}]}, "'status' is 'burning'"),
        ({"version": "4", "alerts": [{"labels": {"alertname": 5}}]}, "'alerts[0].labels' must be an object"),
        ({"version": "4", "alerts": ["x"]}, "alerts[0] must be a JSON object, not a string"),
        ({"version": "4", "alerts": [{}], "truncatedAlerts": -1}, "'truncatedAlerts' must be a whole number"),
    ],
)
def test_a_malformed_body_is_refused_with_the_field_named(body, words) -> None:
    with pytest.raises(PayloadError, match="^" + words.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        parse_alertmanager(body)
