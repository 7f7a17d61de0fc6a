"""Recipient notify entities: ``notify.send_message`` texts the number through the emulator."""

from __future__ import annotations

from custom_components.gosms.const import CONF_DEVICE_IDS, CONF_INVALID_CHARS, DOMAIN
from custom_components.gosms.issues import issue_id
from gosms.emulator import Emulator
from gosms.wire.validation import INVALID_CHARS_CHOICES
from homeassistant.components.notify import (
    ATTR_MESSAGE,
    ATTR_TITLE,
    DOMAIN as NOTIFY_DOMAIN,
    SERVICE_SEND_MESSAGE,
    NotifyEntityFeature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import RECIPIENT_PHONE

ENTITY = "notify.on_call"


async def send(hass: HomeAssistant, message: str, title: str | None = None) -> None:
    data = {ATTR_ENTITY_ID: ENTITY, ATTR_MESSAGE: message}
    if title is not None:
        data[ATTR_TITLE] = title
    await hass.services.async_call(NOTIFY_DOMAIN, SERVICE_SEND_MESSAGE, data, blocking=True)


async def test_entity(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    state = hass.states.get(ENTITY)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == NotifyEntityFeature.TITLE
    subentry_id = next(iter(init_integration.subentries))
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, subentry_id)})
    assert device is not None
    assert device.name == "On-call"
    assert device.config_entries_subentries[init_integration.entry_id] == {subentry_id}


async def test_send_with_title(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    await send(hass, "Door open", title="Alarm")
    await send(hass, "All clear")
    sent = [(m["phone_number"], m["message"]) for m in emulator.messages()]
    assert sent == [(RECIPIENT_PHONE, "Alarm\nDoor open"), (RECIPIENT_PHONE, "All clear")]
    state = hass.states.get(ENTITY)
    assert state is not None
    assert state.state != STATE_UNKNOWN  # the time of the last message


async def test_refused_text_raises(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, "Fire 🔥")
    assert caught.value.translation_key == "invalid_input_2002"
    assert caught.value.translation_placeholders["code"] == "2002"
    assert emulator.messages() == []


@pytest.mark.parametrize("entry_options", [{CONF_DEVICE_IDS: [], CONF_INVALID_CHARS: INVALID_CHARS_CHOICES[-1]}])
async def test_option_replaces_refused_text(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    await send(hass, "Fire 🔥")
    [message] = emulator.messages()
    assert message["message"].startswith("Fire ")
    assert "🔥" not in message["message"]


async def test_quota_reached_then_lifted(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    emulator.set_scenario(quota=0)
    with pytest.raises(HomeAssistantError) as caught:
        await send(hass, "Door open")
    assert caught.value.translation_key == "api_error_1006"
    assert caught.value.translation_placeholders["code"] == "1006"
    assert "1006" in str(caught.value)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "quota_reached"))
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING

    # A poll cannot tell whether sending works again: the issue stays.
    await entry.runtime_data.coordinator.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "quota_reached")) is not None

    emulator.set_scenario(quota=None)
    await send(hass, "Door open")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "quota_reached")) is None
