"""Input rules of the GoSMS API, checked before any request with the code the API would answer.

An alert that the API would refuse is better refused here: the caller learns which field and which
character is wrong while it can still fix it, and nothing half-sent is left behind.

The message rule is the API's own expression ``[\\p{L}0-9\\p{P}\\s]`` plus the listed symbols
``-_/.,!+@=#$%^&*(){}[];"'<>?``, 1-300 characters (both error pages, 2002).  The server is written
in Go, where ``0-9`` and ``\\s`` are ASCII only: other digits and a non-breaking space are refused,
and so are ``|``, ``~``, the backtick and emoji, which are symbols, not punctuation.  The text is
sent as typed, except that a letter typed as a base and combining marks is composed when that makes
it a letter the rule accepts (``e`` + U+0301 → ``é``); letters NFC would split (the composition
exclusions such as क़ U+0958) are left whole.

The recipient rule is the API's, checked against both doc languages: the 2001 entry of the English
and of the Russian error page says ``phone_number`` is a required string of the digits ``0``-``9``,
3 to 30 characters long (example ``79929999999``).  So ``12345`` is a valid number to the API and
here; neither page asks for a country code or a minimum length beyond 3, and a ``+`` is refused.
"""

from __future__ import annotations

import functools
import re
import unicodedata

TYPE_CHECKING = False  # not typing's: a notifier composing its alert loads this module (gosms/__init__)
if TYPE_CHECKING:
    from collections.abc import Mapping
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
    "normalize_would_fix",
    "prepare_message",
    "replace_invalid_chars",
]

MAX_MESSAGE_LENGTH = 300
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 3, 30
MAX_PAGE_LIMIT = 100

if TYPE_CHECKING:
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

# Replacements that keep the meaning of characters alerts commonly carry; each spelling is itself
# accepted by the API (a test checks every one).
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
    "≈": "approx.",
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


_ASCII_OK = frozenset(chr(code) for code in range(128) if _char_ok(chr(code)))
"""ASCII characters the API accepts.  ASCII has no combining marks, so an ASCII text made of them is
sent as typed: the common case (an alert's English text) skips the per-character work below."""


def _plain(text: str) -> bool:
    """Whether ``text`` is ASCII the API accepts as it is (nothing to compose, replace or refuse)."""
    return text.isascii() and _ASCII_OK.issuperset(text)


def _describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "")
    shown = ch if ch.isprintable() and not ch.isspace() else ""
    label = f"'{shown}' " if shown else ""
    return f"{label}(U+{ord(ch):04X}{' ' + name if name else ''})"


def _clusters(text: str) -> list[str]:
    """The text cut before every character that is not a combining mark: a base and its marks."""
    clusters: list[str] = []
    for ch in text:
        if clusters and unicodedata.category(ch)[0] == "M":
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def _composed(cluster: str) -> str:
    """A letter and its marks as the API accepts them, if composing does that; else as typed.

    A mark is not ``\\p{L}``, so ``e`` + U+0301 is refused where ``é`` is accepted: composing (NFC)
    helps.  But NFC also *splits* the composition exclusions (क़ U+0958, ড় U+09DC, שׁ U+FB2A, …) into a
    letter and a mark, which the API then refuses: a character typed as one accepted letter stays as
    typed, so no error names a character the user never typed.
    """
    if len(cluster) == 1:
        return cluster
    nfc = unicodedata.normalize("NFC", cluster)
    if all(_char_ok(c) for c in nfc):
        return nfc
    letter = _precomposed_letters().get(unicodedata.normalize("NFD", cluster))
    return letter if letter is not None else cluster


@functools.lru_cache(maxsize=1)
def _precomposed_letters() -> dict[str, str]:
    """Letters that NFC never produces (composition exclusions), keyed by their decomposition.

    Built once, on the first letter-and-mark pair NFC cannot compose.  Every excluded letter is in
    the Basic Multilingual Plane (the excluded characters above it are musical symbols), so the
    scan stops there.
    """
    letters: dict[str, str] = {}
    for code in range(0x80, 0x10000):
        ch = chr(code)
        if unicodedata.category(ch)[0] == "L" and unicodedata.normalize("NFC", ch) != ch:
            letters.setdefault(unicodedata.normalize("NFD", ch), ch)
    return letters


def _compose(text: str) -> tuple[str, Optional[tuple[int, str]]]:
    """The text to send, and the 1-based position in ``text`` and the character of the first refusal.

    Only letter-and-mark clusters that composing makes acceptable change; everything else is sent
    as typed, so the position and character of a refusal are the caller's own.
    """
    if _plain(text):
        return text, None
    out: list[str] = []
    bad: Optional[tuple[int, str]] = None
    position = 0
    for cluster in _clusters(text):
        composed = _composed(cluster)
        out.append(composed)
        if bad is None and composed == cluster:
            for offset, ch in enumerate(cluster):
                if not _char_ok(ch):
                    bad = (position + offset + 1, ch)
                    break
        position += len(cluster)
    return "".join(out), bad


