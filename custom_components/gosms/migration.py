"""Entries stored by an earlier version, or by another integration that uses the domain ``gosms``.

GoSMS's own Home Assistant integration has the same domain and stores ``{"api_key": <token>}``
(entry version 1.1, no API address). A user who switches to this integration keeps those entries,
and Home Assistant hands them to this integration's setup. Version 1.2 marks an entry this module
has looked at: a token stored under ``api_key`` moves to ``api_token``, the API address is the
official one, and the entry gets this integration's unique id (the token's fingerprint). An entry
with no usable token is left for setup, which asks for one through re-authentication.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from gosms import DEFAULT_API_URL

from .const import CONF_API_TOKEN, CONF_API_URL, DOMAIN, LOGGER
from .util import token_fingerprint

VERSION: Final = 1
MINOR_VERSION: Final = 2
"""1.2: entries adopted from ``api_key``; 1.1 entries of this integration need no change."""

FOREIGN_TOKEN_KEY: Final = "api_key"
"""Where GoSMS's own integration keeps the token."""


def adopted_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` in this integration's keys: the token under ``api_token``, an API address always."""
    data = dict(data)
    foreign = data.pop(FOREIGN_TOKEN_KEY, None)
    if CONF_API_TOKEN not in data and isinstance(foreign, str) and foreign.strip():
        data[CONF_API_TOKEN] = foreign.strip()
    data.setdefault(CONF_API_URL, DEFAULT_API_URL)
    return data


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Bring a 1.1 entry to 1.2; refuse (as Home Assistant expects) an entry from a newer major version."""
    if entry.version > VERSION:
        return False
    if entry.version == VERSION and entry.minor_version >= MINOR_VERSION:
        return True
    data = adopted_data(dict(entry.data))
    unique_id = entry.unique_id
    token = data.get(CONF_API_TOKEN)
    if FOREIGN_TOKEN_KEY in entry.data and isinstance(token, str):
        fingerprint = token_fingerprint(token)
        taken = any(
            other.unique_id == fingerprint
            for other in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
            if other.entry_id != entry.entry_id
        )
        if not taken:  # two entries of one token: leave the id, Home Assistant would refuse a duplicate
            unique_id = fingerprint
        LOGGER.info("Adopted the GoSMS entry %s stored by another integration (its token moves to %s)",
                    entry.title, CONF_API_TOKEN)
    hass.config_entries.async_update_entry(
        entry, data=data, unique_id=unique_id, version=VERSION, minor_version=MINOR_VERSION
    )
    return True
