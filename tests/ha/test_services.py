"""The ``gosms.send_sms`` action: responses, validation errors, API errors, partial failures."""

from __future__ import annotations

from typing import Any

from custom_components.gosms.const import (
    CONF_API_TOKEN,
    CONF_API_URL,
    CONF_LONG_MESSAGE,
    DOMAIN,
    SERVICE_SEND_SMS,
)
from custom_components.gosms.issues import issue_id
from custom_components.gosms.util import token_fingerprint
from gosms import TABLE
from gosms.emulator import Emulator
from gosms.wire.validation import LONG_MESSAGE_CHOICES
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .rendered import assert_table_text, render

OTHER_DEVICE = "0f0e0d0c-0b0a-4098-8766-554433221100"


async def call(hass: HomeAssistant, data: dict[str, Any], *, response: bool = True) -> Any:
    return await hass.services.async_call(DOMAIN, SERVICE_SEND_SMS, data, blocking=True, return_response=response)


async def test_send_returns_ids(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    response = await call(
        hass,
        {
            "config_entry_id": init_integration.entry_id,
            "phone_number": ["+7 (999) 111-22-33", "79994445566", "79994445566"],
            "message": "Server room 35 C",
            "device_id": emulator.device_id,
        },
    )
    messages = emulator.messages()
    assert sorted(response["message_ids"]) == sorted(m["id"] for m in messages)
    assert {r["phone_number"]: len(r["message_ids"]) for r in response["recipients"]} == {
        "79991112233": 1,
        "79994445566": 1,
    }
    assert {m["device_id"] for m in messages} == {emulator.device_id}


async def test_send_without_response(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    assert await call(hass, {"phone_number": "79991112233", "message": "hi"}, response=False) is None
    assert len(emulator.messages()) == 1


async def test_send_split(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    response = await call(
        hass,
        {"phone_number": "79991112233", "message": "word " * 100, "long_message": LONG_MESSAGE_CHOICES[1]},
    )
    assert len(response["message_ids"]) == 2
    assert [m["message"][:6] for m in emulator.messages()] == ["(1/2) ", "(2/2) "]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param({"phone_number": "12"}, 2001, id="2001-phone"),
        pytest.param({"phone_number": []}, 2001, id="2001-no-phone"),
        pytest.param({"message": "Fire 🔥"}, 2002, id="2002-emoji"),
        pytest.param({"message": "x" * 301}, 2002, id="2002-long"),
        pytest.param({"device_id": "phone-1"}, 2005, id="2005-device"),
        pytest.param({"to_sim": 1}, 1017, id="1017-sim-without-device"),
        pytest.param({"to_sim": -3, "device_id": OTHER_DEVICE}, 2008, id="2008-sim"),
    ],
)
async def test_invalid_input(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry, data: dict[str, Any], code: int
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"} | data)
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == f"invalid_input_{code}"
    assert_table_text("exceptions", caught.value.translation_key, caught.value.translation_placeholders, code)
    assert TABLE[code].description in str(caught.value)
    assert emulator.messages() == []


async def test_invalid_input_in_russian(hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry) -> None:
    hass.config.language = "ru"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"phone_number": "12", "message": "hi"})
    # The frontend renders the key in the reader's language: wholly Russian, or wholly English.
    shown = render("exceptions", caught.value.translation_key, caught.value.translation_placeholders, "ru")
    assert shown.startswith(f"Ошибка GoSMS 2001: {TABLE[2001].description_ru}")
    # The detail and the hint are in the installation's language; the hint names the action's field.
    assert "В номере '12' 2 цифр" in shown
    assert shown.endswith("«Номера телефонов» или «Номер телефона» получателя (Изменить получателя в записи GoSMS).")
    shown = render("exceptions", caught.value.translation_key, caught.value.translation_placeholders, "en")
    assert shown.startswith(f"GoSMS error 2001: {TABLE[2001].description}")
    assert TABLE[2001].description_ru not in shown


async def test_api_error(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi", "device_id": OTHER_DEVICE})
    assert not isinstance(caught.value, ServiceValidationError)
    assert caught.value.translation_key == "api_error_1016"
    assert caught.value.translation_placeholders["code"] == "1016"
    assert str(caught.value) == (
        f"GoSMS error 1016: {TABLE[1016].description} {TABLE[1016].remedy} Pick the phone in the action's "
        "“Gateway phone” field (or give its ID in “Device ID”), or leave both empty to let any active phone send."
    )
    # A wrong device id is this call's problem, not the account's: no repair.
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]


