"""Base entities: the account, each watched gateway phone."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from gosms import Device

from .const import DOMAIN
from .coordinator import GoSMSConfigEntry, GoSMSCoordinator

MANUFACTURER = "GoSMS"


def account_device_info(entry: GoSMSConfigEntry) -> DeviceInfo:
    """The service device standing for the GoSMS account of an entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        entry_type=DeviceEntryType.SERVICE,
    )


class GoSMSAccountEntity(CoordinatorEntity[GoSMSCoordinator]):
    """An entity about the account as a whole."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: GoSMSCoordinator, key: str) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{key}"
        self._attr_device_info = account_device_info(entry)


class GoSMSPhoneEntity(CoordinatorEntity[GoSMSCoordinator]):
    """An entity about one Android phone of the account that sends the messages."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: GoSMSCoordinator, device_id: str, key: str) -> None:
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.device_id = device_id
        self._attr_unique_id = f"{entry.entry_id}_{device_id}_{key}"
        device = coordinator.data.devices.get(device_id)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_id)},
            name=(device.name if device and device.name else device_id),
            model=(device.name_type or None) if device else None,
            manufacturer=MANUFACTURER,
            serial_number=device_id,
            via_device=(DOMAIN, entry.entry_id),
        )

    @property
    def device(self) -> Device:
        """The phone as last polled (only called while available)."""
        return self.coordinator.data.devices[self.device_id]

    @property
    def available(self) -> bool:
        return super().available and self.device_id in self.coordinator.data.devices
