"""Which translation keys carry the core's error texts, code by code.

Home Assistant renders an exception, a form error or a repair from a translation key and
placeholders, in the language of whoever looks at it (the frontend translates; the log is English).
A GoSMS description or remedy passed as a placeholder would stay in the language it was raised in,
so each hand-written template (e.g. ``exceptions.api_error``) is copied per table code
(``exceptions.api_error_3000``) with the code's description and remedy written in, in each language,
by ``scripts/ha_translations.py`` from ``gosms.wire.errors.TABLE``. What is left as placeholders is
language-free: the code, a device id, an entry's name, a detail the core worked out.

This module is the one list of templates and the codes each is copied for, read by the script and
at run time alike, so a key the code asks for always exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from gosms import TABLE, Category, ErrorInfo

from .issues import issue_key

type Predicate = Callable[[ErrorInfo], bool]

TABLE_PLACEHOLDERS: Final = ("code", "description", "remedy")
"""Placeholders a template has that the copies have written in."""

FORM_CATEGORIES: Final[Mapping[Category, str]] = {
    Category.AUTH: "invalid_auth",
    Category.ACCOUNT: "account_blocked",
    Category.PERMISSION: "permission_denied",
}
"""Form error template per table category when a token is checked; the rest use ``api_error``."""


def _form_error(key: str) -> Predicate:
    if key == "api_error":
        return lambda info: info.field is None and info.category not in FORM_CATEGORIES
    return lambda info: FORM_CATEGORIES.get(info.category) == key


def _issue(key: str) -> Predicate:
    return lambda info: issue_key(info) == key


TEMPLATES: Final[Mapping[tuple[str, str], Predicate]] = {
    ("exceptions", "api_error"): lambda info: True,
    ("exceptions", "invalid_input"): lambda info: info.field is not None,
    **{("config.error", key): _form_error(key) for key in (*FORM_CATEGORIES.values(), "api_error")},
    ("options.error", "device_error"): lambda info: info.field in (None, "device_id"),
    ("config_subentries.recipient.error", "invalid_phone"): lambda info: info.field == "phone_number",
    **{("issues", key): _issue(key) for key in sorted({issue_key(info) or "" for info in TABLE.values()} - {""})},
}
"""(section, template key) → the codes it is copied for. Sections are dotted paths in strings.json."""


def table_key(section: str, key: str, info: ErrorInfo) -> str:
    """The key carrying ``info``'s texts under ``section``, or the template itself for a code the
    table does not know (its placeholders then carry the texts)."""
    if info.known and TEMPLATES[(section, key)](info):
        return f"{key}_{info.code}"
    return key
