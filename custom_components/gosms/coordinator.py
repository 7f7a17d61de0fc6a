"""Polling the account and the watched gateway phones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from gosms import APIError, AsyncClient, Category, Device, GoSMSError

from .const import CONF_DEVICE_IDS, CONF_MONTHLY_QUOTA, DOMAIN, LOGGER, UPDATE_INTERVAL
from .issues import async_clear_issues, async_raise_issue
from .util import error_placeholders

ACCOUNT_WIDE = frozenset((Category.AUTH, Category.ACCOUNT))
"""Errors that stop every call of the account, not just the one for a phone."""


@dataclass
class GoSMSData:
    """What one poll saw."""

    devices: dict[str, Device] = field(default_factory=dict)
    """The watched phones that answered, by device id; a missing one is unavailable."""
    month_count: int | None = None
    """Messages created this month (Moscow time), when a monthly quota is configured."""


@dataclass
class GoSMSRuntime:
    """What a loaded entry holds: a client per patience level and the coordinator."""

    client: AsyncClient
    """For polls: a short retry burst, the coordinator polls again anyway."""
    send_client: AsyncClient
    """For alerts: retries long enough to get a message out through a passing failure."""
    coordinator: GoSMSCoordinator


type GoSMSConfigEntry = ConfigEntry[GoSMSRuntime]


class GoSMSCoordinator(DataUpdateCoordinator[GoSMSData]):
    """Reads the account (or its monthly usage) and each watched phone once a minute."""

    config_entry: GoSMSConfigEntry

    def __init__(self, hass: HomeAssistant, entry: GoSMSConfigEntry, client: AsyncClient) -> None:
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=UPDATE_INTERVAL)
        self.client = client
        self.device_ids: list[str] = list(entry.options.get(CONF_DEVICE_IDS, []))
        self.quota: int | None = entry.options.get(CONF_MONTHLY_QUOTA) or None
        self._usage_state: dict[str, Any] | None = None
        self._failing_devices: set[str] = set()

    async def _async_update_data(self) -> GoSMSData:
        data = GoSMSData()
        raised: set[str] = set()
        try:
            if self.quota:
                usage = await self.client.month_usage(self._usage_state)
                self._usage_state = usage.as_state()
                data.month_count = usage.count
            else:
                await self.client.check_account()
            for device_id in self.device_ids:
                try:
                    data.devices[device_id] = await self.client.device(device_id)
                except APIError as err:
                    if err.info.category in ACCOUNT_WIDE:
                        raise
                    if key := async_raise_issue(self.hass, self.config_entry, err, "poll", {"device_id": device_id}):
                        raised.add(key)
                    self._device_failed(device_id, err)
                else:
                    self._device_back(device_id)
        except APIError as err:
            async_raise_issue(self.hass, self.config_entry, err, "poll")
            placeholders = error_placeholders(self.hass, err)
            if err.info.category is Category.AUTH:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="api_error", translation_placeholders=placeholders
                ) from err
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="api_error", translation_placeholders=placeholders
            ) from err
        except GoSMSError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders=error_placeholders(self.hass, err),
            ) from err
        async_clear_issues(self.hass, self.config_entry, "poll", keep=raised)
        return data

    def _device_failed(self, device_id: str, err: GoSMSError) -> None:
        if device_id not in self._failing_devices:
            self._failing_devices.add(device_id)
            LOGGER.warning("GoSMS phone %s is unavailable: %s", device_id, err)

    def _device_back(self, device_id: str) -> None:
        if device_id in self._failing_devices:
            self._failing_devices.discard(device_id)
            LOGGER.info("GoSMS phone %s is available again", device_id)
