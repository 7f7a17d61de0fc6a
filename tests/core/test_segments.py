"""SMS segments as the phone sends them, fitting N of them, and ICAO 9303 transliteration."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gosms.wire.segments import GSM7, GSM7_EXTENSION, count_segments, fit_segments, transliterate
from gosms.wire.validation import check_message

ALERT_RU = "ПРОБЛЕМА: web01/HTTP в состоянии CRITICAL: сервер не отвечает 10 секунд [08:45]"


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("[" * 80, "GSM-7", 160, 1),           # the extension table counts double
    ("a" * 152 + "[" + "a" * 9, "GSM-7", 163, 2),
    ("a" * 152 + "€" + "a" * 153, "GSM-7", 307, 3),  # the escape pair never straddles two parts
    ("ж" * 70, "UCS-2", 70, 1),
    ("ж" * 71, "UCS-2", 71, 2),
    ("ж" * 134, "UCS-2", 134, 2),
    ("ж" * 135, "UCS-2", 135, 3),
    ("a" * 66 + "😀", "UCS-2", 68, 1),      # a surrogate pair is two units
    ("a" * 66 + "😀" + "a" * 3, "UCS-2", 71, 2),
])
def test_counts_as_the_standard_says(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_a_russian_alert_fits_one_segment_once_transliterated() -> None:
    assert count_segments(ALERT_RU).segments == 2
    latin = transliterate(ALERT_RU)
    assert latin == ("PROBLEMA: web01/HTTP v sostoianii CRITICAL: server ne otvechaet 10 sekund [08:45]")
    # "[" and "]" are in the extension table: two septets each
    assert count_segments(latin).as_dict() == {"encoding": "GSM-7", "units": len(latin) + 2, "segments": 1}


def test_capitals_follow_the_word() -> None:
    assert transliterate("ЩИТ Щит щит Ёж ЮГ Я") == "SHCHIT Shchit shchit Ezh IUG Ia"
    assert transliterate("Подъезд, объём, Київ, ґанок") == "Podieezd, obieem, Kiiv, ganok"


cyrillic = st.text(st.characters(min_codepoint=0x400, max_codepoint=0x45F) | st.sampled_from(" .,:0123456789"),
                   max_size=200)


@settings(max_examples=200, deadline=None)
@given(cyrillic)
def test_transliterated_russian_is_gsm7_and_accepted_by_the_api(text: str) -> None:
    latin = transliterate(text)
    assert count_segments(latin).encoding == "GSM-7" or any(0x400 <= ord(c) <= 0x45F and c.lower() not in
                                                           "абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґў"
                                                           for c in text)
    if latin.strip() and all(c.isascii() for c in latin):
        assert check_message(latin[:300]) == latin[:300]


texts = st.text(st.sampled_from(sorted(GSM7 | GSM7_EXTENSION)) | st.characters(codec="utf-8",
                                                                                exclude_categories=("Cs",)),
                max_size=700)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(1, 6))
def test_fitting_never_exceeds_n_segments_and_keeps_a_prefix(text: str, n: int) -> None:
    fitted = fit_segments(text, n)
    assert count_segments(fitted).segments <= n
    if count_segments(text).segments <= n:
        assert fitted == text
    else:
        body = fitted[:-3] if fitted.endswith("...") else fitted[:-1]
        assert text.startswith(body) and fitted.endswith(("...", "…"))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_segments_are_the_fewest_parts_that_hold_the_text(text: str) -> None:
    count = count_segments(text)
    per_part = 153 if count.encoding == "GSM-7" else 67
    assert count.segments >= 1
    if count.units > (160 if count.encoding == "GSM-7" else 70):
        # each part but the last holds at least per_part - 1 units (a split pair wastes one)
        assert (count.segments - 1) * (per_part - 1) < count.units <= count.segments * per_part
