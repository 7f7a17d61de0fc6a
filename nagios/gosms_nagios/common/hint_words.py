"""The Nagios/Icinga programs' words for the core's hints: the flag that sets each setting.

The core says *which* setting fixes an error (:class:`gosms.wire.hints.Hint`) and never names an option.
An admin fixes it in a command definition (``commands.cfg``, an Icinga 2 ``CheckCommand`` or
``NotificationCommand``), so the hint names the flag that goes there, and nothing where the program
has no flag for the setting: a hint the admin cannot act on in this tool is no hint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from gosms.wire.config import ENV_TOKEN, ENV_TOKEN_FILE
from gosms.wire.errors import APIError, GoSMSError
from gosms.wire.hints import ON, Hint, Setting

__all__ = ["CHECK_FLAGS", "NOTIFY_FLAGS", "explain", "hint_text"]

_SHARED: Mapping[Setting, str] = {
    Setting.TOKEN: f"--token-file (or ${ENV_TOKEN_FILE} / ${ENV_TOKEN} in the daemon's environment)",
    Setting.API_URL: "--api-url",
    Setting.ALLOW_INSECURE_HTTP: "--allow-insecure-http",
}
CHECK_FLAGS: Mapping[Setting, str] = {**_SHARED, Setting.DEVICE_ID: "--device", Setting.TIMEOUT: "-t"}
"""check_gosms's flags."""
NOTIFY_FLAGS: Mapping[Setting, str] = {**_SHARED, Setting.RECIPIENT: "--to", Setting.TIMEOUT: "--timeout"}
"""notify_gosms's flags."""


def hint_text(hint: Optional[Hint], flags: Mapping[Setting, str]) -> str:
    """The hint as a sentence naming the program's flag; "" without a hint or without such a flag."""
    if hint is None or hint.setting not in flags:
        return ""
    words = flags[hint.setting]
    if hint.value is None:
        return f"Check {words}."
    if hint.value == ON:  # a switch: the flag takes no value
        return f"Or add {words}."
    return f"Or set {words} {hint.value}."


def explain(exc: GoSMSError, flags: Mapping[Setting, str]) -> str:
    """The error as one line, its hint (if any) worded in ``flags``."""
    hint = hint_text(getattr(exc, "hint", None), flags)
    if isinstance(exc, APIError):
        return exc.sentence(hint)
    return f"{exc} {hint}".strip()
