"""The ``gosms.send_sms`` action."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.util.json import JsonValueType
import voluptuous as vol

from gosms.wire.validation import INVALID_CHARS_CHOICES, LONG_MESSAGE_CHOICES

from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_FOLD,
    ATTR_INVALID_CHARS,
    ATTR_LONG_MESSAGE,
    ATTR_MESSAGE,
    ATTR_PHONE,
    ATTR_PHONE_NUMBER,
    ATTR_ROUTES,
    ATTR_TO_SIM,
    ATTR_WAIT,
    CONF_DEVICE_IDS,
    DOMAIN,
    SERVICE_SEND_SMS,
)
from .coordinator import GoSMSConfigEntry
from .folding import folder_of, folds
from .followed import route_data
from .sender import async_deliver, async_send

# Only the shape is checked here; the values are checked by the core, which answers with the
# table's code and text (a phone number, a device id, a SIM slot, the message's characters).
SEND_SMS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_PHONE_NUMBER): vol.All(cv.ensure_list, [cv.string]),
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_PHONE): cv.string,
        vol.Optional(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_TO_SIM): vol.Coerce(int),
        vol.Optional(ATTR_INVALID_CHARS): vol.In(INVALID_CHARS_CHOICES),
        vol.Optional(ATTR_LONG_MESSAGE): vol.In(LONG_MESSAGE_CHOICES),
        vol.Optional(ATTR_WAIT): vol.All(vol.Coerce(float), vol.Range(min=0)),
        vol.Optional(ATTR_ROUTES): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_FOLD): cv.boolean,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, not per entry)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        _async_send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


def _phone(hass: HomeAssistant, call: ServiceCall) -> tuple[str | None, str | None]:
    """The GoSMS device id of the chosen gateway phone, and the entry that watches it.

    ``phone`` is a Home Assistant device (what the UI's device picker gives); ``device_id`` the raw
    GoSMS id, kept for scripts. Either may be given, or both when they agree.
    """
    raw: str | None = call.data.get(ATTR_DEVICE_ID) or None
    if not (ha_device_id := call.data.get(ATTR_PHONE)):
        return raw, None
    found = _watched_phone(hass, ha_device_id)
    if found is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_gateway_phone",
            translation_placeholders={"phone": ha_device_id},
        )
    gosms_id, entry_id = found
    if raw and raw != gosms_id:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="phone_disagrees",
            translation_placeholders={"phone_id": gosms_id, "device_id": raw},
        )
    return gosms_id, entry_id


def _watched_phone(hass: HomeAssistant, ha_device_id: str) -> tuple[str, str] | None:
    """(GoSMS device id, entry id) of a Home Assistant device that is a phone an entry watches."""
    device = dr.async_get(hass).async_get(ha_device_id)
    if device is None:
        return None
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.entry_id not in device.config_entries:
            continue
        for domain, ident in device.identifiers:
            if domain == DOMAIN and ident in entry.options.get(CONF_DEVICE_IDS, []):
                return ident, entry.entry_id
    return None


def _routes(hass: HomeAssistant, call: ServiceCall, phone_entry_id: str | None) -> tuple[list[str], str | None]:
    """The GoSMS device ids of the failover phones, in the order given, and the entry watching them.

    Every phone must be one the same entry watches (the entry's account is the one that sends).
    """
    routes: list[str] = []
    entry_id = phone_entry_id
    for ha_device_id in call.data.get(ATTR_ROUTES) or []:
        found = _watched_phone(hass, ha_device_id)
        if found is None or (entry_id is not None and found[1] != entry_id):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_gateway_phone",
                translation_placeholders={"phone": ha_device_id},
            )
        routes.append(found[0])
        entry_id = found[1]
    if routes and not call.data.get(ATTR_WAIT):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="routes_need_wait")
    return routes, entry_id


def _entry(hass: HomeAssistant, call: ServiceCall, phone_entry_id: str | None) -> GoSMSConfigEntry:
    """The entry named in the call, else the one watching the chosen phone, else the only one there is."""
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID) or phone_entry_id:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_found",
                translation_placeholders={"entry_id": entry_id},
            )
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entry_not_loaded",
                translation_placeholders={"entry_title": entry.title},
            )
        return entry
    loaded = hass.config_entries.async_loaded_entries(DOMAIN)
    if not loaded:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_entry_loaded")
    if len(loaded) > 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_required",
            translation_placeholders={"titles": ", ".join(sorted(entry.title for entry in loaded))},
        )
    return loaded[0]


def _message(call: ServiceCall, device_id: str | None) -> dict[str, Any]:
    """What to send, to whom and how, as the call gives it (for a plain send and a followed one)."""
    return {
        "to": call.data[ATTR_PHONE_NUMBER],
        "message": call.data[ATTR_MESSAGE],
        "device_id": device_id,
        "to_sim": call.data.get(ATTR_TO_SIM),
        "invalid_chars": call.data.get(ATTR_INVALID_CHARS),
        "long_message": call.data.get(ATTR_LONG_MESSAGE),
    }


async def _async_send_sms(call: ServiceCall) -> ServiceResponse:
    device_id, phone_entry_id = _phone(call.hass, call)
    routes, phone_entry_id = _routes(call.hass, call, phone_entry_id)
    entry = _entry(call.hass, call, phone_entry_id)
    if wait := call.data.get(ATTR_WAIT):
        if call.data.get(ATTR_FOLD):
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="fold_and_wait")
        return await _async_deliver(call, entry, device_id, routes, wait)
    held: list[str] = []
    if folds(entry, call.data.get(ATTR_FOLD)):
        folded = await folder_of(entry).async_send(**_message(call, device_id))
        result, held = folded.result, folded.held
    else:
        result = await async_send(call.hass, entry, **_message(call, device_id))
    if not call.return_response:
        return None
    recipients: list[JsonValueType] = [
        {"phone_number": recipient.phone_number, "message_ids": list[JsonValueType](recipient.ids)}
        for recipient in (result.results if result is not None else [])
    ]
    # Held for the number's digest: no id yet; the digest SMS carries it when the window closes.
    recipients += [{"phone_number": number, "message_ids": [], "held_for_digest": True} for number in held]
    return {"message_ids": list[JsonValueType](result.ids if result is not None else []), "recipients": recipients}


async def _async_deliver(
    call: ServiceCall, entry: GoSMSConfigEntry, device_id: str | None, routes: list[str], wait: float
) -> ServiceResponse:
    """Follow to the handset: without routes (nor a phone) the entry's watched phones are the
    failover order, as the options list them; with neither, any phone of the account sends."""
    if not routes and not device_id:
        routes = list(entry.options.get(CONF_DEVICE_IDS, []))
    records = await async_deliver(call.hass, entry, routes=routes, deliver_within=wait, **_message(call, device_id))
    if not call.return_response:
        return None
    recipients: list[JsonValueType] = [
        {
            "phone_number": record.phone_number,
            "message_ids": [i for leg in record.legs for i in leg.ids],
            "verdict": record.verdict,
            "routes": [route_data(leg) for leg in record.legs],
        }
        for record in records
    ]
    return {"message_ids": [i for record in records for leg in record.legs for i in leg.ids], "recipients": recipients}
