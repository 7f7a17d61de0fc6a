"""Diagnostics: useful for support, with the token and every phone number redacted."""

from __future__ import annotations

import json

from gosms.emulator import Emulator
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from .conftest import RECIPIENT_PHONE


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    text = json.dumps(result)
    assert emulator.token not in text
    assert RECIPIENT_PHONE not in text
    assert init_integration.unique_id not in text
    # Volatile values (the emulator's port, generated device ids, heartbeat times) are left out
    # of the snapshot; the redaction above is checked on the full result.
    assert result == snapshot(
        exclude=props(
            "api_url", "device_ids", "watched_devices", "devices", "subentry_id", "entry_id", "last_exception"
        )
    )
    [device] = result["coordinator"]["devices"].values()
    assert device["device_id"] == emulator.device_id
    assert device["online"] is True
