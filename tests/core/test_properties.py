"""Property-based checks of validation, replacement and splitting against the docs' own rules.

The oracle below is written from the text of the error pages (2001 and 2002, the same in English
and Russian), not from :mod:`gosms.wire.validation`: it imports nothing of the core's rules.  The
server is written in Go, so its ``\\s`` is RE2's ``[\\t\\n\\f\\r ]`` and ``0-9`` is ASCII; ``\\p{L}``
and ``\\p{P}`` are the Unicode general categories L* and P*; ``{1,300}`` counts code points (runes).

Hypothesis draws from all of Unicode (surrogates and unassigned code points included) mixed with
the characters the review found trouble with.  Time is bounded: ``max_examples`` is fixed and
``deadline`` off (a busy 2-core CI machine must not fail a test for being slow), and the run is
derandomized, so the same examples run every time (profiles in conftest.py;
``GOSMS_HYPOTHESIS_PROFILE=dev`` draws new ones).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gosms.emulator import api as emulator_api
from gosms.wire import validation as v
from gosms.wire.errors import ValidationError

# -- the oracle, from the docs' text --------------------------------------------------------------

DOC_SYMBOLS = frozenset("-_/.,!+@=#$%^&*(){}[];\"'<>?")  # "Additional allowed symbols" on both pages
GO_SPACE = frozenset("\t\n\f\r ")  # RE2's \s
ASCII_DIGITS = frozenset("0123456789")
LETTER = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo"})  # \p{L}
PUNCTUATION = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"})  # \p{P}


def doc_char(ch: str) -> bool:
    if ch in DOC_SYMBOLS or ch in GO_SPACE or ch in ASCII_DIGITS:
        return True
    return unicodedata.category(ch) in LETTER | PUNCTUATION


def doc_message(text: str) -> bool:
    """2002: a required string of the allowed characters, 1 to 300 of them."""
    return 1 <= len(text) <= 300 and all(doc_char(ch) for ch in text)


def doc_phone(text: str) -> bool:
    """2001: a required string of the digits 0 to 9, 3 to 30 characters long."""
    return 3 <= len(text) <= 30 and all(ch in ASCII_DIGITS for ch in text)


# -- what to draw ----------------------------------------------------------------------------------

TROUBLE = (
    [chr(c) for c in (*range(0x0958, 0x0960), 0x09DC, 0x09DD, 0x09DF, 0x0A33, 0x0A36, 0x0A5E, 0x0F43, 0xFB1D,
                      0xFB2A, 0xFB4E)]
    + ["\u093c", "\u0301", "\u0308", "\u20dd", "\u200d", "\ufe0f", "\u00a0", "\u2248", "~", "|", "`", "\v",
       "\u0663", "\U0001f525", "\u212b", "\u1100", "\u1161", "e", "q", " ", "é"]
)
any_char = st.characters(exclude_categories=())  # every code point, surrogates and unassigned ones too
# Half the characters from anywhere in Unicode, half from the trouble list (or plain words' letters).
alphabet = st.one_of(any_char, st.sampled_from(TROUBLE), st.sampled_from(TROUBLE), st.characters(codec="ascii"))
texts = st.lists(alphabet, min_size=1, max_size=60).map("".join)
long_texts = st.lists(alphabet, min_size=200, max_size=450).map("".join)


@given(texts)
@example("load \u2248 5")
@example("\u0915\u093c \u0958 \u09dc \ufb2a")
def test_check_message_agrees_with_the_docs(text: str) -> None:
    if doc_message(text):
        assert v.check_message(text) == text  # accepted text is sent exactly as typed
        return
    try:
        sent = v.check_message(text)
    except ValidationError as exc:
        assert exc.code == 2002
        if exc.reason == "char_not_allowed":
            position = int(exc.params["position"])
            assert f"U+{ord(text[position - 1]):04X}" == exc.params["codepoint"]  # a character the user typed
            assert not doc_char(text[position - 1])
        return
    # Accepted only by composing a letter with its marks: the same text to a reader, and valid as sent.
    assert doc_message(sent)
    assert unicodedata.normalize("NFD", sent) == unicodedata.normalize("NFD", text)


@given(texts)
@example("load \u2248 5")
@example("\u0915\u093c \u0958")
@example("q\u0301")
def test_replacement_always_passes_the_rule(text: str) -> None:
    replaced = v.replace_invalid_chars(text)
    assert all(doc_char(ch) for ch in replaced)
    if doc_message(text):
        assert replaced == text
    for ch in set(text):
        # A visible mark is never dropped: it is composed into its letter or spelled out.
        if unicodedata.category(ch) in ("Mn", "Mc", "Me") and ch not in ("\ufe0f", "\ufe0e"):
            composed_somewhere = any(
                unicodedata.normalize("NFD", out_ch) != out_ch and ch in unicodedata.normalize("NFD", out_ch)
                for out_ch in replaced)
            named = unicodedata.name(ch, "").lower() in replaced or f"U+{ord(ch):04X}" in replaced
            assert composed_somewhere or named or ch in replaced, hex(ord(ch))


@settings(max_examples=40)  # each example is hundreds of characters: fewer examples, same coverage per run
@given(long_texts)
def test_prepared_parts_always_pass_the_rule(text: str) -> None:
    try:
        parts = v.prepare_message(text, invalid_chars="replace", long_message="split")
    except ValidationError as exc:
        assert exc.reason == "message_empty"  # nothing printable left at all
        return
    assert parts and all(doc_message(part) for part in parts)
    if len(parts) > 1:
        assert [part.split(" ", 1)[0] for part in parts] == [f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    (truncated,) = v.prepare_message(text, invalid_chars="replace", long_message="truncate")
    assert doc_message(truncated)


words = st.text(st.characters(categories=("Lu", "Ll", "Nd", "Po")), min_size=1, max_size=40).filter(
    lambda w: all(doc_char(ch) for ch in w))


@given(st.lists(words, min_size=1, max_size=60))
def test_splitting_loses_nothing(word_list: list[str]) -> None:
    text = " ".join(word_list)
    parts = v.prepare_message(text, long_message="split")
    assert all(doc_message(part) for part in parts)
    if len(parts) == 1:
        assert parts == [text]
        return
    bodies = [part.split(" ", 1)[1] for part in parts]
    rejoined = " ".join(bodies)
    # Cut at spaces, or hard inside a word too long to fit: either way every character is kept, in order.
    assert rejoined.replace(" ", "") == text.replace(" ", "")
    assert all(len(part) <= 300 for part in parts)


@given(st.text(st.one_of(any_char, st.sampled_from("0123456789+- ()")), max_size=35))
@example("12345")
@example("+7 (999) 123-45-67")
def test_phone_rule_is_the_docs(number: str) -> None:
    try:
        accepted = v.check_phone(number)
    except ValidationError as exc:
        assert exc.code == 2001 and not doc_phone(number)
    else:
        assert doc_phone(number) and accepted == number
    try:
        normalized = v.normalize_phone(number)
    except ValidationError:
        return
    assert doc_phone(normalized)


@given(texts)
def test_the_emulator_applies_the_docs_rule_to_the_text_as_sent(text: str) -> None:
    assert emulator_api.api_accepts_message(text) == doc_message(text)


@pytest.mark.parametrize("ch", sorted(DOC_SYMBOLS))
def test_every_listed_symbol_is_accepted(ch: str) -> None:
    assert v.check_message(ch) == ch
