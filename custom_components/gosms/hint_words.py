"""The core's hints (which setting fixes an error) worded as the Home Assistant field that has it.

The core names no tool's option (``gosms.wire.hints``); here each setting that has a field in Home
Assistant gets a sentence naming that field, in the action and in the integration's options, as
the user sees them. Settings with no field here give no hint at all, rather than one the user
cannot follow: numbers are always normalised (``normalize``), plain http is accepted only to this
machine and nothing switches that (``allow_insecure_http``), and the rest (message ids, paging,
webhooks, the active switch, timeouts) are not things a Home Assistant user sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_cached_translations

from gosms.wire.hints import Hint, Setting

from .const import DOMAIN

HINT_KEYS: Final[Mapping[tuple[Setting, str | None], str]] = {
    (Setting.INVALID_CHARS, "replace"): "hint_invalid_chars_replace",
    (Setting.LONG_MESSAGE, "split"): "hint_long_message_split",
    (Setting.RECIPIENT, None): "hint_recipient",
    (Setting.DEVICE_ID, None): "hint_device_id",
    (Setting.TO_SIM, None): "hint_to_sim",
    (Setting.TOKEN, None): "hint_token",
    (Setting.API_URL, None): "hint_api_url",
}
"""(setting, value) → the exceptions key of its sentence; value None: whatever the value."""


def hint_key(hint: Hint | None) -> str | None:
    """The sentence for ``hint`` in Home Assistant's words, or None when no field here fixes it."""
    if hint is None:
        return None
    return HINT_KEYS.get((hint.setting, hint.value)) or HINT_KEYS.get((hint.setting, None))


def installation_text(hass: HomeAssistant, key: str) -> str:
    """An exceptions text of the integration in the installation's language (English if that is
    not loaded), for sentences that go into a placeholder, which no reader re-translates."""
    for language in (hass.config.language, "en"):
        translations = async_get_cached_translations(hass, language, "exceptions", DOMAIN)
        if text := translations.get(f"component.{DOMAIN}.exceptions.{key}.message"):
            return text
    return ""


def hint_text(hass: HomeAssistant, hint: Hint | None) -> str:
    """`` <sentence>`` for the hint (leading space, to follow the remedy), or ""."""
    key = hint_key(hint)
    text = installation_text(hass, key) if key else ""
    return f" {text}" if text else ""
