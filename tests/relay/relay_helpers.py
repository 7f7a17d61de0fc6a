"""Helpers of the relay tests: real HTTP posts, payloads as Alertmanager and Grafana write them.

Nothing is mocked: posts go over loopback sockets to a relay that writes a real outbox and sends
to the emulator.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gosms import RetryPolicy

SECRET = "tok-5d0e7b31c2a94f86b1e0-RELAY-SECRET"
"""The GoSMS test token: long and unique, so finding it in any output means a leak."""
AUTH = "relay-bearer-9c41d7e2f0b38a65-AUTH"
"""The relay's own bearer token, equally recognisable."""
PHONE = "79991234567"
OTHER = "79997654321"
FAST_RETRY = RetryPolicy(attempts=6, deadline=10.0, base=0.05, factor=2.0, cap=0.5)
DATA = Path(__file__).with_name("data")


def post(url: str, body: bytes | str | Any, *, headers: dict[str, str] | None = None,
         timeout: float = 30.0) -> tuple[int, dict[str, Any], dict[str, str]]:
    """POST ``body`` (JSON-encoded unless bytes or str) and return status, JSON answer and headers."""
    parts = urlsplit(url)
    data = body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else json.dumps(body).encode()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body=data,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else {}, dict(response.getheaders())
    finally:
        conn.close()


def alertmanager_payload(alerts: Sequence[dict[str, str]], *, status: str = "firing", receiver: str = "sms",
                         common: dict[str, str] | None = None, summary: str = "") -> dict[str, Any]:
    """A version 4 webhook body in Alertmanager's shape; each alert given by its labels."""
    items = [{
        "status": status,
        "labels": labels,
        "annotations": {"summary": summary} if summary else {},
        "startsAt": "2026-12-04T20:00:00Z",
        "endsAt": "2026-12-04T20:05:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph",
        "fingerprint": f"{i:016x}",
    } for i, labels in enumerate(alerts)]
    return {
        "version": "4", "groupKey": "{}:{alertname=\"x\"}", "truncatedAlerts": 0, "status": status,
        "receiver": receiver, "groupLabels": {}, "commonLabels": common or {},
        "commonAnnotations": {"summary": summary} if summary else {},
        "externalURL": "http://alertmanager.example:9093", "alerts": items,
    }


def wait_for(condition: Callable[[], Any], timeout: float = 60.0, what: str = "the condition") -> Any:
    """Poll until ``condition()`` is truthy; generous, because the machine is shared and slow."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        for secret in (SECRET, AUTH):
            assert secret not in str(text), f"a token leaked into: {str(text)[:300]}"


def gosms_command() -> list[str]:
    script = Path(sys.executable).with_name("gosms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gosms"]


def clean_env(api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
    env.update(GOSMS_TOKEN=SECRET, GOSMS_API_URL=api_url, PYTHONIOENCODING="utf-8", **extra)
    return env


class RelayProcess:
    """``gosms relay`` in a subprocess: the real command, killable with -9."""

    def __init__(self, api_url: str, outbox: Path, listen: str, *args: str, log: Path) -> None:
        self.listen = listen
        self.log = log
        self.argv = [*gosms_command(), "-v", "relay", "--listen", listen, "--outbox", str(outbox), "--deadline", "10",
                     *args]
        self.env = clean_env(api_url)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.listen}"

    def start(self) -> RelayProcess:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=handle, stderr=handle)
        handle.close()
        wait_for(self._listening, 60, f"the relay to listen on {self.listen}")
        return self

    def _listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the relay exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
        host, port = self.listen.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.terminate()
        return self.proc.wait(60)