def first_invalid_char(text: str) -> Optional[tuple[int, str]]:
    """1-based position and character of the first character the API refuses, if any.

    The text is checked as it would be sent by :func:`check_message` (letters and marks composed
    where that makes them acceptable); the position counts the characters of ``text`` itself.
    """
    return _compose(text)[1]


def _refused(code: int, reason: str, setting: str, params: Optional[Mapping[str, str]] = None,
             value: Optional[str] = None, field: Optional[str] = None, *, on: bool = False) -> ValidationError:
    """The error for refused input, ``setting`` naming what fixes it.  The error table and the hints
    load only here, when something is refused: input that passes never pays for them."""
    from .errors import ValidationError
    from .hints import ON, Hint, Setting

    return ValidationError(code, reason=reason, params=params, field=field,
                           hint=Hint(Setting[setting], ON if on else value))


def _not_text(code: int, field: str, value: Any, setting: str) -> ValidationError:
    return _refused(code, "not_text", setting, {"field": field, "type": type(value).__name__})


def _char_refused(position: int, ch: str) -> ValidationError:
    return _refused(2002, "char_not_allowed", "INVALID_CHARS",
                    {"char": _describe_char(ch), "position": str(position), "codepoint": f"U+{ord(ch):04X}"},
                    "replace")


def check_message(value: Any) -> str:
    """The text to send, or :class:`ValidationError` 2002 naming what to fix.

    The text is the caller's, except that a letter typed with separate combining marks is composed
    when that makes it acceptable (``e`` + U+0301 → ``é``); length is counted on what is sent.
    """
    if not isinstance(value, str):
        raise _not_text(2002, "message", value, "MESSAGE")
    text, bad = _compose(value)
    if not text:
        raise _refused(2002, "message_empty", "MESSAGE", {"limit": str(MAX_MESSAGE_LENGTH)})
    if bad is not None:
        raise _char_refused(*bad)
    if len(text) > MAX_MESSAGE_LENGTH:
        raise _refused(2002, "message_too_long", "LONG_MESSAGE",
                       {"length": str(len(text)), "limit": str(MAX_MESSAGE_LENGTH)}, "split")
    return text


def api_accepts_message(value: Any) -> bool:
    """The API's own rule applied to the text exactly as given (no composing): what a server checks."""
    return (isinstance(value, str) and 1 <= len(value) <= MAX_MESSAGE_LENGTH
            and all(_char_ok(ch) for ch in value))


