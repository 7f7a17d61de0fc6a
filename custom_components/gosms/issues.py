"""Repair issues for account-wide GoSMS problems, opened and closed by what calls meet.

Which errors open an issue is read from the core's table, never from code numbers: a row opens
one when it concerns the account rather than a request field, matters for alerts (CRITICAL or
WARNING) and belongs to a category an operator fixes outside Home Assistant.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final, Literal

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from gosms import APIError, Category, ErrorInfo, GoSMSError, Severity

from .const import DOMAIN

type Source = Literal["poll", "send"]

ISSUE_KEYS: Final[Mapping[Category, str]] = {
    Category.AUTH: "auth_failed",
    Category.ACCOUNT: "account_blocked",
    Category.PERMISSION: "permission_denied",
    Category.DEVICE: "no_devices",
    Category.QUOTA: "quota_reached",
    Category.NOT_FOUND: "device_missing",
}
"""Issue translation key per table category."""

PROVEN_BY_ANY_SUCCESS: Final = frozenset((ISSUE_KEYS[Category.ACCOUNT],))
"""Any answered call shows the account is open."""

REAUTH_INSTEAD: Final = frozenset((Category.AUTH,))
"""A refused token opens no issue of its own: Home Assistant's re-authentication is the repair."""

LEGACY_KEYS: Final = (ISSUE_KEYS[Category.AUTH],)
"""Keys earlier versions opened issues under; deleted at setup so none lingers."""

_SEVERITIES: Final[Mapping[Severity, ir.IssueSeverity]] = {
    Severity.CRITICAL: ir.IssueSeverity.ERROR,
    Severity.WARNING: ir.IssueSeverity.WARNING,
}


def issue_key(info: ErrorInfo) -> str | None:
    """The issue a table row opens, or None when it is about one request, not the account.

    A missing permission always opens one, whatever its monitoring state: a token that may no
    longer read messages or phones leaves entities unavailable, and only the owner can fix it.
    A refused token opens none: the re-authentication Home Assistant starts already shows it, and
    two notices of one problem are one too many.
    """
    if not info.known or info.field is not None or info.category in REAUTH_INSTEAD:
        return None
    if info.severity not in _SEVERITIES and info.category is not Category.PERMISSION:
        return None
    return ISSUE_KEYS.get(info.category)


def _issue_severity(info: ErrorInfo) -> ir.IssueSeverity:
    return _SEVERITIES.get(info.severity, ir.IssueSeverity.WARNING)


def issue_id(entry: ConfigEntry, key: str) -> str:
    """The registry id of one kind of issue for one account."""
    return f"{entry.entry_id}_{key}"


def async_raise_issue(
    hass: HomeAssistant,
    entry: ConfigEntry,
    err: GoSMSError,
    source: Source,
    extra: Mapping[str, str] | None = None,
) -> str | None:
    """Open (or refresh) the issue for ``err``; its key, or None when none applies."""
    if not isinstance(err, APIError):
        return None
    key = issue_key(err.info)
    if key is None:
        return None
    # Only language-free placeholders: the registry keeps them, and whoever opens the repair reads
    # it in their own language from the per-code key (see table_keys), which holds the texts.
    placeholders = {"code": str(err.code), "entry_title": entry.title, **(extra or {})}
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry, key),
        is_fixable=False,
        severity=_issue_severity(err.info),
        translation_key=f"{key}_{err.code}",
        translation_placeholders=placeholders,
        data={"entry_id": entry.entry_id, "source": source},
    )
    return key


def async_clear_issues(hass: HomeAssistant, entry: ConfigEntry, source: Source, keep: Collection[str] = ()) -> None:
    """Close what a success from ``source`` proves resolved, except the ``keep`` keys just met.

    A successful send proves everything; a successful poll proves the token and the account, and
    whatever an earlier poll found (a poll cannot tell whether sending works again).
    """
    registry = ir.async_get(hass)
    for key in ISSUE_KEYS.values():
        ident = issue_id(entry, key)
        issue = registry.async_get_issue(DOMAIN, ident)
        if issue is None or key in keep:
            continue
        raised_by = (issue.data or {}).get("source")
        if source == "send" or key in PROVEN_BY_ANY_SUCCESS or raised_by == source:
            ir.async_delete_issue(hass, DOMAIN, ident)


def async_remove_issues(hass: HomeAssistant, entry: ConfigEntry, keys: Collection[str] = ()) -> None:
    """Forget the issues of an entry: those under ``keys``, or every one when it is being removed."""
    for key in keys or ISSUE_KEYS.values():
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry, key))
