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

__all__ = ["gosms_emulator", "gosms_phones"]


@pytest.fixture
def gosms_emulator() -> Iterator[Emulator]:
    """A fresh emulator per test: one token (``.token``), one ready phone, API at ``.url``."""
    from . import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def gosms_phones() -> Iterator[Emulator]:
    """A fresh emulator with two phones (``.phones``: first, second), both delivering, and deletes
    allowed at once (``delete_after: 0``) so a cancelled copy is really cancelled; steer a phone with
    ``emulator.set_phone(emulator.phones[0], "offline")`` and read copies with ``.deliveries()``."""
    from . import Emulator

    with Emulator(scenario={"devices": [{"name": "Phone A"}, {"name": "Phone B"}], "delete_after": 0}) as emulator:
        yield emulator