# Variation selectors are marks to the category table but only pick a glyph: dropping them loses nothing.
_INVISIBLE = frozenset(chr(c) for c in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


def _spelled(ch: str) -> str:
    """An accepted spelling of a refused character: its usual replacement, or its name in brackets."""
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return str(unicodedata.digit(ch))
    if cat.startswith("Z") or cat == "Cc":
        return " "
    if cat == "Cf" or ch in _INVISIBLE:
        return ""  # zero-width joiners, direction marks, variation selectors: no text of their own
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch and all(_char_ok(c) for c in folded):
        return folded
    # A name is ASCII letters, digits, spaces and hyphens: always accepted.
    name = unicodedata.name(ch, "")
    return f"({name.lower()})" if name else f"(U+{ord(ch):04X})"


def replace_invalid_chars(text: str) -> str:
    """Swap every refused character for an accepted spelling that keeps its meaning.

    ``|`` becomes ``/``, a non-breaking space a space, ``°`` becomes `` deg``, an emoji its Unicode
    name in brackets (🔥 → ``(fire)``), a combining mark that cannot be composed into its letter its
    name too (``q`` + U+0301 → ``q(combining acute accent)``): nothing visible is dropped silently,
    and the result always passes the API's rule.
    """
    if _plain(text):
        return text
    out: list[str] = []
    changed = False
    for cluster in _clusters(text):
        composed = _composed(cluster)
        if composed != cluster:
            changed = True
        for ch in composed:
            if _char_ok(ch):
                out.append(ch)
            else:
                out.append(_spelled(ch))
                changed = True
    result = "".join(out)
    return re.sub(r" {2,}", " ", result) if changed else result


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
        raise _not_text(2002, "message", text, "MESSAGE")
    if invalid_chars == "replace":
        text = replace_invalid_chars(text)
    elif long_message != "fail":
        # Checked before the text is cut: the position then names a character of the caller's text,
        # not of a numbered part, and a refused character is not silently cut off by a truncation.
        composed, bad = _compose(text)
        if bad is not None:
            raise _char_refused(*bad)
        text = composed
    text = text.strip() if long_message != "fail" else text
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
        raise _not_text(2001, "phone_number", value, "RECIPIENT")
    stripped = _PHONE_PUNCTUATION.sub("", value.strip())
    if stripped.startswith("+"):
        stripped = stripped[1:]
    return check_phone(stripped, original=value)


def check_phone(value: Any, *, original: Optional[str] = None) -> str:
    """The number if it is 3-30 ASCII digits, else :class:`ValidationError` 2001."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _not_text(2001, "phone_number", value, "RECIPIENT")
    shown = original if original is not None else value
    if not value.isascii() or not value.isdigit():
        bad = next((c for c in value if not ("0" <= c <= "9")), "")
        # Normalisation would remove what people type around the digits: suggest it when it would help.
        fixable = original is None and bool(value) and normalize_would_fix(value)
        raise _refused(2001, "phone_char", "NORMALIZE" if fixable else "RECIPIENT",
                       {"value": repr(shown), "char": _describe_char(bad) if bad else "no digits"},
                       on=fixable)
    if not MIN_PHONE_DIGITS <= len(value) <= MAX_PHONE_DIGITS:
        raise _refused(2001, "phone_length", "RECIPIENT",
                       {"value": repr(shown), "digits": str(len(value)), "min": str(MIN_PHONE_DIGITS),
                        "max": str(MAX_PHONE_DIGITS)})
    return value


def normalize_would_fix(value: str) -> bool:
    """True when :func:`normalize_phone` would turn ``value`` into a valid number."""
    stripped = _PHONE_PUNCTUATION.sub("", value.strip())
    stripped = stripped[1:] if stripped.startswith("+") else stripped
    return stripped.isascii() and stripped.isdigit() and MIN_PHONE_DIGITS <= len(stripped) <= MAX_PHONE_DIGITS


def check_message_id(value: Any) -> str:
    """A message id: a 24-hex ObjectID (2003)."""
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return value
    raise _refused(2003, "message_id_format", "MESSAGE_ID", {"value": repr(value)})


def _check_ref(value: Any, code: int, setting: str) -> str:
    if isinstance(value, str):
        if _OBJECT_ID.fullmatch(value) or _UUID.fullmatch(value):
            return value
        if _UUID_ANY_CASE.fullmatch(value):
            raise _refused(code, "id_uppercase", setting, {"value": repr(value), "lower": repr(value.lower())},
                           value.lower())
    raise _refused(code, f"{setting.lower()}_format", setting, {"value": repr(value)})


def check_device_id(value: Any) -> str:
    """A device id: the Russian page's lowercase UUID or the English page's ObjectID (2005)."""
    return _check_ref(value, 2005, "DEVICE_ID")


def check_callback_id(value: Any) -> str:
    """A webhook id: lowercase UUID or ObjectID (2004)."""
    return _check_ref(value, 2004, "CALLBACK_ID")


def _as_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value[1:] if value.startswith("-") else value
        if digits.isascii() and digits.isdigit():
            return int(value)
    return None


SIM_RANDOM, SIM_DEFAULT = -1, -2
"""``to_sim`` values of the Russian device page besides slot numbers (counted from 0)."""


def check_to_sim(value: Any, device_id: Optional[str]) -> int:
    """A SIM slot: 0 the first, 1 the second, …, -1 random, -2 the phone's default (2008); needs a device (1017).

    The Russian device page numbers slots from 0 and documents -1 and -2; text from a command line
    or a form is read as the number it spells.
    """
    number = _as_int(value)
    if number is None or number < SIM_DEFAULT:
        raise _refused(2008, "to_sim_format", "TO_SIM", {"value": repr(value)})
    if not device_id:
        raise _refused(1017, "to_sim_without_device", "DEVICE_ID")
    return number


def check_limit(value: Any) -> int:
    """A page size from 1 to 100 (2006)."""
    number = _as_int(value)
    if number is None or not 1 <= number <= MAX_PAGE_LIMIT:
        raise _refused(2006, "limit_range", "LIMIT", {"value": repr(value), "max": str(MAX_PAGE_LIMIT)})
    return number


def check_offset(value: Any) -> int:
    """A page offset: a whole number, 0 or more (2007)."""
    number = _as_int(value)
    if number is None or number < 0:
        raise _refused(2007, "offset_format", "OFFSET", {"value": repr(value)})
    return number


def check_bool(value: Union[bool, str], field: str = "is_active") -> bool:
    """A boolean, also from the words a command line or a form gives (2009)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise _refused(2009, "bool_format", "IS_ACTIVE", {"field": field, "value": repr(value)}, field=field)
