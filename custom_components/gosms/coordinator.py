"""Polling the account and the watched gateway phones."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from gosms import APIError, AsyncClient, Category, Device, GoSMSError, ProtocolError

from .const import CONF_DEVICE_IDS, CONF_MONTHLY_QUOTA, DOMAIN, LOGGER, UPDATE_INTERVAL
from .followed import UndeliveredLog
from .issues import ISSUE_KEYS, async_clear_issues, async_raise_issue
from .util import ha_error

if TYPE_CHECKING:
    from .folding import Folder

ACCOUNT_WIDE = frozenset((Category.AUTH, Category.ACCOUNT))
"""Errors that stop every call of the account, not just the one for a phone."""


@dataclass
class GoSMSData:
    """What one poll saw."""

    devices: dict[str, Device] = field(default_factory=dict)
    """The watched phones that answered, by device id; a missing one is unavailable."""
    month_count: int | None = None
    """Messages created this month (Moscow time, as GoSMS bills)."""


@dataclass
class GoSMSRuntime:
    """What a loaded entry holds: a client per patience level and the coordinator."""

    client: AsyncClient
    """For polls: a short retry burst, the coordinator polls again anyway."""
    send_client: AsyncClient
    """For alerts: retries long enough to get a message out through a passing failure."""
    coordinator: GoSMSCoordinator
    undelivered: UndeliveredLog = field(default_factory=UndeliveredLog)
    """Alerts followed by the action that did not reach the handset (the undelivered sensor)."""
    folder: Folder | None = None
    """Notifications waiting for their digest (set up with the entry; see .folding)."""


type GoSMSConfigEntry = ConfigEntry[GoSMSRuntime]


API_OK: Final = "ok"
API_UNREACHABLE: Final = "unreachable"
API_ERROR: Final = "api_error"
API_STATUSES: Final = (
    API_OK,
    *(ISSUE_KEYS[category] for category in (Category.AUTH, Category.ACCOUNT, Category.PERMISSION)),
    API_ERROR,
    API_UNREACHABLE,
)
"""What the last poll of the account found: fine, the kind of problem a reading can meet (named as
its repair), another GoSMS error, or no answer at all."""


def _translated(hass: HomeAssistant, err: GoSMSError) -> dict[str, Any]:
    """The translation arguments of the exception the action would raise for ``err``."""
    failure = ha_error(hass, err)
    return {
        "translation_domain": DOMAIN,
        "translation_key": failure.translation_key,
        "translation_placeholders": failure.translation_placeholders,
    }


class GoSMSCoordinator(DataUpdateCoordinator[GoSMSData]):
    """Reads the account's monthly usage and each watched phone once a minute.

    The account is read on every poll whatever else is configured, so a blocked account or a dead
    token is found before an alert fails, and a repair closes once the problem is gone.
    """

    config_entry: GoSMSConfigEntry

    def __init__(self, hass: HomeAssistant, entry: GoSMSConfigEntry, client: AsyncClient) -> None:
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=UPDATE_INTERVAL)
        self.client = client
        self.device_ids: list[str] = list(entry.options.get(CONF_DEVICE_IDS, []))
        self.quota: int | None = entry.options.get(CONF_MONTHLY_QUOTA) or None
        self._usage_state: dict[str, Any] | None = None
        self._failing_devices: set[str] = set()
        self.api_status: str = API_OK

    async def _async_update_data(self) -> GoSMSData:
        data = GoSMSData()
        raised: set[str] = set()
        try:
            usage = await self.client.month_usage(self._usage_state)
            self._usage_state = usage.as_state()
            data.month_count = usage.count
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
            status = ISSUE_KEYS.get(err.info.category, API_ERROR)
            self._set_status(status if status in API_STATUSES else API_ERROR)
            failed = ConfigEntryAuthFailed if err.info.category is Category.AUTH else UpdateFailed
            raise failed(**_translated(self.hass, err)) from err
        except GoSMSError as err:
            self._set_status(API_ERROR if isinstance(err, ProtocolError) else API_UNREACHABLE)
            raise UpdateFailed(**_translated(self.hass, err)) from err
        async_clear_issues(self.hass, self.config_entry, "poll", keep=raised)
        self.api_status = API_OK
        return data

    def _set_status(self, status: str) -> None:
        """Record a failed poll's finding; tell the entities when it changed.

        The coordinator itself notifies listeners only when success turns to failure or back, so a
        blocked account that then loses its token would otherwise keep showing the first finding.
        """
        changed = status != self.api_status
        self.api_status = status
        if changed and not self.last_update_success:
            self.async_update_listeners()

    def _device_failed(self, device_id: str, err: GoSMSError) -> None:
        if device_id not in self._failing_devices:
            self._failing_devices.add(device_id)
            LOGGER.warning("GoSMS phone %s is unavailable: %s", device_id, err)

    def _device_back(self, device_id: str) -> None:
        if device_id in self._failing_devices:
            self._failing_devices.discard(device_id)
            LOGGER.info("GoSMS phone %s is available again", device_id)
