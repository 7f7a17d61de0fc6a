"""Fixtures: Home Assistant with the integration, talking to the GoSMS emulator over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import threading
from typing import Any
from unittest.mock import patch

from custom_components.gosms.const import (
    CONF_API_TOKEN,
    CONF_API_URL,
    CONF_DEVICE_IDS,
    CONF_PHONE_NUMBER,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from custom_components.gosms.util import token_fingerprint
from gosms import RetryPolicy
from gosms.emulator import Emulator
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

RECIPIENT_PHONE = "79991234567"
RECIPIENT_NAME = "On-call"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/gosms from this checkout."""


@pytest.fixture(autouse=True)
def fast_retries() -> Iterator[None]:
    """The core's retry logic as shipped, with millisecond back-off so failing tests stay fast."""
    poll = RetryPolicy(attempts=3, deadline=5.0, base=0.001, cap=0.01)
    send = RetryPolicy(attempts=4, deadline=5.0, base=0.001, cap=0.01)
    with patch("custom_components.gosms.POLL_RETRY", poll), patch("custom_components.gosms.SEND_RETRY", send):
        yield


@pytest.fixture
def emulator(socket_enabled: None, gosms_emulator: Emulator) -> Iterator[Emulator]:
    """The project's emulator on 127.0.0.1 (sockets are allowed for these tests only).

    Home Assistant's harness fails a test that leaves threads behind, so the emulator's
    per-connection threads are waited for after it stops.
    """
    yield gosms_emulator
    stop_emulator(gosms_emulator)


def stop_emulator(emulator: Emulator) -> None:
    """Stop the emulator and wait for its per-connection threads (the harness fails on leftovers)."""
    emulator.stop()
    for thread in threading.enumerate():
        # ThreadingHTTPServer names its per-connection threads after process_request_thread.
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)


@pytest.fixture
def entry_options(emulator: Emulator) -> dict[str, Any]:
    return {CONF_DEVICE_IDS: [emulator.device_id]}


@pytest.fixture
def config_entry(emulator: Emulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """An entry for the emulator's account with one watched phone and one recipient."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="GoSMS",
        data={CONF_API_TOKEN: emulator.token, CONF_API_URL: emulator.url},
        options=entry_options,
        unique_id=token_fingerprint(emulator.token),
        subentries_data=[
            {
                "data": {CONF_PHONE_NUMBER: RECIPIENT_PHONE},
                "subentry_type": SUBENTRY_RECIPIENT,
                "title": RECIPIENT_NAME,
                "unique_id": RECIPIENT_PHONE,
            }
        ],
    )


@pytest.fixture
async def init_integration(hass: HomeAssistant, config_entry: MockConfigEntry) -> AsyncIterator[MockConfigEntry]:
    """The entry set up and loaded."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
