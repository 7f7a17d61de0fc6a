"""Relay entries fold like any other alert: the runner's digests apply to notification groups.

Each post's entry carries what folding reads (kind, host, service, severity): a firing group is a
PROBLEM at its most pressing severity, a resolved one a RECOVERY.  With ``fold`` set (``gosms relay
--fold BURST/WINDOW``), many groups to one number within the window leave as the burst plus one
digest; without it (the default, since Alertmanager groups already) each group goes alone.
Real HTTP posts to an in-process relay, a real outbox, the emulator as the API.
"""

from __future__ import annotations

import pytest
from relay_helpers import PHONE, alertmanager_payload, post, wait_for

from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator
from gosms.relay.compose import folding_subject, parse_alertmanager
from gosms.wire.folding import FoldPolicy

GROUPS = 8
WINDOW = 15.0
"""Long beside the time the posts take on a loaded machine (well under a second each), short enough
for a test: every group after the first is posted inside the first one's window."""


def group(n: int, *, status: str = "firing", severities: tuple[str, ...] = ("warning", "critical")) -> dict:
    return alertmanager_payload([{"alertname": f"Disk{n}", "instance": "db1:9100", "severity": s}
                                 for s in severities], status=status, common={"instance": "db1:9100"})


@pytest.mark.parametrize(("status", "severities", "expected"), [
    ("firing", ("warning", "critical"), ("PROBLEM", "db1:9100", "Disk1", "CRITICAL")),
    ("firing", ("info", "warning"), ("PROBLEM", "db1:9100", "Disk1", "WARNING")),
    ("firing", ("",), ("PROBLEM", "db1:9100", "Disk1", "")),
    ("resolved", ("critical",), ("RECOVERY", "db1:9100", "Disk1", "OK")),
])
def test_a_group_is_a_problem_at_its_highest_severity_or_a_recovery(status, severities, expected) -> None:
    # One alert name per group here, so the common name is the service; the instance is the host.
    note = parse_alertmanager(group(1, status=status, severities=severities))
    assert folding_subject(note) == expected


def test_without_fold_each_group_goes_alone_with_its_alert_fields(emu: Emulator, outbox: Outbox,
                                                                   start_relay) -> None:
    relay = start_relay()
    for n in range(3):
        assert post(f"{relay.url}/alertmanager?to={PHONE}", group(n))[0] == 200
    wait_for(lambda: len(outbox.entries(("sent",))) == 3, 90, "three SMS sent alone")
    entries = outbox.entries()
    assert {(e.kind, e.severity, e.fold_window, e.folded_into) for e in entries} == {("PROBLEM", "CRITICAL", 0, "")}
    assert sorted(e.service for e in entries) == ["Disk0", "Disk1", "Disk2"]
    assert len(emu.messages()) == 3


def test_with_fold_many_groups_to_one_number_leave_as_the_burst_and_a_digest(emu: Emulator, outbox: Outbox,
                                                                             start_relay) -> None:
    relay = start_relay(fold=FoldPolicy(burst=1, window=WINDOW))
    for n in range(GROUPS):
        status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", group(n))
        assert (status, answer["queued"]) == (200, 1)
    # The runner wakes when the window closes (not at its 60 s interval) and sends the digest.
    wait_for(lambda: all(e.state in ("sent", "folded") for e in outbox.entries())
             and any(e.kind == "digest" and e.state == "sent" for e in outbox.entries()), 120, "the digest")
    entries = outbox.entries()
    groups = [e for e in entries if e.kind != "digest"]
    digests = {e.id: e for e in entries if e.kind == "digest"}
    alone = [e for e in groups if not e.folded_into]
    assert len(groups) == GROUPS and len(alone) == 1 and alone[0].service == "Disk0"  # the burst: the first
    assert {e.folded_into for e in groups if e.folded_into} == set(digests)
    assert sorted(i for d in digests.values() for i in d.carries) == sorted(e.id for e in groups if e.folded_into)
    texts = [m["message"] for m in emu.messages()]
    assert len(texts) == 1 + len(digests) < GROUPS
    carried = sum(len(d.carries) for d in digests.values())
    assert carried == GROUPS - 1
    digest_texts = [t for t in texts if t.startswith("Digest")]
    assert digest_texts and all("CRITICAL" in t and "db1:9100" in t for t in digest_texts), texts
