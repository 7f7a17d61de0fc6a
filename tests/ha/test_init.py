"""Setting up, unloading, reloading and removing entries; devices kept in step with the options."""

from __future__ import annotations

from custom_components.gosms import async_remove_config_entry_device
from custom_components.gosms.const import (
    CONF_API_TOKEN,
    CONF_API_URL,
    CONF_DEVICE_IDS,
    DOMAIN,
    SERVICE_SEND_SMS,
    UPDATE_INTERVAL,
)
from custom_components.gosms.issues import issue_id
from custom_components.gosms.services import SEND_SMS_SCHEMA
from gosms.emulator import Emulator
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

SECOND_DEVICE = "6622a8bbd963898821ebf934"


async def test_setup_and_unload(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    # The shared aiohttp session of Home Assistant carried the requests; the token never reached the log.
    assert {r["endpoint"] for r in emulator.requests()} == {"list", "device_info"}
    assert all(emulator.token not in str(r) for r in emulator.requests())

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    identifiers = {ident for device in devices for _, ident in device.identifiers}
    assert identifiers == {entry.entry_id, emulator.device_id, *entry.subentries}

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    # The action stays: it belongs to the integration, not to an entry.
    assert hass.services.has_service(DOMAIN, SERVICE_SEND_SMS)


async def test_action_registered_without_entries(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, SERVICE_SEND_SMS)


async def test_setup_auth_failure_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    emulator.set_scenario(tokens={"token0": {"active": False}})
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    # One notice of one problem: Home Assistant's re-authentication, no repair of the integration's own.
    assert [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN] == []


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    emulator.add_fault("http_500", endpoint="list", count=None)
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    emulator.clear_faults()


async def test_setup_refuses_unsafe_url(hass: HomeAssistant, emulator: Emulator) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_API_TOKEN: emulator.token, CONF_API_URL: "http://example.com/v1"})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "example.com" in (entry.reason or "")


async def test_options_change_reloads_and_moves_devices(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    first = emulator.device_id
    emulator.add_device(SECOND_DEVICE, name="Poco M3")
    device_registry = dr.async_get(hass)

    hass.config_entries.async_update_entry(entry, options={CONF_DEVICE_IDS: [SECOND_DEVICE]})
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert device_registry.async_get_device(identifiers={(DOMAIN, SECOND_DEVICE)}) is not None
    # The phone no longer watched is detached from the entry (and so leaves the registry).
    assert device_registry.async_get_device(identifiers={(DOMAIN, first)}) is None
    assert hass.states.get("sensor.poco_m3_battery") is not None
    entity_registry = er.async_get(hass)
    assert not [
        e for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id) if first in (e.unique_id or "")
    ]


async def test_remove_config_entry_device(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    device_registry = dr.async_get(hass)
    watched = device_registry.async_get_device(identifiers={(DOMAIN, emulator.device_id)})
    account = device_registry.async_get_device(identifiers={(DOMAIN, entry.entry_id)})
    assert watched is not None
    assert account is not None
    assert not await async_remove_config_entry_device(hass, entry, watched)
    assert not await async_remove_config_entry_device(hass, entry, account)

    stale = device_registry.async_get_or_create(config_entry_id=entry.entry_id, identifiers={(DOMAIN, SECOND_DEVICE)})
    assert await async_remove_config_entry_device(hass, entry, stale)


async def test_remove_entry_forgets_issues(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    emulator.set_scenario(account_blocked=True)
    await entry.runtime_data.coordinator.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "account_blocked")) is not None

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "account_blocked")) is None


async def test_action_description(hass: HomeAssistant) -> None:
    """services.yaml loads and describes every field the schema accepts."""
    assert await async_setup_component(hass, DOMAIN, {})
    descriptions = await async_get_all_descriptions(hass)
    fields = descriptions[DOMAIN][SERVICE_SEND_SMS]["fields"]
    assert set(fields) == {str(key) for key in SEND_SMS_SCHEMA.schema}
    assert fields["config_entry_id"]["selector"] == {"config_entry": {"integration": DOMAIN}}


async def test_lost_read_permission_opens_a_repair_and_its_return_closes_it(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    registry = ir.async_get(hass)
    emulator.set_scenario(tokens={"token0": {"permissions": {"read": False}}})
    await entry.runtime_data.coordinator.async_refresh()
    issue = registry.async_get_issue(DOMAIN, issue_id(entry, "permission_denied"))
    assert issue is not None and issue.translation_placeholders is not None
    assert issue.translation_placeholders["code"] == "1007"

    emulator.set_scenario(tokens={"token0": {"permissions": {"read": True}}})
    await entry.runtime_data.coordinator.async_refresh()
    assert registry.async_get_issue(DOMAIN, issue_id(entry, "permission_denied")) is None


async def _next_poll(hass: HomeAssistant) -> None:
    """Let the poll interval pass, as the scheduler sees it (the requests themselves are real)."""
    async_fire_time_changed(hass, dt_util.utcnow() + UPDATE_INTERVAL * 1.5)
    # Scheduled polls run as the entry's background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("entry_options", [{}])
async def test_account_watched_with_only_recipients_and_no_entity_enabled(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """The commonest set-up, "text me when…", with even the account's entities switched off."""
    entry = init_integration
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain != "notify":
            registry.async_update_entity(entity.entity_id, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert [state.domain for state in hass.states.async_all()] == ["notify"]

    emulator.clear_requests()
    emulator.set_scenario(account_blocked=True)
    await _next_poll(hass)
    assert [r["endpoint"] for r in emulator.requests()] == ["list"]
    key = issue_id(entry, "account_blocked")
    assert ir.async_get(hass).async_get_issue(DOMAIN, key) is not None

    # Unblocked: the next poll closes the repair, no send needed.
    emulator.set_scenario(account_blocked=False)
    await _next_poll(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, key) is None


async def test_setup_forgets_the_token_repair_of_earlier_versions(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    """Earlier versions opened their own repair for a refused token; it must not linger beside reauth."""
    config_entry.add_to_hass(hass)
    ir.async_create_issue(
        hass, DOMAIN, issue_id(config_entry, "auth_failed"), is_fixable=False, severity=ir.IssueSeverity.ERROR,
        translation_key="auth_failed",
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(config_entry, "auth_failed")) is None
