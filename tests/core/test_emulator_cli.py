"""``python -m gosms.emulator`` as a process: URL first on stdout, signals end it cleanly."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest
import requests

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _first_line(stream: IO[str], timeout: float = 15) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=timeout)


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "gosms.emulator", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        return process, _first_line(process.stdout).rstrip("\n")  # type: ignore[arg-type]
    except BaseException:
        process.kill()
        process.communicate()
        raise


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_prints_the_url_first_serves_and_exits_0_on_signal(stop_signal: signal.Signals) -> None:
    process, url = _start("--token", "cli-secret-1", "--token", "cli-secret-2")
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        sent = requests.post(url + "/sms/send", json={"message": "hi", "phone_number": "79990001122"},
                             headers={"Authorization": "Bearer cli-secret-2"}, timeout=5)
        assert sent.status_code == 200
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert stdout == ""  # nothing after the URL line
    assert "cli-secret" not in stderr and "2 token(s)" in stderr


def test_default_token_is_hinted_on_stderr(tmp_path: Path) -> None:
    process, url = _start("--device-format", "en", "--rate-limit", "0")
    try:
        assert requests.get(url[:-3] + "/_emulator/state", timeout=5).json()["device_format"] == "en"
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "demo-token" in stderr and "/_emulator" in stderr


def test_scenario_file_and_device_shortcut(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"tokens": ["from-file"], "devices": [], "quota": 10}), encoding="utf-8")
    device = "b1277815-fb6f-45e4-b87b-8dfb86b8f0a2"
    process, url = _start("--scenario", str(scenario), "--device", device)
    try:
        state = requests.get(url[:-3] + "/_emulator/state", timeout=5).json()
        assert [d["id"] for d in state["devices"]] == [device] and state["quota"] == 10
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0 and "from-file" not in stderr and device in stderr


def test_bad_scenario_file_exits_2_with_a_reason(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text('{"quota": "lots"}', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "gosms.emulator", "--scenario", str(scenario)],
                            capture_output=True, text=True, timeout=15)
    assert result.returncode == 2 and result.stdout == "" and "quota" in result.stderr
