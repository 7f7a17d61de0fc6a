"""The ``gosms`` command's words for the core's hints: which option or variable sets each setting.

The core says *which* setting fixes an error (:class:`gosms.wire.hints.Hint`); only the command knows
that, here, the message is ``--message`` and the first SIM is ``--to-sim 0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from ..wire.config import ENV_API_URL, ENV_TOKEN, ENV_TOKEN_FILE
from ..wire.hints import ON, Hint, Setting

__all__ = ["OPTION_WORDS", "hint_text"]

OPTION_WORDS: Mapping[Setting, str] = {
    Setting.TOKEN: f"--token-file, ${ENV_TOKEN} or ${ENV_TOKEN_FILE}",
    Setting.API_URL: f"--api-url (or ${ENV_API_URL})",
    Setting.ALLOW_INSECURE_HTTP: "--allow-insecure-http",
    Setting.RECIPIENT: "--to",
    Setting.NORMALIZE: "--normalize",
    Setting.MESSAGE: "--message",
    Setting.INVALID_CHARS: "--invalid-chars",
    Setting.LONG_MESSAGE: "--long-message",
    Setting.DEVICE_ID: "--device-id",
    Setting.TO_SIM: "--to-sim",
    Setting.CALLBACK_ID: "--callback-id",
    Setting.MESSAGE_ID: "the message ID argument",
    Setting.LIMIT: "--limit",
    Setting.OFFSET: "--offset",
    Setting.IS_ACTIVE: "--activate or --deactivate",
    Setting.TIMEOUT: "--timeout",
}

_PER_COMMAND: Mapping[str, Mapping[Setting, str]] = {
    "device": {Setting.DEVICE_ID: "the device ID argument"},
}



def hint_text(hint: Optional[Hint], command: str = "") -> str:
    """The hint as one sentence in the command's options ("" without a hint)."""
    if hint is None:
        return ""
    words = _PER_COMMAND.get(command, {}).get(hint.setting) or OPTION_WORDS[hint.setting]
    if hint.value is None:
        return f"Use {words}."
    if hint.value == ON:  # the switches (--normalize, --allow-insecure-http) take no value
        return f"Or use {words}."
    return f"Or use {words} {hint.value}."
