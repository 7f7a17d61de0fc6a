"""Fixtures for the conformance tests: a fresh independent fake per test, and the CLI in a subprocess.

The product is driven only through its public faces (console scripts, ``gosms.Client``), and the
expected texts come from ``gosms errors --json``, so these tests share no code with the emulator.
Run with ``-p no:sugar -p no:homeassistant -p no:socket`` (the HA plugin blocks loopback sockets).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_api import FakeGoSMS

BIN = Path(sys.executable).parent
CLI_TIMEOUT = 60


@dataclass
class Done:
    """One finished subprocess."""

    rc: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def token() -> str:
    """Long and random, so any leak of it into output is unmistakable."""
    return "gosms-conf-" + secrets.token_hex(20)


@pytest.fixture
def fake(token: str) -> Iterator[FakeGoSMS]:
    with FakeGoSMS(token) as api:
        yield api


def clean_env(token: Optional[str]) -> dict[str, str]:
    """The environment minus any GOSMS_* of the caller, plus the token when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_")}
    env["XDG_CACHE_HOME"] = env.get("XDG_CACHE_HOME", "/tmp")
    if token is not None:
        env["GOSMS_TOKEN"] = token
    return env


def run(argv: list[str], env: dict[str, str], stdin: Optional[str] = None, timeout: float = CLI_TIMEOUT) -> Done:
    import time

    start = time.monotonic()
    done = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    return Done(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


@pytest.fixture
def cli(fake: FakeGoSMS, token: str) -> Callable[..., Done]:
    """``cli(*args, token=...)``: ``gosms --api-url FAKE *args`` with the token in the environment."""

    def call(*args: str, use_token: bool = True, timeout: float = CLI_TIMEOUT) -> Done:
        return run([str(BIN / "gosms"), "--api-url", fake.url, *args], clean_env(token if use_token else None),
                   timeout=timeout)

    return call


@pytest.fixture(scope="session")
def error_table() -> dict[int, dict[str, Any]]:
    """The product's error table as its CLI lists it (``gosms errors --json``), by code."""
    done = run([str(BIN / "gosms"), "errors", "--json"], clean_env(None))
    assert done.rc == 0, done.output
    return {row["code"]: row for row in json.loads(done.stdout)["errors"]}


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The Home Assistant file needs HA's pytest plugin, which the main run turns off."""
    if collection_path.name == "test_ha_conformance.py" and not config.pluginmanager.has_plugin("homeassistant"):
        return True
    return None
