"""Sensors: battery and last heartbeat per phone; the account's API status and monthly usage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from gosms import Device

from .coordinator import API_STATUSES, GoSMSConfigEntry, GoSMSCoordinator, GoSMSData
from .entity import GoSMSAccountEntity, GoSMSPhoneEntity

# Read-only, from the coordinator.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PhoneSensorDescription(SensorEntityDescription):
    value_fn: Callable[[Device], int | str | datetime | None]


@dataclass(frozen=True, kw_only=True)
class AccountSensorDescription(SensorEntityDescription):
    value_fn: Callable[[GoSMSData, int], float | int | None]


PHONE_SENSORS: tuple[PhoneSensorDescription, ...] = (
    PhoneSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.battery,
    ),
    PhoneSensorDescription(
        key="sims",
        translation_key="sims",
        entity_category=EntityCategory.DIAGNOSTIC,
        # The SIM slots by the operator's name, as the action's SIM slot field numbers them (from 0).
        value_fn=lambda device: ", ".join(f"{sim.slot_index}: {sim.display_name}" for sim in device.sims)[:255]
        or None,
    ),
    PhoneSensorDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.last_online,
    ),
)


def _share(data: GoSMSData, quota: int) -> float | None:
    """Per cent of the plan's monthly messages used (the sensor exists only with a quota)."""
    count = data.month_count
    return None if count is None or not quota else round(100 * count / quota, 1)


ACCOUNT_SENSORS: tuple[AccountSensorDescription, ...] = (
    AccountSensorDescription(
        key="month_messages",
        translation_key="month_messages",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data, quota: data.month_count,
    ),
    AccountSensorDescription(
        key="quota_used",
        translation_key="quota_used",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_share,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GoSMSConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    entities: list[SensorEntity] = [
        GoSMSPhoneSensor(coordinator, device_id, description)
        for device_id in coordinator.device_ids
        for description in PHONE_SENSORS
    ]
    entities.append(GoSMSApiStatusSensor(coordinator))
    entities.append(GoSMSUndeliveredSensor(coordinator))
    entities.extend(
        GoSMSAccountSensor(coordinator, description)
        for description in ACCOUNT_SENSORS
        if coordinator.quota or description.key != "quota_used"
    )
    async_add_entities(entities)


class GoSMSPhoneSensor(GoSMSPhoneEntity, SensorEntity):
    entity_description: PhoneSensorDescription

    def __init__(self, coordinator: GoSMSCoordinator, device_id: str, description: PhoneSensorDescription) -> None:
        super().__init__(coordinator, device_id, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int | str | datetime | None:
        return self.entity_description.value_fn(self.device)


class GoSMSApiStatusSensor(GoSMSAccountEntity, SensorEntity):
    """What the last poll of the account found; stays available when the poll failed, since the
    failure is what it reports."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_translation_key = "api_status"

    def __init__(self, coordinator: GoSMSCoordinator) -> None:
        super().__init__(coordinator, "api_status")
        self._attr_options = list(API_STATUSES)

    @property
    def available(self) -> bool:
        return True

    @property
    def native_value(self) -> str:
        return self.coordinator.api_status


class GoSMSAccountSensor(GoSMSAccountEntity, SensorEntity):
    entity_description: AccountSensorDescription

    def __init__(self, coordinator: GoSMSCoordinator, description: AccountSensorDescription) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> float | int | None:
        return self.entity_description.value_fn(self.coordinator.data, self.coordinator.quota or 0)


class GoSMSUndeliveredSensor(GoSMSAccountEntity, RestoreSensor):
    """Alerts the send action followed that never reached the handset, counted across restarts;
    its attributes hold the last one (number, message id, routes tried), as its event carried it.

    Available whatever the last poll found: it counts what the action saw, not what a poll reads.
    """

    _attr_translation_key = "undelivered"
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, coordinator: GoSMSCoordinator) -> None:
        super().__init__(coordinator, "undelivered")
        self._log = coordinator.config_entry.runtime_data.undelivered

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, (int, float)
        ):
            self._log.count = max(self._log.count, int(last.native_value))
        if (state := await self.async_get_last_state()) is not None and self._log.last is None:
            self._log.last = dict(state.attributes.get("last") or {}) or None
        self.async_on_remove(self._log.async_add_listener(self.async_write_ha_state))

    @property
    def available(self) -> bool:
        return True

    @property
    def native_value(self) -> int:
        return self._log.count

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"last": self._log.last}
