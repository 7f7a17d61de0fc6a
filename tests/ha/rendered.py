"""What a reader sees: a translation key and its placeholders rendered from the shipped files.

Home Assistant's frontend renders exceptions, form errors and repairs from the key and the
placeholders in the reader's language; these helpers do the same from translations/*.json, so a
test can check the words in English and in Russian without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
import json
from pathlib import Path
from typing import Any

from gosms import TABLE

TRANSLATIONS = Path(__file__).resolve().parents[2] / "custom_components" / "gosms" / "translations"


def render(
    section: str, key: str, placeholders: Mapping[str, str] | None, language: str = "en", part: str = ""
) -> str:
    """``section`` is a dotted path in the file, e.g. ``config.error`` or ``exceptions``; ``part`` picks
    e.g. a repair's ``title`` (by default an exception's message or a repair's description)."""
    node: Any = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    for name in section.split("."):
        node = node[name]
    text = node[key]
    if isinstance(text, dict):
        text = text[part or ("message" if "message" in text else "description")]
    return str(text).format(**(placeholders or {}))


def assert_table_text(section: str, key: str, placeholders: Mapping[str, str] | None, code: int) -> str:
    """The key renders the table's description and remedy of ``code`` in both languages; the
    English text is returned for further checks."""
    info = TABLE[code]
    braces = {"en": "curly brackets", "ru": "фигурные скобки"}  # scripts/ha_translations.py puts {} in words
    info = replace(
        info,
        **{
            field: getattr(info, field).replace("{}", braces["ru" if field.endswith("_ru") else "en"])
            for field in ("description", "remedy", "description_ru", "remedy_ru")
        },
    )
    russian = render(section, key, placeholders, "ru")
    assert info.description_ru in russian and info.remedy_ru in russian, russian
    assert info.description not in russian
    english = render(section, key, placeholders, "en")
    assert info.description in english and info.remedy in english, english
    assert str(code) in english and str(code) in russian
    return english
