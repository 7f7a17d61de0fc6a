"""A notify entity per recipient: ``notify.send_message`` texts that number."""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity, NotifyEntityFeature
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_PHONE_NUMBER, DOMAIN, SUBENTRY_RECIPIENT
from .coordinator import GoSMSConfigEntry
from .entity import MANUFACTURER
from .folding import folder_of, folds
from .sender import async_send

# Sends are spaced by the core's per-endpoint rate limiter, so entities need no queue of their own.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GoSMSConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One entity per recipient subentry, attached to that subentry."""
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_RECIPIENT:
            async_add_entities([GoSMSRecipientEntity(entry, subentry)], config_subentry_id=subentry_id)


class GoSMSRecipientEntity(NotifyEntity):
    """Texts one phone number; a title goes on the message's first line."""

    _attr_has_entity_name = True
    _attr_name = None
    _attr_supported_features = NotifyEntityFeature.TITLE
    _attr_translation_key = "recipient"

    def __init__(self, entry: GoSMSConfigEntry, subentry: ConfigSubentry) -> None:
        self._entry = entry
        self.phone_number: str = subentry.data[CONF_PHONE_NUMBER]
        self._attr_unique_id = subentry.subentry_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, subentry.subentry_id)},
            name=subentry.title,
            manufacturer=MANUFACTURER,
            entry_type=DeviceEntryType.SERVICE,
            via_device=(DOMAIN, entry.entry_id),
        )

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message; raise with the GoSMS reason when it did not go out.

        With folding on in the entry's options, a message past the burst waits for the digest.
        """
        if folds(self._entry):
            await folder_of(self._entry).async_send([self.phone_number], message, title=title)
            return
        text = f"{title}\n{message}" if title else message
        await async_send(self.hass, self._entry, [self.phone_number], text)
