"""What kind of error a code is: its monitoring state and its category.

Kept apart from the table (:mod:`gosms.wire.error_table`, rows of :class:`~gosms.wire.error_table.ErrorInfo`)
and from the exceptions (:mod:`gosms.wire.errors`): the exceptions need these two on every run,
the table only when an error is being explained, so a send that succeeds never loads the table
(the Ansible module's payload would compile it on the managed host otherwise).
"""

from __future__ import annotations

import enum

__all__ = ["Category", "Severity"]


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
