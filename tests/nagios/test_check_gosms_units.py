"""In-process tests of the pieces whose failures a subprocess run hides: state file, time budget."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gosms_nagios.check.contexts import duration
from gosms_nagios.common.budget import Budget, budget_for_timeout
from nagios_support import SECRET

from gosms.clients.sync import DEFAULT_TIMEOUT, Client
from gosms.delivery.usage_state import StateFile, default_state_dir, default_state_path, state_key
from gosms.wire.config import Token

URL = "https://api.gosms.ru/v1"


def test_default_state_location_names_no_token() -> None:
    token = Token(SECRET)
    assert default_state_dir({}) == Path("/var/tmp")
    assert default_state_dir({"XDG_CACHE_HOME": "relative/not/used"}) == Path("/var/tmp")
    assert default_state_dir({"XDG_CACHE_HOME": "/home/n/.cache"}) == Path("/home/n/.cache/gosms-ops")
    path = default_state_path(URL, token, {})
    assert path.name == f"usage-{os.getuid()}-{state_key(URL, token)}.json"
    assert SECRET not in str(path)
    assert state_key(URL, token) != state_key(URL, Token(SECRET + "x")), "one file per token"
    assert state_key(URL, token) != state_key("https://proxy.example/v1", token), "one file per address"


def test_state_round_trip_is_private_and_atomic(tmp_path: Path) -> None:
    store = StateFile(tmp_path / "sub" / "state.json", URL)
    assert store.load() is None and "no state file yet" in store.note
    assert store.save({"month": "2026-11", "count": 7, "newest_time": 1, "newest_ids": ["a"]}) is None
    assert (tmp_path / "sub").stat().st_mode & 0o777 == 0o700
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.load() == {"month": "2026-11", "count": 7, "newest_time": 1, "newest_ids": ["a"]}
    assert [p.name for p in store.path.parent.iterdir()] == ["state.json"], "no temporary file left"
    assert StateFile(store.path, "https://other.example/v1").load() is None, "another address starts afresh"


def test_state_symlink_is_neither_followed_nor_written_through(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("do not touch")
    link = tmp_path / "state.json"
    link.symlink_to(target)
    store = StateFile(link, URL)
    assert store.load() is None
    assert "symbolic link" in store.note
    assert store.save({"month": "2026-11", "count": 1}) is None
    assert target.read_text() == "do not touch"
    assert not link.is_symlink(), "the link itself was replaced"


def test_unwritable_state_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    problem = StateFile(blocker / "state.json", URL).save({"count": 1})
    assert problem and "cannot write the state file" in problem


@pytest.mark.parametrize("timeout", [1, 3, 10, 20, 60])
def test_budget_keeps_every_call_inside_the_plugin_timeout(timeout: int) -> None:
    now = [0.0]
    budget = Budget(budget_for_timeout(timeout), clock=lambda: now[0])
    assert 0 < budget.seconds < timeout
    client = Client(SECRET, api_url="http://127.0.0.1:9/v1")
    budget.arm(client)
    connect, read = client.timeout  # type: ignore[misc]
    assert connect <= DEFAULT_TIMEOUT[0] and read <= DEFAULT_TIMEOUT[1]
    # the worst case of one operation: a retry starts at the deadline and waits its whole timeouts
    assert client.retry.deadline + connect + read <= budget.seconds + 1e-9
    now[0] = budget.seconds - 0.1
    assert budget.exhausted()


def test_duration_words() -> None:
    assert duration(40) == "40 s"
    assert duration(500) == "8 min"
    assert duration(3 * 3600 + 300) == "3 h 5 min"
    assert duration(3 * 86400 + 4 * 3600) == "3 d 4 h"
