"""Entries of GoSMS's own integration (same domain, ``{"api_key": ...}``) are adopted, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
import logging
from unittest.mock import patch

from custom_components.gosms.const import CONF_API_TOKEN, CONF_API_URL, DOMAIN
from custom_components.gosms.migration import MINOR_VERSION, VERSION, adopted_data
from custom_components.gosms.util import token_fingerprint
from gosms import DEFAULT_API_URL
from gosms.emulator import Emulator
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry


def _foreign_entry(data: dict[str, str]) -> MockConfigEntry:
    """What GoSMS's own integration stores: version 1.1, the domain as unique id, the token as api_key."""
    return MockConfigEntry(domain=DOMAIN, title="GoSMS RU", data=data, unique_id=DOMAIN, version=1, minor_version=1)


@pytest.fixture
def official_url_is_the_emulator(emulator: Emulator) -> Iterator[None]:
    # The official API address cannot be reached from the tests (no network): an adopted entry is
    # pointed at it, so here that address leads to the emulator.
    with patch("custom_components.gosms.migration.DEFAULT_API_URL", emulator.url):
        yield


async def test_an_entry_of_the_vendors_integration_is_adopted_and_loads(
    hass: HomeAssistant, emulator: Emulator, official_url_is_the_emulator: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = _foreign_entry({"api_key": f" {emulator.token}\n"})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert dict(entry.data) == {CONF_API_TOKEN: emulator.token, CONF_API_URL: emulator.url}
    assert (entry.version, entry.minor_version) == (VERSION, MINOR_VERSION)
    assert entry.unique_id == token_fingerprint(emulator.token)
    assert entry.title == "GoSMS RU"
    assert "Traceback" not in caplog.text and emulator.token not in caplog.text


def test_an_adopted_entry_gets_the_official_address() -> None:
    """The vendor's entries store no address: theirs is GoSMS's official one, which the core names."""
    assert adopted_data({"api_key": "t0ken"}) == {CONF_API_TOKEN: "t0ken", CONF_API_URL: DEFAULT_API_URL}
    # A token already in this integration's key wins over a stray api_key, which is dropped.
    assert adopted_data({CONF_API_TOKEN: "mine", "api_key": "theirs", CONF_API_URL: "https://x.example/v1"}) == {
        CONF_API_TOKEN: "mine", CONF_API_URL: "https://x.example/v1"}


@pytest.mark.parametrize("data", [{"api_key": ""}, {"api_key": "   "}, {}], ids=["empty", "blank", "missing"])
async def test_an_entry_without_a_token_asks_for_one_through_reauth(
    hass: HomeAssistant,
    emulator: Emulator,
    official_url_is_the_emulator: None,
    caplog: pytest.LogCaptureFixture,
    data: dict[str, str],
) -> None:
    entry = _foreign_entry(data)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "Traceback" not in caplog.text and "KeyError" not in caplog.text
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {CONF_API_TOKEN: emulator.token})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_API_TOKEN] == emulator.token


async def test_an_entry_of_this_integration_keeps_its_data(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    assert dict(entry.data) == {CONF_API_TOKEN: emulator.token, CONF_API_URL: emulator.url}
    assert entry.unique_id == token_fingerprint(emulator.token)
    assert (entry.version, entry.minor_version) == (VERSION, MINOR_VERSION)


async def test_a_vendor_entry_whose_token_is_already_configured_keeps_its_id(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, official_url_is_the_emulator: None
) -> None:
    foreign = _foreign_entry({"api_key": emulator.token})
    foreign.add_to_hass(hass)
    await hass.config_entries.async_setup(foreign.entry_id)
    await hass.async_block_till_done()
    assert foreign.unique_id == DOMAIN
    assert foreign.data[CONF_API_TOKEN] == emulator.token
    assert init_integration.unique_id == token_fingerprint(emulator.token)


async def test_an_entry_from_a_newer_major_version_is_refused(hass: HomeAssistant, emulator: Emulator) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_API_TOKEN: emulator.token, CONF_API_URL: emulator.url},
                            version=VERSION + 1)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
