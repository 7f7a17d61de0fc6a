"""The account's API tokens and their grants (the control panel's API settings page)."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .scenario import Account, ScenarioError, as_bool

__all__ = ["DEFAULT_TOKEN", "PERMISSIONS", "TokenBook", "TokenRecord", "token_fields"]

DEFAULT_TOKEN = "demo-token"
PERMISSIONS: tuple[str, ...] = ("send", "read", "delete", "devices_read", "devices_edit", "devices_delete")
"""The grants of the control panel's API settings (SMS: send/see/delete; devices: see/edit/delete)."""

_TOKEN_KEYS = frozenset(("token", "label", "active", "deleted", "permissions"))


@dataclass
class TokenRecord:
    value: str
    label: str
    active: bool = True
    deleted: bool = False
    permissions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, True))

    def snapshot(self, index: int) -> dict[str, Any]:
        """Everything but the token itself: state dumps end up in CI logs."""
        return {"index": index, "label": self.label, "active": self.active, "deleted": self.deleted,
                "permissions": dict(self.permissions)}



class TokenBook(Account):
    """The tokens, keyed by value; a patch names one by label, index or value."""

    tokens: dict[str, TokenRecord]
    _label_seq: itertools.count[int]

    def token(self, value: str) -> TokenRecord | None:
        with self.lock:
            return self.tokens.get(value)

    def add_token(self, token: str | None = None, *, label: str | None = None, active: bool = True,
                  permissions: Any = None) -> str:
        """A new API token; returns its value (the only place a caller gets it back)."""
        fields: dict[str, Any] = {"token": token or "emu-" + secrets.token_hex(16), "active": active}
        if label is not None:
            fields["label"] = label
        if permissions is not None:
            fields["permissions"] = permissions
        with self.current():
            record = self._new_token(fields)
            return record.value

    def _new_token(self, fields: Mapping[str, Any]) -> TokenRecord:
        fields = token_fields(fields)
        value = fields.get("token")
        if not isinstance(value, str) or not value or any(c.isspace() for c in value):
            raise ScenarioError("a token is non-empty text without spaces")
        if value in self.tokens:
            raise ScenarioError(f"token {self._label_of(value)!r} already exists")
        label = fields.get("label")
        while label is None or ("label" not in fields and any(t.label == label for t in self.tokens.values())):
            label = f"token{next(self._label_seq)}"
        if not isinstance(label, str) or not label:
            raise ScenarioError("a token label is non-empty text")
        if any(t.label == label for t in self.tokens.values()):
            raise ScenarioError(f"token label {label!r} is already used")
        record = TokenRecord(value=value, label=label)
        self._patch_token(record, {k: v for k, v in fields.items() if k not in ("token", "label")})
        self.tokens[value] = record
        return record

    def _label_of(self, value: str) -> str:
        record = self.tokens.get(value)
        return record.label if record else "?"

    def _patch_token(self, record: TokenRecord, fields: Mapping[str, Any]) -> None:
        for key, value in fields.items():
            if key in ("active", "deleted"):
                setattr(record, key, as_bool(f"token {key}", value))
            elif key == "permissions":
                record.permissions = parse_permissions(value, record.permissions)
            elif key == "label":
                if not isinstance(value, str) or not value:
                    raise ScenarioError("a token label is non-empty text")
                record.label = value
            elif key == "token" and value != record.value:
                raise ScenarioError("a token's value cannot change; add a new token instead")

    def _find_token_key(self, key: str) -> str | None:
        if key in self.tokens:
            return key
        for index, (value, record) in enumerate(self.tokens.items()):
            if record.label == key or str(index) == key:
                return value
        return None

    def _apply_tokens(self, value: Any) -> None:
        if isinstance(value, list):
            self.tokens = {}
            for item in value:
                self._new_token({"token": item} if isinstance(item, str) else item)
            return
        if not isinstance(value, Mapping):
            raise ScenarioError("tokens is a list (replaces all) or an object keyed by label, index or token")
        for key, fields in value.items():
            found = self._find_token_key(str(key))
            if fields is None:
                if found is None:
                    raise ScenarioError(f"no token {key!r} to remove")
                del self.tokens[found]
            elif found is None:
                raise ScenarioError(f"no token {key!r}; add tokens with add_token or a tokens list")
            else:
                self._patch_token(self.tokens[found], token_fields(fields))


def token_fields(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise ScenarioError("a token is its text or an object with token, label, active, deleted, permissions")
    unknown = sorted(set(fields) - _TOKEN_KEYS)
    if unknown:
        raise ScenarioError(f"unknown token field(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOKEN_KEYS))}")
    return dict(fields)



def parse_permissions(value: Any, current: Mapping[str, bool]) -> dict[str, bool]:
    """A list is the exact set granted; an object changes only the grants it names."""
    if isinstance(value, list):
        unknown = sorted(set(map(str, value)) - set(PERMISSIONS))
        if unknown:
            raise ScenarioError(f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}")
        return {name: name in value for name in PERMISSIONS}
    if isinstance(value, Mapping):
        merged = dict(current)
        for name, granted in value.items():
            if name not in PERMISSIONS:
                raise ScenarioError(f"unknown permission {name!r}; known: {', '.join(PERMISSIONS)}")
            merged[name] = as_bool(f"permission {name}", granted)
        return merged
    raise ScenarioError("permissions is a list of granted names or an object of name: true/false")
