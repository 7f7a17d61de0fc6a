"""A real Home Assistant process for the live test: its own config folder, port and owner.

Run without Home Assistant's pytest plugins (``-p no:homeassistant -p no:socket``): this talks to a
separate ``hass`` process over real sockets, which those plugins would block.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

COMPONENT = Path(__file__).resolve().parents[2] / "custom_components" / "gosms"

CONFIGURATION = """\
homeassistant:
  name: GoSMS live test
  time_zone: UTC
  country: RU
  language: en
  unit_system: metric
  currency: RUB
  latitude: 55.75
  longitude: 37.62
  elevation: 150
http:
  server_host: 127.0.0.1
  server_port: {port}
# What the test drives: onboarding (the owner and a token), the REST API, config entries and their
# flows, repairs, one automation. default_config would add dozens of integrations that only slow the boot.
onboarding:
api:
config:
repairs:
# A user's automation for alerts that never reached the handset: page a deputy instead (a push
# notification in real life; here a message the emulator records, so the test can read it).
automation:
  - alias: Page the deputy when an alert was not delivered
    triggers:
      - trigger: event
        event_type: gosms_message_undelivered
    actions:
      - action: gosms.send_sms
        data:
          phone_number: "{deputy}"
          message: >-
            Not delivered to {{{{ trigger.event.data.phone_number }}}}
            ({{{{ trigger.event.data.routes | length }}}} phones tried)
logger:
  default: warning
  logs:
    custom_components.gosms: debug
"""

DEPUTY_NUMBER = "79990000099"
"""Who the live configuration's automation pages when an alert was not delivered."""

BOOT_DEADLINE = 240.0
"""Seconds for the process to answer HTTP; a busy 2-core machine can take a minute or more."""


def _die_with_parent(command: list[str]) -> list[str]:
    """``command`` under ``setpriv --pdeathsig KILL`` (util-linux) where there is one.

    The fixture's ``finally`` takes the process group down on any ordinary end of the test; this
    covers the end no ``finally`` sees, the test process itself killed (a stage's time budget).
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HassProcess:
    """``hass -c CONFIG`` in its own process group, killed as a whole at the end."""

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = config_dir / "hass.out"
        self.process: subprocess.Popen[bytes] | None = None
        self.token = ""

    def start(self) -> None:
        (self.config_dir / "configuration.yaml").write_text(CONFIGURATION.format(port=self.port, deputy=DEPUTY_NUMBER))
        custom = self.config_dir / "custom_components"
        custom.mkdir()
        (custom / "gosms").symlink_to(COMPONENT, target_is_directory=True)
        hass = Path(sys.executable).with_name("hass")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                _die_with_parent([str(hass), "--config", str(self.config_dir)]),
                cwd=self.config_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + BOOT_DEADLINE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hass exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/api/onboarding", timeout=5).ok:
                    return
            time.sleep(1)
        raise RuntimeError(f"hass did not answer within {BOOT_DEADLINE:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate the whole process group; kill it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- HA's own APIs -----------------------------------------------------------------------------

    def onboard(self) -> None:
        """Create the owner as the onboarding page does, and trade its code for an access token."""
        client_id = f"{self.url}/"
        answer = requests.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Owner",
                "username": "owner",
                "password": "live-test-password",
                "language": "en",
            },
            timeout=60,
        )
        answer.raise_for_status()
        tokens = requests.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": answer.json()["auth_code"], "client_id": client_id},
            timeout=60,
        )
        tokens.raise_for_status()
        self.token = tokens.json()["access_token"]

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        answer = requests.post(
            f"{self.url}{path}", json=payload, headers={"Authorization": f"Bearer {self.token}"}, timeout=120
        )
        assert answer.ok, f"POST {path}: HTTP {answer.status_code} {answer.text[:500]}"
        return answer.json()

    def get(self, path: str) -> Any:
        answer = requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        if answer.status_code == 404:
            return None
        assert answer.ok, f"GET {path}: HTTP {answer.status_code} {answer.text[:500]}"
        return answer.json()


@contextlib.contextmanager
def running_hass(config_dir: Path) -> Iterator[HassProcess]:
    process = HassProcess(config_dir)
    try:
        process.start()
        yield process
    finally:
        process.stop()