async def test_partial_failure_names_who_got_it(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.set_scenario(quota=1)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": ["79991112233", "79994445566"], "message": "hi"})
    assert caught.value.translation_key == "partial_failure"
    placeholders = caught.value.translation_placeholders
    [sent] = [m["phone_number"] for m in emulator.messages()]
    failed = ({"79991112233", "79994445566"} - {sent}).pop()
    assert placeholders["sent"] == sent
    # Each failed number keeps its whole sentence, the remedy included.
    assert placeholders["failed"] == f"{failed}: GoSMS error 1006: {TABLE[1006].description} {TABLE[1006].remedy}"
    assert f"Sent to: {sent}." in str(caught.value)


async def test_nobody_got_it(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    emulator.set_scenario(quota=0)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": ["79991112233", "79994445566"], "message": "hi"})
    assert caught.value.translation_key == "send_failed"
    failed = caught.value.translation_placeholders["failed"]
    assert f"79991112233: GoSMS error 1006: {TABLE[1006].description} {TABLE[1006].remedy}" in failed
    assert f"79994445566: GoSMS error 1006: {TABLE[1006].description} {TABLE[1006].remedy}" in failed


async def test_nobody_got_it_in_russian(hass: HomeAssistant, emulator: Emulator, config_entry: MockConfigEntry) -> None:
    """The list of failures is one placeholder, written in the installation's language."""
    hass.config.language = "ru"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    emulator.set_scenario(quota=0)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": ["79991112233", "79994445566"], "message": "hi"})
    failed = caught.value.translation_placeholders["failed"]
    assert f"79994445566: Ошибка GoSMS 1006: {TABLE[1006].description_ru} {TABLE[1006].remedy_ru}" in failed


async def test_unreachable(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    emulator.add_fault("reset_before", endpoint="send", count=None)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "cannot_connect"
    assert caught.value.translation_placeholders["code"] == ""
    assert emulator.messages() == []


async def test_server_error_is_not_unreachable(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """HTTP 500 pages without a GoSMS code, after the retries: the server answered, it failed."""
    emulator.add_fault("http_500", endpoint="send", count=None)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "bad_answer"
    assert "HTTP 500" in str(caught.value)
    assert "reach" not in str(caught.value)


async def test_no_devices_repair_opens_and_closes(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    device_id = emulator.device_id
    emulator.set_scenario(devices={device_id: {"active": False}})
    with pytest.raises(HomeAssistantError):
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "no_devices"))
    assert issue is not None
    assert issue.translation_placeholders["code"] == "1015"

    emulator.set_scenario(devices={device_id: {"active": True}})
    await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "no_devices")) is None


async def test_revoked_token_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.set_scenario(tokens={"token0": {"active": False}})
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_placeholders["code"] == "1002"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    # The re-authentication is the one notice; no repair of the integration's own besides.
    assert [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN] == []


async def test_options_give_the_default_text_handling(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        init_integration, options=dict(init_integration.options) | {CONF_LONG_MESSAGE: LONG_MESSAGE_CHOICES[2]}
    )
    await hass.async_block_till_done()
    response = await call(hass, {"phone_number": "79991112233", "message": "word " * 100})
    assert len(response["message_ids"]) == 1
    [message] = emulator.messages()
    assert message["message"].endswith("…")


# -- which entry -----------------------------------------------------------------------------------------


async def test_unknown_entry(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"config_entry_id": "nope", "phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "entry_not_found"


async def test_entry_not_loaded(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"config_entry_id": init_integration.entry_id, "phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "entry_not_loaded"


async def test_entry_required(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    token = emulator.add_token()
    second = MockConfigEntry(
        domain=DOMAIN,
        title="Dacha",
        data={CONF_API_TOKEN: token, CONF_API_URL: emulator.url},
        unique_id=token_fingerprint(token),
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "entry_required"
    assert caught.value.translation_placeholders == {"titles": "Dacha, GoSMS"}
    assert str(caught.value) == (
        "Several GoSMS entries are loaded (Dacha, GoSMS): "
        "choose the one to send with in the action's GoSMS account field"
    )


async def test_no_entry(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, {"phone_number": "79991112233", "message": "hi"})
    assert caught.value.translation_key == "no_entry_loaded"


# -- the gateway phone, as a Home Assistant device ------------------------------------------------------


def phone_device(hass: HomeAssistant, gosms_id: str) -> str:
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, gosms_id)})
    assert device is not None
    return device.id


async def test_send_from_the_phone_picked_as_a_device(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    phone = phone_device(hass, emulator.device_id)
    await call(hass, {"phone_number": "79991112233", "message": "hi", "phone": phone, "to_sim": "0"})
    [message] = emulator.messages()
    assert (message["device_id"], message["to_sim"]) == (emulator.device_id, 0)
    # Both ways of naming it, agreeing, are fine too.
    await call(hass, {"phone_number": "79991112233", "message": "hi", "phone": phone, "device_id": emulator.device_id})
    assert len(emulator.messages()) == 2


async def test_the_phone_picks_the_entry(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """Two entries loaded, no entry named: the chosen phone's entry sends."""
    token = emulator.add_token()
    second = MockConfigEntry(
        domain=DOMAIN, title="Dacha", data={CONF_API_TOKEN: token, CONF_API_URL: emulator.url}, unique_id="other"
    )
    second.add_to_hass(hass)
    assert await hass.config_entries.async_setup(second.entry_id)
    await hass.async_block_till_done()
    await call(hass, {"phone_number": "79991112233", "message": "hi", "phone": phone_device(hass, emulator.device_id)})
    assert len(emulator.messages()) == 1


async def test_a_device_that_is_no_phone(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    account = phone_device(hass, init_integration.entry_id)  # the account's service device
    for phone in (account, "no-such-device"):
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, {"phone_number": "79991112233", "message": "hi", "phone": phone})
        assert caught.value.translation_key == "not_a_gateway_phone"
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            {
                "phone_number": "79991112233",
                "message": "hi",
                "phone": phone_device(hass, emulator.device_id),
                "device_id": OTHER_DEVICE,
            },
        )
    assert caught.value.translation_key == "phone_disagrees"
    assert emulator.messages() == []
