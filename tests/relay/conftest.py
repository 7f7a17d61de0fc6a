"""Fixtures of the relay tests: an emulated account, a client for it, an outbox, a relay in-process.

The in-process relay is the same :class:`gosms.relay.server.Relay` that ``gosms relay`` runs, bound
to a free loopback port; the tests that must kill it with -9 start the real command instead
(:class:`relay_helpers.RelayProcess`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from relay_helpers import FAST_RETRY, SECRET

from gosms import Client, Outbox
from gosms.emulator import Emulator
from gosms.relay.server import Relay


@pytest.fixture(autouse=True, scope="session")
def private_runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Budget files of the test accounts go to a folder of this run, not the user's runtime dir."""
    path = tmp_path_factory.mktemp("runtime")
    path.chmod(0o700)
    before = os.environ.get("GOSMS_RUNTIME_DIR")
    os.environ["GOSMS_RUNTIME_DIR"] = str(path)
    yield str(path)
    if before is None:
        del os.environ["GOSMS_RUNTIME_DIR"]
    else:
        os.environ["GOSMS_RUNTIME_DIR"] = before


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
