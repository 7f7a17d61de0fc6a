"""``gosms relay`` as a user starts it: set-up mistakes stop it at once with one line and exit 3."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from relay_helpers import (
    AUTH,
    PHONE,
    SECRET,
    RelayProcess,
    alertmanager_payload,
    assert_no_secret,
    clean_env,
    gosms_command,
    post,
    wait_for,
)

from gosms.relay.routes import load_routes
from gosms.wire.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*gosms_command(), *args], capture_output=True, text=True, timeout=120, check=False,
                          env=env or clean_env("http://127.0.0.1:9/v1"))
    assert_no_secret(done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_the_command_line_lists_the_relay_among_its_commands() -> None:
    done = run("--help")
    assert done.returncode == 0 and "relay" in done.stdout
    assert "--auth-token-file" in run("relay", "--help").stdout


def test_listening_off_127_0_0_1_without_a_token_is_refused_before_binding(tmp_path) -> None:
    done = run("relay", "--listen", "0.0.0.0:0", "--outbox", str(tmp_path / "outbox"))
    assert done.returncode == 3
    assert "without a token: give --auth-token-file" in done.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{", "is not valid JSON"),
        ('{"routes": [{"to": ["79991234567"]}]}', "routes[0] matches every group"),
        ('{"default": ["+7 999"]}', "default has a number the API would refuse"),
        ('{"default": []}', "default must be a list of numbers"),
        ('{"rutes": []}', "must be a JSON object with 'routes' and/or 'default'"),
    ],
)
def test_a_bad_routes_file_stops_the_relay_with_the_reason(tmp_path, content, words) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(content)
    done = run("relay", "--routes", str(routes), "--listen", "127.0.0.1:0", "--outbox", str(tmp_path / "o"))
    assert done.returncode == 3, done.stderr
    assert words in done.stderr
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]").replace("+", r"\+")):
        load_routes(routes)


def test_an_unreadable_auth_token_file_is_named(tmp_path) -> None:
    done = run("relay", "--listen", "127.0.0.1:0", "--auth-token-file", str(tmp_path / "missing"))
    assert done.returncode == 3
    assert done.stderr.startswith("gosms: ") and "--auth-token-file: Cannot read the token file" in done.stderr


def test_a_token_file_every_user_can_read_is_refused_as_the_core_refuses_it(tmp_path) -> None:
    auth = tmp_path / "auth"
    auth.write_text(AUTH)
    auth.chmod(0o644)
    done = run("relay", "--listen", "127.0.0.1:0", "--auth-token-file", str(auth), "--outbox", str(tmp_path / "o"))
    assert done.returncode == 3
    assert "--auth-token-file: " in done.stderr and "can be read by every user" in done.stderr


def test_sigterm_stops_the_relay_cleanly_with_exit_0(tmp_path) -> None:
    from gosms.emulator import Emulator

    with Emulator(tokens=[SECRET]) as emu:
        auth = tmp_path / "auth"
        auth.write_text(AUTH)
        auth.chmod(0o600)
        relay = RelayProcess(emu.url, tmp_path / "outbox", f"127.0.0.1:{_free_port()}", "--auth-token-file",
                             str(auth), log=tmp_path / "relay.log").start()
        body = alertmanager_payload([{"alertname": "A"}])
        assert post(f"{relay.url}/alertmanager?to={PHONE}", body, headers={"Authorization": f"Bearer {AUTH}"})[0] == 200
        wait_for(lambda: emu.messages(), 45, "the SMS")
        assert relay.stop() == 0
        log = (tmp_path / "relay.log").read_text()
        assert "relay stopped" in log
        assert_no_secret(log)


def test_a_relay_killed_in_the_middle_of_a_batch_write_loses_no_answered_post_and_sends_none_twice(tmp_path) -> None:
    # The writer thread writes every post waiting as one batch, the folder fsynced once for all, and only
    # then answers them: a kill -9 after some files of a batch are in new/ (GOSMS_TEST_KILL_AT stops the
    # process there for real) must leave every post answered 200 on disk, and the posts of the killed
    # batch, retried by their sender as Alertmanager retries, must each go out once.
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from gosms import Outbox
    from gosms.delivery.spool import ENV_KILL_AT
    from gosms.emulator import Emulator

    def send(url: str, n: int) -> int:
        try:
            return post(f"{url}/alertmanager?to={PHONE}", alertmanager_payload([{"alertname": f"Batch{n}"}]))[0]
        except (OSError, http.client.HTTPException):
            return 0  # killed before answering: the sender retries

    outbox = tmp_path / "outbox"
    with Emulator(tokens=[SECRET]) as emu:
        relay = RelayProcess(emu.url, outbox, f"127.0.0.1:{_free_port()}", log=tmp_path / "relay.log")
        relay.env[ENV_KILL_AT] = "write-new:8"
        relay.start()
        with ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda n: send(relay.url, n), range(20)))
        assert relay.proc is not None and relay.proc.wait(60) == -9
        answered = [n for n, status in enumerate(statuses) if status == 200]
        assert len(answered) < 20, statuses  # the post being written when the kill came was not answered
        kept = " ".join(entry.message for entry in Outbox(outbox).entries())
        assert all(f"Batch{n}" in kept for n in answered), (answered, kept)

        del relay.env[ENV_KILL_AT]
        relay.start()
        retried = [send(relay.url, n) for n in range(20) if n not in answered]
        assert retried == [200] * (20 - len(answered))
        wait_for(lambda: len(emu.messages()) >= 20, 90, "the twenty SMS")
        relay.stop()
        texts = sorted(m["message"] for m in emu.messages())
        assert texts == sorted(f"FIRING 1: Batch{n}" for n in range(20)), texts


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_shipped_examples_are_valid() -> None:
    routes = load_routes(REPO / "examples" / "gosms-relay-routes.json")
    assert routes.recipients("gosms-remote", {}) == ["79997654321"]
    assert routes.recipients("x", {"severity": "critical", "team": "db"}) == ["79990001122", "79991234567"]
    assert routes.recipients("x", {"severity": "critical"}) == ["79991234567"]
    amtool = shutil.which("amtool")
    assert amtool, "amtool comes with prometheus-alertmanager (scripts/setup.sh --icinga installs it)"
    done = subprocess.run([amtool, "check-config", str(REPO / "examples" / "alertmanager-gosms.yml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    unit = (REPO / "contrib" / "systemd" / "gosms-relay.service").read_text()
    assert "ExecStart=/usr/local/bin/gosms relay --listen 127.0.0.1:9797\n" in unit
