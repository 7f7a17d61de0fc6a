"""The ``gosms_emulator`` fixture, registered for every pytest run through the pytest11 entry point.

It imports the emulator only when a test asks for the fixture, so loading the plugin costs nothing
and starts nothing in test suites that never use it (Home Assistant's, for one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from . import Emulator

__all__ = ["gosms_emulator"]


@pytest.fixture
def gosms_emulator() -> Iterator[Emulator]:
    """A fresh emulator per test: one token (``.token``), one ready phone, API at ``.url``."""
    from . import Emulator

    with Emulator() as emulator:
        yield emulator
