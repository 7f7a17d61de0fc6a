"""Config flow: the API token (checked with a read-only call), recipients, watched phones."""

from __future__ import annotations

from collections.abc import Mapping
import itertools
from typing import Any, Final

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from gosms import DEFAULT_API_URL, APIError, ConfigError, GoSMSError, Token, ValidationError
from gosms.wire.config import resolve_api_url
from gosms.wire.validation import INVALID_CHARS_CHOICES, LONG_MESSAGE_CHOICES, check_device_id, normalize_phone

from . import async_create_client, migration
from .const import (
    CONF_API_TOKEN,
    CONF_API_URL,
    CONF_DEVICE_IDS,
    CONF_FOLD,
    CONF_FOLD_BURST,
    CONF_FOLD_WINDOW,
    CONF_INVALID_CHARS,
    CONF_LONG_MESSAGE,
    CONF_MONTHLY_QUOTA,
    CONF_PHONE_NUMBER,
    DOMAIN,
    LOGGER,
    SETUP_RETRY,
    SUBENTRY_RECIPIENT,
)
from .table_keys import FORM_CATEGORIES, table_key
from .util import error_placeholders, token_fingerprint, unanswered_key

TITLE: Final = "GoSMS"
"""The first entry's suggested name; later ones get a number, so no two entries read alike."""

TOKEN_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
URL_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

type Errors = dict[str, str]
type Placeholders = dict[str, str]


async def _async_check_credentials(hass: HomeAssistant, token: str, api_url: str) -> tuple[str, Errors, Placeholders]:
    """The normalised API URL, and form errors from a read-only call with the token."""
    try:
        url = resolve_api_url(api_url)
    except ConfigError as err:
        # The reason is the form error's key: the text, in the reader's language, names this form's
        # fields (there is no switch for plain http here, so it says to use https).
        return api_url, {CONF_API_URL: err.reason}, err.params
    try:
        client = async_create_client(hass, {CONF_API_TOKEN: Token(token), CONF_API_URL: url}, SETUP_RETRY)
    except ConfigError as err:
        return url, {CONF_API_TOKEN: err.reason}, err.params
    try:
        await client.check_account()
    except APIError as err:
        key = table_key("config.error", FORM_CATEGORIES.get(err.info.category, "api_error"), err.info)
        return url, {"base": key}, error_placeholders(hass, err)
    except GoSMSError as err:
        return url, {"base": unanswered_key(err)}, error_placeholders(hass, err)
    except Exception:  # a form must answer whatever went wrong; the log keeps the traceback
        LOGGER.exception("Unexpected error while checking the GoSMS token")
        return url, {"base": "unknown"}, {}
    return url, {}, {}


def _first_free_title(taken: set[str]) -> str:
    """``GoSMS``, else ``GoSMS 2``, ``GoSMS 3``…: the first that no entry is called."""
    candidates = (f"{TITLE} {n}" if n > 1 else TITLE for n in itertools.count(1))
    return next(title for title in candidates if title.casefold() not in taken)


