"""Core errors in Home Assistant's terms: translated exceptions and form placeholders.

Every text shown comes from the core's error table (``gosms.errors``), in Russian when Home
Assistant runs in Russian; the integration's translations only frame it.
"""

from __future__ import annotations

import hashlib

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from gosms import APIError, GoSMSError, ValidationError

from .const import DOMAIN


def is_russian(hass: HomeAssistant) -> bool:
    """Whether table texts should be the Russian page's wording."""
    return hass.config.language.lower().startswith("ru")


def error_placeholders(hass: HomeAssistant, err: GoSMSError) -> dict[str, str]:
    """``code``, ``description``, ``remedy`` and ``detail`` of an error, in the installation's language.

    Errors the API did not answer (transport, protocol, configuration) have no table row: their
    own sentence is the description and the code is empty.
    """
    if isinstance(err, APIError):
        russian = is_russian(hass)
        return {
            "code": str(err.code),
            "description": err.info.description_ru if russian else err.info.description,
            "remedy": err.info.remedy_ru if russian else err.info.remedy,
            "detail": err.detail or err.server_message,
        }
    return {"code": "", "description": str(err), "remedy": "", "detail": ""}


def ha_error(hass: HomeAssistant, err: GoSMSError) -> HomeAssistantError:
    """The Home Assistant exception for a failed call: the caller's fault or the service's."""
    placeholders = error_placeholders(hass, err)
    if isinstance(err, ValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_input",
            translation_placeholders=placeholders,
        )
    if isinstance(err, APIError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="api_error",
            translation_placeholders=placeholders,
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="cannot_connect",
        translation_placeholders=placeholders,
    )


def token_fingerprint(token: str) -> str:
    """A stable, non-reversible id for the account a token opens (the API exposes no account id)."""
    return hashlib.sha256(token.strip().encode()).hexdigest()[:16]
