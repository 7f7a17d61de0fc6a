"""Fixtures of the core tests: an emulator with a recognisable token, and a client for it.

Everything runs over real HTTP on loopback against :mod:`gosms.emulator`; nothing in requests or
aiohttp is mocked, so a test proves what a user of the library or the command would see.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from core_helpers import FAST_RETRY, SECRET
from hypothesis import HealthCheck, settings

from gosms import Client
from gosms.emulator import Emulator
from tests.support.runtime import private_runtime_dir  # noqa: F401 - autouse: every test of the suite

# Property tests: a fixed number of examples and no per-example deadline (CI shares 2 busy cores).
# The default "ci" profile is derandomized and keeps no example database, so the test command checks
# the same examples on every run; GOSMS_HYPOTHESIS_PROFILE=dev explores new random examples locally.
settings.register_profile("dev", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True, database=None)
settings.load_profile(os.environ.get("GOSMS_HYPOTHESIS_PROFILE") or "ci")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes tens of seconds (rate-limited bursts); part of the suite, deselect with "
        "-m 'not slow' for a quick run")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh emulated account whose only token is :data:`SECRET`, one phone ready to send."""
    with Emulator(tokens=[SECRET]) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(SECRET, api_url=emu.url, retry=FAST_RETRY, timeout=(2.0, 5.0)) as c:
        yield c
