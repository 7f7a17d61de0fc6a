"""One SMS for one Nagios/Icinga notification, that always fits and keeps its meaning.

A notification carries its type, the host (and service), the state, the plugin output, the time
and, for acknowledgements, the author and comment.  An SMS carries at most 300 characters from the
API's character set.  The fixed parts (type, host, service, state, time) are kept, each shortened
only when absurdly long; the acknowledgement comment and then the plugin output take what is left.
The text goes through the core's :func:`gosms.wire.validation.prepare_message` with ``replace`` and
``truncate``, so characters the API refuses (``|``, ``~``, emoji) become accepted spellings and the
result is never refused for its length or its characters.
"""

from __future__ import annotations

import re

from gosms.wire.validation import MAX_MESSAGE_LENGTH, prepare_message, replace_invalid_chars

__all__ = ["MIN_LENGTH", "Notification", "compose"]

MIN_LENGTH = 60
"""The shortest SMS asked for that still holds type, host, service and state."""
_NAME_SHARE = 0.3
"""At most this share of the SMS for the host or the service name each."""
_SPACES = re.compile(r"\s+")


TYPE_CHECKING = False  # not typing's: a notifier handing its alert over loads this module (gosms/__init__)
if TYPE_CHECKING:
    from typing import Optional


class Notification:
    """What the daemon's macros say about one notification (empty strings where it has none).

    A plain class, not a dataclass: a notifier loads this before it hands its alert over, and
    ``dataclasses`` alone costs more than the whole hand-off."""

    __slots__ = ("author", "comment", "host", "output", "service", "state", "time", "type")

    def __init__(self, type: str, host: str, state: str, output: str = "", service: str = "",
                 time: str = "", author: str = "", comment: str = "") -> None:
        self.type, self.host, self.state, self.output = type, host, state, output
        self.service, self.time, self.author, self.comment = service, time, author, comment

    def __repr__(self) -> str:
        return "Notification(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"


def _clean(text: Optional[str]) -> str:
    """One line in the API's characters: macros may carry newlines, ``|``, emoji, tabs."""
    return _SPACES.sub(" ", replace_invalid_chars(text or "")).strip()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def compose(note: Notification, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``PROBLEM: web01/HTTP is CRITICAL: <output> [<time>]``, at most ``limit`` characters.

    Hosts read ``PROBLEM: web01 is DOWN: ...``; acknowledgements add ``(ack by <author>: <comment>)``
    after the state.  The output is the part cut first, then the comment.
    """
    limit = max(MIN_LENGTH, min(limit, MAX_MESSAGE_LENGTH))
    name_limit = int(limit * _NAME_SHARE)
    kind = _clean(note.type).upper() or "NOTIFICATION"
    host = _cut(_clean(note.host), name_limit)
    service = _cut(_clean(note.service), name_limit)
    subject = f"{host}/{service}" if service else host
    state = _clean(note.state).upper()
    head = f"{kind}: {subject}" + (f" is {state}" if state else "")
    tail = f" [{_clean(note.time)}]" if _clean(note.time) else ""
    author, comment = _clean(note.author), _clean(note.comment)
    ack = ""
    if author or comment:
        ack = f" ({'by ' + author if author else ''}{': ' if author and comment else ''}{comment})"
    room = limit - len(head) - len(tail)
    ack = _cut(ack[:-1], max(0, room // 2 - 1)) + ")" if len(ack) > room // 2 else ack
    output = _clean(note.output)
    room -= len(ack) + 2
    body = f"{head}{ack}" + (f": {_cut(output, room)}" if output and room > 1 else "") + tail
    # The guarantee: whatever the parts above did, the API accepts this text as one message.
    return prepare_message(_cut(body, limit), invalid_chars="replace", long_message="truncate")[0]
