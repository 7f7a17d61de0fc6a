"""Input rules of the GoSMS API, checked before any request with the code the API would answer.

An alert that the API would refuse is better refused here: the caller learns which field and which
character is wrong while it can still fix it, and nothing half-sent is left behind.

The message rule is the API's own expression ``[\\p{L}0-9\\p{P}\\s]`` plus the listed symbols
``-_/.,!+@=#$%^&*(){}[];"'<>?``, 1-300 characters.  The server is written in Go, where ``0-9`` and
``\\s`` are ASCII only: other digits and a non-breaking space are refused, and so are ``|``, ``~``,
the backtick and emoji, which are symbols, not punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal, Optional, Union

from .errors import ValidationError

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "InvalidChars",
    "LongMessage",
    "check_bool",
    "check_callback_id",
    "check_device_id",
    "check_limit",
    "check_message",
    "check_message_id",
    "check_offset",
    "check_phone",
    "check_to_sim",
    "first_invalid_char",
    "normalize_phone",
    "prepare_message",
    "replace_invalid_chars",
]

MAX_MESSAGE_LENGTH = 300
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 30
MAX_PAGE_LIMIT = 100

InvalidChars = Literal["fail", "replace"]
LongMessage = Literal["fail", "split", "truncate"]
INVALID_CHARS_CHOICES: tuple[str, ...] = ("fail", "replace")
LONG_MESSAGE_CHOICES: tuple[str, ...] = ("fail", "split", "truncate")

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UUID_ANY_CASE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EXTRA_SYMBOLS = frozenset("-_/.,!+@=#$%^&*(){}[];\"'<>?")
_ASCII_SPACE = frozenset(" \t\n\r\f")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().\u00a0\u2010-\u2015]")

# Replacements that keep the meaning of characters alerts commonly carry.
_REPLACEMENTS = {
    "|": "/",
    "~": "-",
    "`": "'",
    "\u00a0": " ",
    "\v": " ",
    "°": " deg",
    "№": "No.",
    "€": "EUR",
    "₽": "RUB",
    "£": "GBP",
    "×": "x",
    "÷": "/",
    "±": "+/-",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "≈": "~=",
    "→": "->",
    "←": "<-",
    "⇒": "=>",
    "©": "(c)",
    "®": "(R)",
    "™": "(TM)",
    "\u2022": "*",
}


def _char_ok(ch: str) -> bool:
    if "0" <= ch <= "9" or ch in _ASCII_SPACE or ch in _EXTRA_SYMBOLS:
        return True
    cat = unicodedata.category(ch)
    return cat[0] in ("L", "P")


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    shown = ch if ch.isprintable() and not ch.isspace() else ""
    label = f"'{shown}' " if shown else ""
    return f"{label}(U+{ord(ch):04X}{' ' + name if name else ''})"


def first_invalid_char(text: str) -> Optional[tuple[int, str]]:
    """1-based position and character of the first character the API refuses, if any."""
    for index, ch in enumerate(text):
        if not _char_ok(ch):
            return index + 1, ch
    return None


def _refuse_invalid_char(text: str) -> None:
    bad = first_invalid_char(text)
    if bad is not None:
        position, ch = bad
        raise ValidationError(
            2002,
            f"Character {_describe_char(ch)} at position {position} is not accepted; remove it or "
            "choose invalid_chars=replace.",
        )


def check_message(value: Any) -> str:
    """The text, NFC-normalised, or :class:`ValidationError` 2002 naming what to fix."""
    if not isinstance(value, str):
        raise ValidationError(2002, f"message must be text, not {type(value).__name__}.")
    text = unicodedata.normalize("NFC", value)
    if not text:
        raise ValidationError(2002, "message is empty; give 1 to 300 characters.")
    _refuse_invalid_char(text)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            2002,
            f"message is {len(text)} characters, the limit is {MAX_MESSAGE_LENGTH}; shorten it or choose "
            "long_message=split or long_message=truncate.",
        )
    return text


def _replacement(ch: str) -> str:
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return str(unicodedata.digit(ch))
    if cat.startswith("Z") or cat == "Cc":
        return " "
    if cat in ("Mn", "Me", "Cf"):
        return ""  # combining marks left after NFC, zero-width joiners, variation selectors
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and all(_char_ok(c) for c in folded):
        return folded
    name = unicodedata.name(ch, "")
    if name:
        return f"({name.lower()})"
    return f"(U+{ord(ch):04X})"


def replace_invalid_chars(text: str) -> str:
    """Swap every refused character for an accepted spelling that keeps its meaning.

    ``|`` becomes ``/``, a non-breaking space a space, ``°`` becomes `` deg``, an emoji its Unicode
    name in brackets (🔥 → ``(fire)``): nothing is dropped silently, so an alert still reads right.
    """
    text = unicodedata.normalize("NFC", text)
    out = "".join(ch if _char_ok(ch) else _replacement(ch) for ch in text)
    return re.sub(r" {2,}", " ", out) if out != text else out


def _split_words(text: str, width: int) -> list[str]:
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > width:
        cut = rest.rfind(" ", 0, width + 1)
        if cut < width // 2:  # no reasonable word boundary: cut hard rather than make tiny parts
            cut = width
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Parts of at most ``limit`` characters, cut at word boundaries and numbered ``(1/3) ``."""
    if len(text) <= limit:
        return [text]
    count = 2
    while True:
        prefix_len = len(f"({count}/{count}) ")
        parts = _split_words(text, limit - prefix_len)
        if len(parts) <= count:
            total = len(parts)
            return [f"({i}/{total}) {part}" for i, part in enumerate(parts, 1)]
        count = len(parts)


def truncate_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """At most ``limit`` characters, cut at a word boundary and ending in an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    cut = head.rfind(" ")
    if cut >= limit // 2:
        head = head[:cut]
    return head.rstrip() + "…"


def prepare_message(
    text: Any,
    *,
    invalid_chars: str = "fail",
    long_message: str = "fail",
) -> list[str]:
    """The texts to send for one alert: one part, or several when splitting was asked for.

    The default refuses anything the API would refuse; ``invalid_chars="replace"`` and
    ``long_message="split"|"truncate"`` are the caller's explicit choice to adapt the text instead.
    """
    if invalid_chars not in INVALID_CHARS_CHOICES:
        raise ValueError(f"invalid_chars must be one of {', '.join(INVALID_CHARS_CHOICES)}")
    if long_message not in LONG_MESSAGE_CHOICES:
        raise ValueError(f"long_message must be one of {', '.join(LONG_MESSAGE_CHOICES)}")
    if not isinstance(text, str):
        raise ValidationError(2002, f"message must be text, not {type(text).__name__}.")
    if invalid_chars == "replace":
        text = replace_invalid_chars(text)
    elif long_message != "fail":
        # Checked before the text is cut: the position then names a character of the caller's text,
        # not of a numbered part, and a refused character is not silently cut off by a truncation.
        _refuse_invalid_char(unicodedata.normalize("NFC", text))
    text = unicodedata.normalize("NFC", text).strip() if long_message != "fail" else text
    if long_message == "split":
        parts = split_message(text)
    elif long_message == "truncate":
        parts = [truncate_message(text)]
    else:
        parts = [text]
    return [check_message(part) for part in parts]


def normalize_phone(value: Any) -> str:
    """Digits of a number as people type it: ``+7 (999) 123-45-67`` → ``79991234567``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(2001, f"phone number must be text, not {type(value).__name__}.")
    stripped = _PHONE_PUNCTUATION.sub("", value.strip())
    if stripped.startswith("+"):
        stripped = stripped[1:]
    return check_phone(stripped, original=value)


def check_phone(value: Any, *, original: Optional[str] = None) -> str:
    """The number if it is 3-30 ASCII digits, else :class:`ValidationError` 2001."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(2001, f"phone number must be text, not {type(value).__name__}.")
    shown = original if original is not None else value
    if not value.isascii() or not value.isdigit():
        bad = next((c for c in value if not ("0" <= c <= "9")), "")
        hint = " (or ask for normalisation)" if original is None else ""
        raise ValidationError(
            2001,
            f"{shown!r} contains {_describe_char(bad) if bad else 'no digits'}; use digits only, country "
            f"code first without '+', e.g. 79991234567{hint}.",
        )
    if not MIN_PHONE_DIGITS <= len(value) <= MAX_PHONE_DIGITS:
        raise ValidationError(
            2001, f"{shown!r} has {len(value)} digits; a number has {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS}."
        )
    return value


def check_message_id(value: Any) -> str:
    """A message id: a 24-hex ObjectID (2003)."""
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return value
    raise ValidationError(2003, f"{value!r} is not a message id (24 hexadecimal characters).")


def _check_ref(value: Any, code: int, name: str) -> str:
    if isinstance(value, str):
        if _OBJECT_ID.fullmatch(value) or _UUID.fullmatch(value):
            return value
        if _UUID_ANY_CASE.fullmatch(value):
            raise ValidationError(code, f"{name} {value!r} must be lowercase: use {value.lower()!r}.")
    raise ValidationError(
        code,
        f"{name} {value!r} is neither a UUID (3baf9df0-d0e3-43d2-a58f-6d7c27143242) nor a 24-hex ObjectID.",
    )


def check_device_id(value: Any) -> str:
    """A device id: the Russian page's lowercase UUID or the English page's ObjectID (2005)."""
    return _check_ref(value, 2005, "device_id")


def check_callback_id(value: Any) -> str:
    """A webhook id: lowercase UUID or ObjectID (2004)."""
    return _check_ref(value, 2004, "callback_id")


def _as_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def check_to_sim(value: Any, device_id: Optional[str]) -> int:
    """A SIM slot number: a positive whole number (2008), and only with a device (1017)."""
    number = _as_int(value)
    if number is None or number < 1:
        raise ValidationError(2008, f"to_sim {value!r} is not a positive whole number.")
    if not device_id:
        raise ValidationError(1017, "to_sim was given without device_id; name the phone whose SIM to use.")
    return number


def check_limit(value: Any) -> int:
    number = _as_int(value)
    if number is None or not 1 <= number <= MAX_PAGE_LIMIT:
        raise ValidationError(2006, f"limit {value!r} must be a whole number from 1 to {MAX_PAGE_LIMIT}.")
    return number


def check_offset(value: Any) -> int:
    number = _as_int(value)
    if number is None or number < 0:
        raise ValidationError(2007, f"offset {value!r} must be a whole number.")
    return number


def check_bool(value: Union[bool, str], field: str = "is_active") -> bool:
    """A boolean, also from the words a command line or a form gives (2009)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ValidationError(2009, f"{field} {value!r} must be true or false.", field=field)
