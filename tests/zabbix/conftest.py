"""Fixtures of the Zabbix tests: an emulated account with the test token, and the shipped script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from zabbix_support import SECRET, media_type

from gosms.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh account whose only token is SECRET, with one phone ready to send."""
    with Emulator(tokens=[SECRET]) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The media type's script, exactly as zabbix/gosms.yaml carries it, in a file for zabbix_js."""
    path = tmp_path_factory.mktemp("zabbix-script") / "gosms.js"
    path.write_text(media_type()["script"], encoding="utf-8")
    return path