class GoSMSConfigFlow(ConfigFlow, domain=DOMAIN):
    """One entry per GoSMS API token."""

    VERSION = migration.VERSION
    MINOR_VERSION = migration.MINOR_VERSION

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> GoSMSOptionsFlow:
        return GoSMSOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(cls, config_entry: ConfigEntry) -> dict[str, type[ConfigSubentryFlow]]:
        return {SUBENTRY_RECIPIENT: RecipientSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: Errors = {}
        placeholders: Placeholders = {}
        titles = {entry.title.casefold() for entry in self._async_current_entries(include_ignore=False)}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            name = user_input[CONF_NAME].strip() or _first_free_title(titles)
            await self.async_set_unique_id(token_fingerprint(token))
            self._abort_if_unique_id_configured()
            if name.casefold() in titles:
                errors, placeholders = {CONF_NAME: "name_taken"}, {"name": name}
            else:
                url, errors, placeholders = await _async_check_credentials(self.hass, token, user_input[CONF_API_URL])
            if not errors:
                return self.async_create_entry(title=name, data={CONF_API_TOKEN: token, CONF_API_URL: url})
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME, default=_first_free_title(titles)): TextSelector(),
                vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR,
                vol.Required(CONF_API_URL, default=DEFAULT_API_URL): URL_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: Errors = {}
        placeholders: Placeholders = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            _, errors, placeholders = await _async_check_credentials(self.hass, token, entry.data[CONF_API_URL])
            if not errors:
                return self._async_update_credentials(entry, token, entry.data[CONF_API_URL])
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_TOKEN): TOKEN_SELECTOR}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        errors: Errors = {}
        placeholders: Placeholders = {}
        if user_input is not None:
            token = (user_input.get(CONF_API_TOKEN) or "").strip() or entry.data.get(CONF_API_TOKEN, "")
            url, errors, placeholders = await _async_check_credentials(self.hass, token, user_input[CONF_API_URL])
            if not errors:
                return self._async_update_credentials(entry, token, url)
        schema = vol.Schema(
            {
                vol.Optional(CONF_API_TOKEN): TOKEN_SELECTOR,
                vol.Required(CONF_API_URL): URL_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema, {CONF_API_URL: entry.data[CONF_API_URL]} | dict(user_input or {})
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _async_update_credentials(self, entry: ConfigEntry, token: str, url: str) -> ConfigFlowResult:
        """Store a working token; refuse one that another entry already uses.

        The API exposes no account id, so an entry is known by its token: a new token makes a new
        unique id, and whether it opens the same account cannot be checked.
        """
        unique_id = token_fingerprint(token)
        for other in self._async_current_entries(include_ignore=False):
            if other.entry_id != entry.entry_id and other.unique_id == unique_id:
                return self.async_abort(reason="already_configured")
        return self.async_update_reload_and_abort(
            entry, unique_id=unique_id, data_updates={CONF_API_TOKEN: token, CONF_API_URL: url}
        )


def _text_choice(key: str, choices: tuple[str, ...]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=list(choices), translation_key=key, mode=SelectSelectorMode.DROPDOWN)
    )


class GoSMSOptionsFlow(OptionsFlow):
    """Which phones to watch, the monthly quota, how notify entities treat awkward texts, and
    whether they fold bursts into digests (off unless chosen here)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: Errors = {}
        placeholders: Placeholders = {}
        if user_input is not None:
            options, errors, placeholders = await self._async_validate(user_input)
            if not errors:
                return self.async_create_entry(data=options)
        schema = vol.Schema(
            {
                vol.Optional(CONF_DEVICE_IDS): TextSelector(TextSelectorConfig(multiple=True)),
                vol.Optional(CONF_MONTHLY_QUOTA): NumberSelector(
                    NumberSelectorConfig(min=0, step=1, mode=NumberSelectorMode.BOX)
                ),
                vol.Optional(CONF_INVALID_CHARS): _text_choice(CONF_INVALID_CHARS, INVALID_CHARS_CHOICES),
                vol.Optional(CONF_LONG_MESSAGE): _text_choice(CONF_LONG_MESSAGE, LONG_MESSAGE_CHOICES),
                vol.Optional(CONF_FOLD): BooleanSelector(),
                vol.Optional(CONF_FOLD_BURST): NumberSelector(
                    NumberSelectorConfig(min=0, max=50, step=1, mode=NumberSelectorMode.BOX)
                ),
                vol.Optional(CONF_FOLD_WINDOW): NumberSelector(
                    NumberSelectorConfig(
                        min=10, max=86400, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or self.config_entry.options),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_validate(self, user_input: dict[str, Any]) -> tuple[dict[str, Any], Errors, Placeholders]:
        """Device ids checked by the core's rule, then looked up, so a typo is caught here."""
        device_ids: list[str] = []
        for raw in user_input.get(CONF_DEVICE_IDS) or []:
            try:
                device_id = check_device_id(raw.strip())
            except ValidationError as err:
                return {}, *_device_error(self.hass, err, raw.strip())
            if device_id not in device_ids:
                device_ids.append(device_id)
        client = async_create_client(self.hass, self.config_entry.data, SETUP_RETRY)
        for device_id in device_ids:
            try:
                await client.device(device_id)
            except APIError as err:
                return {}, *_device_error(self.hass, err, device_id)
            except GoSMSError as err:
                return {}, {"base": unanswered_key(err)}, error_placeholders(self.hass, err)
        options: dict[str, Any] = {CONF_DEVICE_IDS: device_ids}
        if quota := int(user_input.get(CONF_MONTHLY_QUOTA) or 0):
            options[CONF_MONTHLY_QUOTA] = quota
        for key in (CONF_INVALID_CHARS, CONF_LONG_MESSAGE):
            if user_input.get(key):
                options[key] = user_input[key]
        if user_input.get(CONF_FOLD):
            options[CONF_FOLD] = True
        for key in (CONF_FOLD_BURST, CONF_FOLD_WINDOW):
            if user_input.get(key) is not None:
                options[key] = int(user_input[key])
        return options, {}, {}


def _device_error(hass: HomeAssistant, err: APIError, device_id: str) -> tuple[Errors, Placeholders]:
    """A watched phone's id refused by the core's rule or by GoSMS, named in the error."""
    key = table_key("options.error", "device_error", err.info)
    return {CONF_DEVICE_IDS: key}, error_placeholders(hass, err) | {"device_id": device_id}


class RecipientSubentryFlow(ConfigSubentryFlow):
    """A person or team to text: a name and a phone number, checked by the core's rule."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        return await self._async_step_form("user", user_input)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        return await self._async_step_form("reconfigure", user_input)

    async def _async_step_form(self, step_id: str, user_input: dict[str, Any] | None) -> SubentryFlowResult:
        entry = self._get_entry()
        current = self._get_reconfigure_subentry() if self.source == SOURCE_RECONFIGURE else None
        errors: Errors = {}
        placeholders: Placeholders = {}
        if user_input is not None:
            try:
                phone = normalize_phone(user_input[CONF_PHONE_NUMBER])
            except ValidationError as err:
                errors[CONF_PHONE_NUMBER] = table_key("config_subentries.recipient.error", "invalid_phone", err.info)
                placeholders = error_placeholders(self.hass, err)
            else:
                for subentry in entry.subentries.values():
                    if subentry.unique_id == phone and subentry is not current:
                        return self.async_abort(reason="already_configured")
                name = user_input[CONF_NAME].strip() or phone
                data = {CONF_PHONE_NUMBER: phone}
                if current is not None:
                    return self.async_update_and_abort(entry, current, title=name, data=data, unique_id=phone)
                return self.async_create_entry(title=name, data=data, unique_id=phone)
        suggested: Mapping[str, Any] = user_input or (
            {CONF_NAME: current.title, CONF_PHONE_NUMBER: current.data[CONF_PHONE_NUMBER]} if current else {}
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_PHONE_NUMBER): TextSelector(TextSelectorConfig(type=TextSelectorType.TEL)),
            }
        )
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )
