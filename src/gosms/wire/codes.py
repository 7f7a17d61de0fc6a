"""What an error code is: its monitoring state, its kind, and the shape of a row of the error table.

Kept apart from the table's rows (:mod:`gosms.wire.error_table`) and from the exceptions
(:mod:`gosms.wire.errors`): the exceptions need these types on every run, the rows only when an
error is being explained, so a send that succeeds never loads the table (the Ansible module's
payload compiles it on the managed host otherwise).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from .hints import Setting

__all__ = ["Category", "ErrorInfo", "Severity"]


class Severity(enum.IntEnum):
    """Monitoring state, numbered as the Monitoring Plugins exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


class Category(str, enum.Enum):
    """What kind of problem a code is, so a caller can branch on it without listing codes."""

    AUTH = "auth"
    PERMISSION = "permission"
    QUOTA = "quota"
    DEVICE = "device"
    VALIDATION = "validation"
    NOT_FOUND = "not found"
    ACCOUNT = "account"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ErrorInfo:
    """One row of the table: what the code means and what an operator does about it."""

    code: int
    description: str
    remedy: str
    category: Category
    retryable: bool
    severity: Severity
    description_ru: str
    remedy_ru: str
    field: Optional[str] = None
    """The request field a validation code is about, so callers can point at it."""
    setting: Optional[Setting] = None
    """The setting a user changes to fix this code, if one does (adapters name it in their words)."""
    retry_after: float = 0.0
    """For retryable codes: how long to wait before a retry can succeed."""
    known: bool = True
    pages: tuple[str, ...] = ("en", "ru")
    """The doc pages listing the code: ``description`` is the English page's text where "en" is listed,
    else a faithful translation of the Russian page's; ``description_ru`` is always the Russian page's."""

    def as_dict(self) -> dict[str, Any]:
        """The row for JSON output (``gosms errors --json``)."""
        return {
            "code": self.code,
            "description": self.description,
            "remedy": self.remedy,
            "category": self.category.value,
            "retryable": self.retryable,
            "severity": self.severity.name,
            "description_ru": self.description_ru,
            "remedy_ru": self.remedy_ru,
            "field": self.field,
            "setting": self.setting.value if self.setting is not None else None,
            "retry_after": self.retry_after,
            "pages": list(self.pages),
        }
