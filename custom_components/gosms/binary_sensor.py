"""Binary sensors per phone: charging, active, online (heartbeat), battery low."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from gosms import Device

from .coordinator import GoSMSConfigEntry, GoSMSCoordinator
from .entity import GoSMSPhoneEntity

# Read-only, from the coordinator.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PhoneBinarySensorDescription(BinarySensorEntityDescription):
    value_fn: Callable[[Device], bool]


PHONE_BINARY_SENSORS: tuple[PhoneBinarySensorDescription, ...] = (
    PhoneBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        # The core's rule: last heartbeat recent enough for the phone to pick a message up.
        value_fn=lambda device: device.online(),
    ),
    PhoneBinarySensorDescription(
        key="active",
        translation_key="active",
        value_fn=lambda device: device.is_active,
    ),
    PhoneBinarySensorDescription(
        key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.is_charging,
    ),
    PhoneBinarySensorDescription(
        key="battery_low",
        translation_key="battery_low",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        # The battery percentage says the same to anyone who looks; this is for automations.
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.battery_low(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GoSMSConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        GoSMSPhoneBinarySensor(coordinator, device_id, description)
        for device_id in coordinator.device_ids
        for description in PHONE_BINARY_SENSORS
    )


class GoSMSPhoneBinarySensor(GoSMSPhoneEntity, BinarySensorEntity):
    entity_description: PhoneBinarySensorDescription

    def __init__(
        self, coordinator: GoSMSCoordinator, device_id: str, description: PhoneBinarySensorDescription
    ) -> None:
        super().__init__(coordinator, device_id, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool:
        return self.entity_description.value_fn(self.device)
