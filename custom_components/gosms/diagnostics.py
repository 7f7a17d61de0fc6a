"""Diagnostics: settings, the last poll and what waits for a digest, without the token, any phone
number or any message text."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_API_TOKEN, CONF_PHONE_NUMBER
from .coordinator import GoSMSConfigEntry

TO_REDACT = {CONF_API_TOKEN, CONF_PHONE_NUMBER, "unique_id", "title"}
"""The token, numbers, and what may spell them: the unique ids (a token hash, a number) and
recipient titles (people's names, or the number itself)."""


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: GoSMSConfigEntry) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            {CONF_API_TOKEN, CONF_PHONE_NUMBER, "unique_id"},
        ),
        "subentries": [
            async_redact_data(
                {
                    "subentry_type": subentry.subentry_type,
                    "title": subentry.title,
                    "unique_id": subentry.unique_id,
                    "data": dict(subentry.data),
                },
                TO_REDACT,
            )
            for subentry in entry.subentries.values()
        ],
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "api_status": coordinator.api_status,
            "last_exception": repr(coordinator.last_exception) if coordinator.last_exception else None,
            "update_interval": str(coordinator.update_interval),
            "watched_devices": coordinator.device_ids,
            "monthly_quota": coordinator.quota,
            "month_count": data.month_count,
            "devices": {device_id: device.as_dict() for device_id, device in data.devices.items()},
        },
        # Counts and times only: the numbers and texts waiting for a digest stay out.
        "folding": folder.diagnostics() if (folder := entry.runtime_data.folder) is not None else None,
    }
