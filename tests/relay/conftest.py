"""Fixtures of the relay tests: an emulated account, a client for it, an outbox, a relay in-process.

The in-process relay is the same :class:`gosms.relay.server.Relay` that ``gosms relay`` runs, bound
to a free loopback port; the tests that must kill it with -9 start the real command instead
(:class:`relay_helpers.RelayProcess`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from relay_helpers import FAST_RETRY, SECRET

from gosms import Client, Outbox
from gosms.emulator import Emulator
from gosms.relay.server import Relay
from tests.support.runtime import private_runtime_dir  # noqa: F401 - autouse: every test of the suite


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(tokens=[SECRET]) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(SECRET, api_url=emu.url, retry=FAST_RETRY, timeout=(2.0, 5.0)) as c:
        yield c


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox")


@pytest.fixture
def start_relay(outbox: Outbox, client: Client) -> Iterator[Callable[..., Relay]]:
    """Start a relay on a free port with these options; every one started is stopped after the test."""
    started: list[Relay] = []

    def start(listen: str = "127.0.0.1:0", **options: Any) -> Relay:
        options.setdefault("interval", 60.0)  # long: a prompt send proves the post woke the runner
        relay = Relay(options.pop("outbox", outbox), client, listen=listen, **options).start()
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()
