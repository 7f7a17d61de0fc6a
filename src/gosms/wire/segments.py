"""How many SMS the phone will send for a text, fitting a text into N of them, and Latin for Cyrillic.

Why: GoSMS takes up to 300 characters per message, but the sending phone splits the text into SMS
segments as the GSM standard (3GPP TS 23.038, 23.040) says, and the carrier bills and throttles
per segment.  A text of GSM-7 characters (the default alphabet) fits 160 per SMS, or 153 per part
when it needs several (a part carries a 6-byte concatenation header); the extension characters
``^ { } \\ [ ~ ] | €`` and form feed take two septets each (an escape and the character), and a part
never ends between the two.  One character outside the alphabet (a Cyrillic letter, an emoji)
sends the whole text as UCS-2: 70 per SMS, 67 per part, counted in UTF-16 units, a surrogate pair
never split.  So a 300-character Russian alert is 5 SMS, its transliteration 2.

Transliteration follows ICAO Doc 9303 (part 3, the table Russian passports use since 2014), not
GOST 7.79-2000 System B: System B writes ъ, ы, ь, э with a grave accent (``y```), which is neither
GSM-7 nor accepted by the GoSMS API, so the text would stay UCS-2.  ICAO 9303 uses plain Latin
letters only.  Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "GSM7",
    "GSM7_EXTENSION",
    "SEGMENTS_HELP",
    "TRANSLIT_HELP",
    "SegmentCount",
    "count_segments",
    "fit_segments",
    "transliterate",
]

GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet (one septet each; the escape itself is not text)."""
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
"""Reached through the escape: two septets each."""

SIZES = "GSM-7: 160, or 153 per part; UCS-2: 70, or 67"
TRANSLIT_HELP = ("write Cyrillic in Latin letters (ICAO 9303), so a Russian alert goes in GSM-7: 160 characters per "
                 "SMS instead of 70")
"""Help texts the command lines share: what the options do, in the phone's terms."""
SEGMENTS_HELP = (f"shorten the text (at a word, with '...') to go in at most N SMS segments as the phone sends "
                 f"them ({SIZES})")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PART = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SegmentCount:
    """``segments`` SMS in ``encoding``, ``units`` septets (GSM-7) or UTF-16 units (UCS-2)."""

    encoding: str
    units: int
    segments: int

    @property
    def per_segment(self) -> int:
        return SINGLE[self.encoding] if self.segments <= 1 else PART[self.encoding]

    def as_dict(self) -> dict[str, Any]:
        return {"encoding": self.encoding, "units": self.units, "segments": self.segments}

    def __str__(self) -> str:
        return f"{self.segments} SMS segment{'s' if self.segments != 1 else ''} ({self.encoding})"


def _is_gsm7(text: str) -> bool:
    return all(ch in GSM7 or ch in GSM7_EXTENSION for ch in text)


def _units(ch: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def count_segments(text: str) -> SegmentCount:
    """The SMS segments the phone sends ``text`` in (an empty text is one empty SMS)."""
    encoding = "GSM-7" if _is_gsm7(text) else "UCS-2"
    widths = [_units(ch, encoding) for ch in text]
    units = sum(widths)
    if units <= SINGLE[encoding]:
        return SegmentCount(encoding, units, 1)
    segments, room = 1, PART[encoding]
    for width in widths:  # a character never straddles two parts
        if width > room:
            segments, room = segments + 1, PART[encoding]
        room -= width
    return SegmentCount(encoding, units, segments)


def fit_segments(text: str, segments: int) -> str:
    """``text`` cut at a word, with an ellipsis, so that it goes in at most ``segments`` SMS.

    The ellipsis is ``...`` in a GSM-7 text (``…`` is not in the alphabet and would turn the whole
    text into UCS-2) and ``…`` in a UCS-2 one.
    """
    if segments < 1:
        raise ValueError("at least one segment")
    if count_segments(text).segments <= segments:
        return text
    ellipsis = "..." if _is_gsm7(text) else "…"
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if count_segments(text[:middle].rstrip() + ellipsis).segments <= segments:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    word = cut.rstrip().rsplit(" ", 1)[0] if " " in cut.strip() else cut
    if len(word) >= len(cut) * 0.8:  # break at a word when it costs little
        cut = word
    return cut.rstrip() + ellipsis


# ICAO Doc 9303 part 3: Russian, with the Ukrainian and Belarusian letters of the same table.
_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "є": "ie", "і": "i", "ї": "i", "ґ": "g", "ў": "u",
}


def transliterate(text: str) -> str:
    """Cyrillic letters in Latin by ICAO 9303; everything else as it is.

    A capital becomes ``Zh`` before a small letter or alone in a word of small letters, ``ZH`` in
    a word of capitals (``ЩИТ`` -> ``SHCHIT``, ``Щит`` -> ``Shchit``).
    """
    out: list[str] = []
    for index, ch in enumerate(text):
        lower = ch.lower()
        latin = _ICAO.get(lower)
        if latin is None:
            out.append(ch)
        elif ch == lower:
            out.append(latin)
        else:
            out.append(latin.upper() if _in_capitals(text, index) else latin.capitalize())
    return "".join(out)


def _in_capitals(text: str, index: int) -> bool:
    """Whether the letter at ``index`` stands among capitals (its neighbours are capitals)."""
    neighbours = [text[i] for i in (index - 1, index + 1) if 0 <= i < len(text) and text[i].isalpha()]
    return bool(neighbours) and all(c.isupper() for c in neighbours)
