"""Core errors in Home Assistant's terms: translated exceptions and their placeholders.

Every text shown comes from the core's error table (``gosms.wire.errors``) through translation keys
made per code (see ``table_keys``), so it appears in the language of whoever reads it. Only a
code the table does not know falls back to the template, with the table's generic row as
placeholders in the installation's language.
"""

from __future__ import annotations

from contextlib import suppress
import hashlib

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from gosms import APIError, GoSMSError, ProtocolError, ValidationError

from .const import DOMAIN
from .hint_words import hint_text, installation_text
from .table_keys import table_key


def is_russian(hass: HomeAssistant) -> bool:
    """Whether the fallback texts of an unknown code should be the Russian page's wording."""
    return hass.config.language.lower().startswith("ru")


def error_placeholders(hass: HomeAssistant, err: GoSMSError) -> dict[str, str]:
    """``code``, ``description``, ``remedy``, ``detail`` and ``hint`` of an error.

    The per-code keys have the description and remedy written in and use only ``code``, ``detail``
    (what the core found in this input, followed by a space when there is one) and ``hint`` (the
    Home Assistant field that fixes it, after a space), so a template reads
    ``{description} {detail}{remedy}{hint}``. Errors the API did not answer (transport, protocol,
    configuration) have no table row: their own sentence is the description.
    """
    if isinstance(err, APIError):
        russian = is_russian(hass)
        # The detail and the hint go into placeholders, which no reader re-translates: both are
        # worded from the integration's translations in the installation's language, the hint in
        # the words of Home Assistant's own fields.
        detail = _detail(hass, err)
        return {
            "code": str(err.code),
            "description": err.info.description_ru if russian else err.info.description,
            "remedy": err.info.remedy_ru if russian else err.info.remedy,
            "detail": f"{detail} " if detail else "",
            "hint": hint_text(hass, err.hint),
        }
    status = str(err.http_status) if isinstance(err, ProtocolError) else ""
    return {"code": "", "description": str(err), "remedy": "", "detail": "", "hint": "", "status": status}


def _detail(hass: HomeAssistant, err: APIError) -> str:
    """What exactly is wrong, from the core's reason key (``exceptions.detail_<reason>``) and params."""
    template = installation_text(hass, f"detail_{err.reason}") if err.reason else ""
    if template:
        with suppress(KeyError, IndexError, ValueError):
            return template.format_map(err.params)
    return err.detail


def unanswered_key(err: GoSMSError) -> str:
    """The key for an error with no GoSMS code: an answer that was no GoSMS answer (an HTTP 500
    page, say: the service is at fault) or no answer at all (the network is)."""
    return "bad_answer" if isinstance(err, ProtocolError) else "cannot_connect"


def ha_error(hass: HomeAssistant, err: GoSMSError) -> HomeAssistantError:
    """The Home Assistant exception for a failed call: the caller's fault or the service's."""
    placeholders = error_placeholders(hass, err)
    if isinstance(err, ValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=table_key("exceptions", "invalid_input", err.info),
            translation_placeholders=placeholders,
        )
    if isinstance(err, APIError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=table_key("exceptions", "api_error", err.info),
            translation_placeholders=placeholders,
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=unanswered_key(err),
        translation_placeholders=placeholders,
    )


def token_fingerprint(token: str) -> str:
    """A stable, non-reversible id for the account a token opens (the API exposes no account id)."""
    return hashlib.sha256(token.strip().encode()).hexdigest()[:16]
