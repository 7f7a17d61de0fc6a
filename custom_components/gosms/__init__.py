"""GoSMS: text alerts through your own Android phones, and watch those phones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.translation import async_get_translations
from homeassistant.helpers.typing import ConfigType

from gosms import ConfigError, RetryPolicy
from gosms.clients.aio import AsyncClient

from .const import CONF_API_TOKEN, CONF_API_URL, CONF_DEVICE_IDS, DOMAIN, POLL_RETRY, SEND_RETRY
from .coordinator import GoSMSConfigEntry, GoSMSCoordinator, GoSMSRuntime
from .entity import account_device_info
from .folding import Folder, async_remove_store
from .issues import LEGACY_KEYS, async_remove_issues
from .migration import async_migrate_entry as async_migrate_entry
from .services import async_setup_services
from .util import error_placeholders

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


def async_create_client(hass: HomeAssistant, data: Mapping[str, Any], retry: RetryPolicy) -> AsyncClient:
    """A core client on Home Assistant's shared aiohttp session (the client never closes it)."""
    return AsyncClient(
        data[CONF_API_TOKEN],
        api_url=data[CONF_API_URL],
        session=async_get_clientsession(hass),
        retry=retry,
    )


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, whether or not an entry is loaded.

    The exceptions texts are loaded in the installation's language here, so the sentences that go
    into placeholders (hints, per-number failures) can be worded without waiting.
    """
    async_setup_services(hass)
    await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})
    return True


async def async_setup_entry(hass: HomeAssistant, entry: GoSMSConfigEntry) -> bool:
    """Check the token with a first poll, then set the platforms up."""
    if not entry.data.get(CONF_API_TOKEN):
        # An entry another GoSMS integration left without a usable token (see .migration): ask for one.
        raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="token_not_stored")
    try:
        client = async_create_client(hass, entry.data, POLL_RETRY)
        send_client = async_create_client(hass, entry.data, SEND_RETRY)
    except ConfigError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="config_error",
            translation_placeholders=error_placeholders(hass, err),
        ) from err
    coordinator = GoSMSCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    folder = Folder(hass, entry)
    entry.runtime_data = GoSMSRuntime(client, send_client, coordinator, folder=folder)
    await folder.async_load()
    entry.async_on_unload(folder.async_stop)

    device_registry = dr.async_get(hass)
    device_registry.async_get_or_create(config_entry_id=entry.entry_id, **account_device_info(entry))
    _async_remove_stale_devices(hass, entry)

    async_remove_issues(hass, entry, LEGACY_KEYS)

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # The coordinator polls only while something listens. Entities come and go (disabled by the
    # user, none at all when only recipients are configured), yet the account must be watched
    # whatever is configured: this listener keeps the polls going for the entry's whole life.
    entry.async_on_unload(coordinator.async_add_listener(_keep_polling))
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


@callback
def _keep_polling() -> None:
    """Nothing to update: this listener only keeps the account's polls scheduled."""


async def async_unload_entry(hass: HomeAssistant, entry: GoSMSConfigEntry) -> bool:
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: GoSMSConfigEntry) -> None:
    """Nothing is kept on the server; forget the entry's repair issues and what waited for a digest."""
    async_remove_issues(hass, entry)
    await async_remove_store(hass, entry.entry_id)


async def _async_update_listener(hass: HomeAssistant, entry: GoSMSConfigEntry) -> None:
    """Options, recipients or credentials changed: start over with them."""
    await hass.config_entries.async_reload(entry.entry_id)


def _current_identifiers(entry: GoSMSConfigEntry) -> set[str]:
    """Identifiers of the devices the entry currently stands for."""
    return {entry.entry_id, *entry.options.get(CONF_DEVICE_IDS, []), *entry.subentries}


def _async_remove_stale_devices(hass: HomeAssistant, entry: GoSMSConfigEntry) -> None:
    """Detach phones no longer watched and recipients no longer configured."""
    device_registry = dr.async_get(hass)
    current = _current_identifiers(entry)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if not any(domain == DOMAIN and ident in current for domain, ident in device.identifiers):
            device_registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: GoSMSConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow deleting a device only when the entry no longer uses it."""
    current = _current_identifiers(entry)
    return not any(domain == DOMAIN and ident in current for domain, ident in device.identifiers)
