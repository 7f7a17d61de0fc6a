"""The send action following alerts to the handset: failover phones, events, the undelivered sensor.

Two emulated phones, A and B, watched by the entry in that order; a test makes a phone quiet or
dead through the emulator's control API. Each phone gets WITHIN seconds, so a test takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from custom_components.gosms.const import CONF_DEVICE_IDS, DOMAIN, SERVICE_SEND_SMS
from custom_components.gosms.followed import EVENT_DELIVERED, EVENT_UNDELIVERED
from gosms.emulator import Emulator
from homeassistant.core import Event, HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_restore_cache_with_extra_data

from .conftest import stop_emulator
from .rendered import render

WITHIN = 2
NUMBER = "79991000001"


@pytest.fixture
def emulator(socket_enabled: None, gosms_phones: Emulator) -> Iterator[Emulator]:
    """Two phones, A and B, both delivering; deletes allowed at once (a cancel really cancels)."""
    yield gosms_phones
    stop_emulator(gosms_phones)


@pytest.fixture
def entry_options(emulator: Emulator) -> dict[str, Any]:
    return {CONF_DEVICE_IDS: list(emulator.phones)}


def ha_phone(hass: HomeAssistant, device_id: str) -> str:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, device_id)})
    assert device is not None
    return device.id


def undelivered_sensor(hass: HomeAssistant, entry: MockConfigEntry) -> State:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_undelivered")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def send(hass: HomeAssistant, data: dict[str, Any], *, response: bool = True) -> Any:
    return await hass.services.async_call(
        DOMAIN, SERVICE_SEND_SMS, {"phone_number": NUMBER, "message": "db1 down", **data},
        blocking=True, return_response=response,
    )


def captured(hass: HomeAssistant, event_type: str) -> list[Event]:
    events: list[Event] = []
    hass.bus.async_listen(event_type, events.append)
    return events


async def test_the_first_phone_quiet_the_alert_goes_out_through_the_second(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    a, b = emulator.phones
    emulator.set_phone(a, "offline")  # just went quiet: still looks online, so it is tried
    delivered = captured(hass, EVENT_DELIVERED)
    undelivered = captured(hass, EVENT_UNDELIVERED)
    response = await send(hass, {"wait": WITHIN, "routes": [ha_phone(hass, a), ha_phone(hass, b)]})
    await hass.async_block_till_done()
    (recipient,) = response["recipients"]
    assert recipient["verdict"] == "delivered"
    assert [(r["device_id"], r["outcome"], r["cancel"]) for r in recipient["routes"]] == [
        (a, "stuck", "cancelled"), (b, "delivered", "")]
    assert response["message_ids"] == recipient["message_ids"] and len(recipient["message_ids"]) == 2
    (event,) = delivered
    assert event.data["phone_number"] == NUMBER and event.data["config_entry_id"] == init_integration.entry_id
    assert event.data["message_id"] == recipient["routes"][1]["message_ids"][0]  # the copy B carried
    assert [r["route"] for r in event.data["routes"]] == [a, b]
    assert undelivered == []
    assert undelivered_sensor(hass, init_integration).state == "0"
    assert [c["carrier"] for c in emulator.deliveries()] == [b]


async def test_both_phones_dead_the_action_fails_the_event_fires_the_sensor_counts(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    a, b = emulator.phones
    emulator.set_phone(a, "offline")
    emulator.set_phone(b, "send_error")
    undelivered = captured(hass, EVENT_UNDELIVERED)
    with pytest.raises(HomeAssistantError) as caught:
        await send(hass, {"wait": WITHIN})  # no routes: the watched phones, in the options' order
    await hass.async_block_till_done()
    assert caught.value.translation_key == "undelivered"
    placeholders = caught.value.translation_placeholders or {}
    text = render("exceptions", "undelivered", placeholders)
    assert text.startswith(f"SMS not delivered to {NUMBER} ({a}: still ") and f"{b}: send error (status 3)" in text
    assert "Wait for delivery" in text and "Failover phones" in text
    assert NUMBER in render("exceptions", "undelivered", placeholders, "ru")
    (event,) = undelivered
    assert event.data["verdict"] == "undelivered" and event.data["phone_number"] == NUMBER
    assert [(r["device_id"], r["outcome"]) for r in event.data["routes"]] == [(a, "stuck"), (b, "failed")]
    assert event.data["message_id"] == event.data["routes"][1]["message_ids"][0]
    state = undelivered_sensor(hass, init_integration)
    assert state.state == "1"
    assert state.attributes["last"]["phone_number"] == NUMBER
    assert state.attributes["last"]["routes"] == event.data["routes"]


async def test_without_a_response_the_verdict_still_fires(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    delivered = captured(hass, EVENT_DELIVERED)
    a, _ = emulator.phones
    assert await send(hass, {"wait": WITHIN, "device_id": a}, response=False) is None
    await hass.async_block_till_done()
    (event,) = delivered
    assert [r["device_id"] for r in event.data["routes"]] == [a]  # the chosen phone alone: no default order


async def test_failover_phones_need_a_wait(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, {"routes": [ha_phone(hass, p) for p in emulator.phones]})
    assert caught.value.translation_key == "routes_need_wait"
    assert "Wait for delivery" in render("exceptions", "routes_need_wait", None)
    assert emulator.messages() == []


async def test_a_failover_phone_must_be_a_watched_gateway_phone(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    account = ha_phone(hass, init_integration.entry_id)  # the account's service device
    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, {"wait": WITHIN, "routes": [ha_phone(hass, emulator.phones[0]), account]})
    assert caught.value.translation_key == "not_a_gateway_phone"
    assert emulator.messages() == []


async def test_bad_input_is_refused_before_any_request(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await send(hass, {"wait": WITHIN, "phone_number": "12"})
    assert caught.value.translation_key == "invalid_input_2001"
    assert emulator.messages() == []


async def test_the_count_survives_a_restart(
    hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry
) -> None:
    last = {"phone_number": NUMBER, "message_id": None, "routes": []}
    mock_restore_cache_with_extra_data(
        hass,
        [(
            State("sensor.gosms_undelivered_alerts", "3", {"last": last}),
            {"native_value": 3, "native_unit_of_measurement": None},
        )],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    state = undelivered_sensor(hass, config_entry)
    assert state.state == "3"
    assert state.attributes["last"] == last
