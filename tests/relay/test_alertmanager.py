"""End to end: a real ``prometheus-alertmanager`` (Debian's 0.25) posting to the real ``gosms relay``.

Alerts go in through Alertmanager's own API (``POST /api/v2/alerts``), Alertmanager groups them and
posts its webhook to the relay, the relay queues and sends to the emulator.  Alertmanager runs in
the foreground with a config in a temp folder, no cluster, short group timers, on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from relay_helpers import AUTH, PHONE, SECRET, RelayProcess, alertmanager_payload, post, wait_for

from gosms import Outbox
from gosms.delivery.outbox import PENDING
from gosms.emulator import Emulator

ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Alertmanager:
    def __init__(self, folder: Path, webhook_url: str, credentials: Path | None) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        http_config = ("\n        http_config:\n          authorization:\n            type: Bearer\n"
                       f"            credentials_file: {credentials}" if credentials else "")
        (folder / "alertmanager.yml").write_text(f"""\
route:
  receiver: gosms
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: gosms
    webhook_configs:
      - url: '{webhook_url}'
        send_resolved: true{http_config}
""")
        self.log = folder / "alertmanager.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Alertmanager:
        with self.log.open("wb") as handle:
            self.proc = subprocess.Popen(
                [ALERTMANAGER, f"--config.file={self.folder / 'alertmanager.yml'}",
                 f"--storage.path={self.folder / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
                 "--cluster.listen-address=", "--log.level=debug"],
                stdout=handle, stderr=subprocess.STDOUT)
        wait_for(self._ready, 60, "Alertmanager to be ready")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"alertmanager exited: {self.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(f"{self.url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200

    def webhook_counts(self) -> tuple[int, int]:
        """Notifications Alertmanager sent to webhooks, and those that failed (its own metrics)."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=30) as answer:
            text = answer.read().decode()

        def value(name: str) -> int:
            found = re.search(rf'^{name}{{integration="webhook"}} (\S+)$', text, re.M)
            return int(float(found.group(1))) if found else 0

        return value("alertmanager_notifications_total"), value("alertmanager_notifications_failed_total")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def cpu_alerts(started: datetime, *, resolved: bool = False) -> list[dict[str, Any]]:
    """Two HighCPU alerts; ``started`` is now at first, as an alert that just began.

    An alert that began longer than group_wait ago makes Alertmanager flush its group at once, before
    the second alert of the same post has joined it: real alerts arrive as they begin.
    """
    alerts = []
    for instance in ("web1:9100", "web2:9100"):
        alert: dict[str, Any] = {"labels": {"alertname": "HighCPU", "instance": instance, "severity": "critical"},
                                 "annotations": {"summary": "CPU above 90%"}, "startsAt": iso(started)}
        if resolved:
            alert["endsAt"] = iso(datetime.now(timezone.utc) - timedelta(seconds=1))
        alerts.append(alert)
    return alerts


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(tokens=[SECRET]) as emulator:
        yield emulator


@pytest.fixture
def stack(emu: Emulator, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A relay on 127.0.0.2 (off 127.0.0.1, so it requires the token) and an Alertmanager that has it."""
    auth = tmp_path / "relay-token"
    auth.write_text(AUTH + "\n")
    auth.chmod(0o600)
    listen = f"127.0.0.2:{free_port('127.0.0.2')}"
    relay = RelayProcess(emu.url, tmp_path / "outbox", listen, "--auth-token-file", str(auth),
                         log=tmp_path / "relay.log").start()
    am = Alertmanager(tmp_path, f"http://{listen}/alertmanager?to={PHONE}", auth).start()
    yield {"relay": relay, "am": am, "outbox": tmp_path / "outbox", "log": tmp_path / "relay.log"}
    am.stop()
    relay.stop()
    text = (tmp_path / "relay.log").read_text()
    assert SECRET not in text and AUTH not in text, "a token leaked into the relay's log"
    assert "Traceback" not in text, text


def messages(emu: Emulator, prefix: str) -> list[dict[str, Any]]:
    return [m for m in emu.messages() if m["message"].startswith(prefix)]


def test_two_alerts_become_one_sms_and_resolving_them_sends_the_recovery(emu, stack) -> None:
    am = stack["am"]
    started = datetime.now(timezone.utc)
    am.post_alerts(cpu_alerts(started))
    firing = wait_for(lambda: messages(emu, "FIRING"), 60, "the firing SMS")
    text = firing[0]["message"]
    assert text.startswith("FIRING 2 critical: HighCPU on ") and "web1:9100" in text and "web2:9100" in text
    assert text.endswith(" - CPU above 90%")
    am.post_alerts(cpu_alerts(started, resolved=True))
    resolved = wait_for(lambda: messages(emu, "RESOLVED"), 60, "the recovery SMS")
    assert resolved[0]["message"].startswith("RESOLVED 2: HighCPU on ")
    time.sleep(3)  # three more group intervals: nothing else may arrive
    assert len(messages(emu, "FIRING")) == 1 and len(messages(emu, "RESOLVED")) == 1
    assert len(emu.messages()) == 2
    assert {m["phone_number"] for m in emu.messages()} == {PHONE}


def test_off_loopback_an_unauthenticated_post_gets_401_and_a_malformed_one_400(emu, stack) -> None:
    url = f"{stack['relay'].url}/alertmanager?to={PHONE}"
    status, answer, _ = post(url, alertmanager_payload([{"alertname": "X"}]))
    assert status == 401 and "bearer token is required" in answer["error"]
    status, answer, _ = post(url, b'{"version": "4", "alerts": [', headers={"Authorization": f"Bearer {AUTH}"})
    assert status == 400 and "not JSON" in answer["error"]
    assert not any(stack["outbox"].rglob("*.json"))  # nothing queued
    assert emu.messages() == []


def test_alertmanager_without_the_token_is_refused_and_counts_a_failure(emu, stack, tmp_path) -> None:
    # A second Alertmanager whose receiver lacks http_config.authorization: its own metrics show the refusal.
    folder = tmp_path / "bare"
    folder.mkdir()
    bare = Alertmanager(folder, f"{stack['relay'].url}/alertmanager?to={PHONE}", None).start()
    try:
        bare.post_alerts(cpu_alerts(datetime.now(timezone.utc)))
        wait_for(lambda: bare.webhook_counts()[1] >= 1, 60, "Alertmanager to count the refused notification")
    finally:
        bare.stop()
    assert "401" in bare.log.read_text()
    assert emu.messages() == []


def test_a_relay_killed_with_9_after_answering_200_loses_nothing(emu, stack) -> None:
    emu.outage(None)  # GoSMS down: the alert can only wait in the outbox
    am, relay = stack["am"], stack["relay"]
    am.post_alerts(cpu_alerts(datetime.now(timezone.utc)))
    # Alertmanager logs "Notify success" only once it has read a 2xx: then the relay has answered 200.
    wait_for(lambda: 'msg="Notify success"' in am.log.read_text(), 60, "Alertmanager to have its 200")
    assert len(wait_for(lambda: Outbox(stack["outbox"]).entries(PENDING), 30, "the entry waiting")) == 1
    relay.kill9()
    emu.end_outage()
    relay.start()
    wait_for(lambda: messages(emu, "FIRING 2 critical: HighCPU"), 90, "the SMS after the restart")
    wait_for(lambda: list((stack["outbox"] / "sent").glob("*.json")), 30, "the entry to be marked sent")
    time.sleep(2)
    assert len(emu.messages()) == 1
    assert am.log.read_text().count("Notify attempt failed") == 0  # it never had to resend
