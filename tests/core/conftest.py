"""Fixtures of the core tests: an emulator with a recognisable token, and a client for it.

Everything runs over real HTTP on loopback against :mod:`gosms.emulator`; nothing in requests or
aiohttp is mocked, so a test proves what a user of the library or the command would see.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from core_helpers import FAST_RETRY, SECRET

from gosms import Client
from gosms.emulator import Emulator


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
