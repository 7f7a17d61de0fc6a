"""Sending for the action and the notify entities: success, or an exception that says who got it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_translations

from gosms import APIError, BulkResult, Category, GoSMSError, RecipientResult
from gosms.wire.routes import DELIVERED, TRACKING, Followed

from .const import CONF_INVALID_CHARS, CONF_LONG_MESSAGE, DOMAIN, LOGGER
from .coordinator import GoSMSConfigEntry
from .followed import async_report
from .issues import async_clear_issues, async_raise_issue
from .util import ha_error


def text_options(entry: GoSMSConfigEntry, invalid_chars: str | None, long_message: str | None) -> dict[str, Any]:
    """Text handling: the call's, else the entry's options, else (left out) the core's default."""
    options: dict[str, Any] = {}
    if chars := invalid_chars or entry.options.get(CONF_INVALID_CHARS):
        options["invalid_chars"] = chars
    if long := long_message or entry.options.get(CONF_LONG_MESSAGE):
        options["long_message"] = long
    return options


async def async_send(
    hass: HomeAssistant,
    entry: GoSMSConfigEntry,
    to: Sequence[str],
    message: str,
    *,
    device_id: str | None = None,
    to_sim: int | None = None,
    invalid_chars: str | None = None,
    long_message: str | None = None,
) -> BulkResult:
    """Send ``message`` to every number; raise unless every number got it.

    Numbers are normalised by the core (``+7 (999) 123-45-67`` works).  Text handling not given
    here falls back to the entry's options, then to the core's own default.
    """
    options = text_options(entry, invalid_chars, long_message)
    client = entry.runtime_data.send_client
    try:
        result = await client.send(
            list(to),
            message,
            device_id=device_id or None,
            to_sim=to_sim,
            normalize=True,
            **options,
        )
    except GoSMSError as err:
        # Refused before any request: the caller's input (or the entry's settings) is at fault.
        raise ha_error(hass, err) from err
    if result.ok:
        async_clear_issues(hass, entry, "send")
        return result
    raise await _failure(hass, entry, result)


async def async_deliver(
    hass: HomeAssistant,
    entry: GoSMSConfigEntry,
    to: Sequence[str],
    message: str,
    *,
    routes: Sequence[str],
    deliver_within: float,
    device_id: str | None = None,
    to_sim: int | None = None,
    invalid_chars: str | None = None,
    long_message: str | None = None,
) -> list[Followed]:
    """Send and follow each number to the handset, failing over along ``routes`` (GoSMS device ids,
    in order), each route getting ``deliver_within`` seconds; fire each verdict's event, and raise
    unless every number got it.

    The core does the following (one flow for every tool); the call lasts until each number has a
    verdict, at most each route's time and a minute.
    """
    client = entry.runtime_data.send_client
    try:
        records = await client.deliver(
            list(to),
            message,
            routes=list(routes),
            deliver_within=deliver_within,
            device_id=device_id or None,
            to_sim=to_sim,
            normalize=True,
            **text_options(entry, invalid_chars, long_message),
        )
    except GoSMSError as err:
        # Refused before any request: the caller's input (or the entry's settings) is at fault.
        raise ha_error(hass, err) from err
    async_report(hass, entry.entry_id, entry.runtime_data.undelivered, records)
    lost = [record for record in records if record.verdict != DELIVERED]
    if not lost:
        return records
    LOGGER.debug("GoSMS alert not delivered: %s", "; ".join(record.story() for record in lost))
    key = "undelivered" if all(record.verdict != TRACKING for record in lost) else "not_delivered_yet"
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "failed": "; ".join(f"{record.phone_number} ({record.story()})" for record in lost),
            "delivered": ", ".join(r.phone_number for r in records if r.verdict == DELIVERED) or "-",
        },
    )


async def _failure(hass: HomeAssistant, entry: GoSMSConfigEntry, result: BulkResult) -> HomeAssistantError:
    raised: set[str] = set()
    for recipient in result.failed:
        error = recipient.error
        assert error is not None
        if key := async_raise_issue(hass, entry, error, "send"):
            raised.add(key)
        if isinstance(error, APIError) and error.info.category is Category.AUTH:
            entry.async_start_reauth(hass)
    if result.sent:
        # Something went out: the token, the account and the phones work.
        async_clear_issues(hass, entry, "send", keep=raised)
    LOGGER.debug("GoSMS send failed: %s", result.summary())
    translations = await async_get_translations(hass, hass.config.language, "exceptions", {DOMAIN})
    failed = " ".join(_describe(hass, translations, recipient) for recipient in result.failed)
    if result.sent:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="partial_failure",
            translation_placeholders={
                "sent": ", ".join(recipient.phone_number for recipient in result.sent),
                "failed": failed,
            },
        )
    if len(result.failed) == 1:
        error = result.failed[0].error
        assert error is not None
        return ha_error(hass, error)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="send_failed",
        translation_placeholders={"failed": failed},
    )


def _describe(hass: HomeAssistant, translations: Mapping[str, str], recipient: RecipientResult) -> str:
    """``number: `` and the whole sentence the error alone would raise, remedy included, in the
    installation's language (the list goes into one placeholder, which no reader re-translates)."""
    assert recipient.error is not None
    failure = ha_error(hass, recipient.error)
    template = translations.get(f"component.{DOMAIN}.exceptions.{failure.translation_key}.message")
    text = template.format(**(failure.translation_placeholders or {})) if template else str(failure)
    return f"{recipient.phone_number}: {text.strip()}"
