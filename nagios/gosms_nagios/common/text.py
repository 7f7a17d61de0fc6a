"""Text made safe for a plugin's output, where some characters mean something to the daemon.

Nagios reads everything after the first ``|`` as performance data, ends the status line at the
first line break and turns ``;`` into ``:``; nagiosplugin drops ``|`` and prints a warning line of
its own.  Names that come from the account (a phone named by its owner) and texts from the core
pass through here, so they can neither split the status line nor inject performance data.
"""

from __future__ import annotations

import re

__all__ = ["plain_text", "sentence"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
_ENDS = (".", "!", "?", "…")


def plain_text(text: str) -> str:
    """One line without ``|`` or ``;``: line breaks and control characters become spaces."""
    text = _CONTROL.sub(" ", text).replace("|", "/").replace(";", ",")
    return _SPACES.sub(" ", text).strip()


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (or the ``?``/``!``/``…`` it already ends in)."""
    text = text.rstrip()
    while text.endswith(",") or text.endswith(":"):
        text = text[:-1].rstrip()
    return text if text.endswith(_ENDS) else text + "."
