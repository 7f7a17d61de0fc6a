"""The API's input rules, checked locally with the API's own codes before anything is sent."""

from __future__ import annotations

import unicodedata

import pytest

from gosms.wire import validation as v
from gosms.wire.errors import ValidationError
from gosms.wire.hints import ON, Hint, Setting
from gosms.wire.outcomes import plan_send

OBJECT_ID = "6654a4e8f1527149588c89f2"
UUID = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"


def refused(code: int, call, *args, **kwargs) -> ValidationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, str(info.value)
    # Every refusal reads as a complete sentence for an operator: code, description, remedy.
    text = str(info.value)
    assert f"GoSMS error {code}" in text
    assert info.value.description in text
    assert info.value.remedy in text
    return info.value


# -- phone numbers (2001) --------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["123", "79991234567", "1" * 30, 79991234567])
def test_phone_accepted(number: object) -> None:
    assert v.check_phone(number) == str(number)


@pytest.mark.parametrize(
    ("number", "hint"),
    [
        ("12", "2 digits"),
        ("1" * 31, "31 digits"),
        ("+79991234567", "'+' (U+002B PLUS SIGN)"),
        ("7999 123", "U+0020"),
        ("٧٩٩٩١٢٣", "ARABIC-INDIC DIGIT SEVEN"),  # digits, but not the ASCII ones the API accepts
        ("", "no digits"),
    ],
)
def test_phone_refused_names_the_problem(number: str, hint: str) -> None:
    exc = refused(2001, v.check_phone, number)
    assert hint in str(exc)
    assert exc.field == "phone_number"
    assert "+'" not in exc.detail.replace("'+' (U+002B", "")  # no "without '+'" advice in the detail


def test_phone_hint_suggests_normalisation_only_where_it_helps() -> None:
    assert refused(2001, v.check_phone, "+7 (999) 123-45-67").hint == Hint(Setting.NORMALIZE, ON)
    assert refused(2001, v.check_phone, "12").hint == Hint(Setting.RECIPIENT)
    assert refused(2001, v.check_phone, "+7 999 CALL-ME").hint == Hint(Setting.RECIPIENT)
    # Normalising already: the number itself must change.
    assert refused(2001, v.normalize_phone, "+7 999 CALL-ME").hint == Hint(Setting.RECIPIENT)


@pytest.mark.parametrize("value", [None, 7.5, True, ["79991234567"]])
def test_phone_of_wrong_type(value: object) -> None:
    refused(2001, v.check_phone, value)


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("+7 (999) 123-45-67", "79991234567"),
        ("+7\u00a0999\u00a0123\u201145\u201167", "79991234567"),
        (" 8.999.123.45.67 ", "89991234567"),
        (79991234567, "79991234567"),
    ],
)
def test_normalize_phone(typed: object, digits: str) -> None:
    assert v.normalize_phone(typed) == digits


def test_normalize_phone_still_refuses_letters() -> None:
    exc = refused(2001, v.normalize_phone, "+7 999 CALL-ME")
    assert "'+7 999 CALL-ME'" in str(exc)  # the number as typed, so the operator finds it


# -- message text (2002) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Disk full on db1",
        "Сервер недоступен! Ёё",
        "-_/.,!+@=#$%^&*(){}[];\"'<>?",
        "tabs\tand\nnewlines\r\n",
        "x" * 300,
        "¿Qué? «Привет» — “quotes” …",
    ],
)
def test_message_accepted(text: str) -> None:
    assert v.check_message(text) == text


@pytest.mark.parametrize(
    ("text", "position", "shown"),
    [
        ("load | high", 6, "'|' (U+007C VERTICAL LINE)"),
        ("~home", 1, "U+007E TILDE"),
        ("run `ls`", 5, "U+0060 GRAVE ACCENT"),
        ("fire 🔥", 6, "U+1F525 FIRE"),
        ("disk 90°", 8, "U+00B0 DEGREE SIGN"),
        ("temp ٣٤", 6, "ARABIC-INDIC DIGIT THREE"),  # a digit, but not 0-9
        ("non\u00a0breaking", 4, "U+00A0 NO-BREAK SPACE"),  # a space, but not \\s in Go
        ("zero\u200bwidth", 5, "U+200B ZERO WIDTH SPACE"),
    ],
)
def test_message_refused_at_position(text: str, position: int, shown: str) -> None:
    exc = refused(2002, v.check_message, text)
    assert f"at position {position}" in str(exc)
    assert shown in str(exc)
    # The fix is data, worded by each tool; the detail itself names no tool's option.
    assert exc.hint == Hint(Setting.INVALID_CHARS, "replace")
    assert exc.reason == "char_not_allowed" and exc.params["position"] == str(position)
    assert "invalid_chars" not in exc.detail and "--" not in exc.detail
    assert exc.field == "message"


def test_message_empty_and_too_long() -> None:
    assert "empty" in str(refused(2002, v.check_message, ""))
    exc = refused(2002, v.check_message, "x" * 301)
    assert "301 characters" in str(exc)
    assert exc.hint == Hint(Setting.LONG_MESSAGE, "split")
    assert exc.params == {"length": "301", "limit": "300"}


def test_message_of_wrong_type() -> None:
    refused(2002, v.check_message, None)
    refused(2002, v.prepare_message, 42)


def test_message_is_nfc_normalised_before_counting() -> None:
    decomposed = "e\u0301" * 300  # 600 code points, 300 characters once composed
    assert v.check_message(decomposed) == "é" * 300


# The letters NFC splits into a letter and a mark (composition exclusions), as the review listed them.
EXCLUDED_LETTERS = [
    *range(0x0958, 0x0960), 0x09DC, 0x09DD, 0x09DF, 0x0A33, 0x0A36, *range(0x0A59, 0x0A5C), 0x0A5E,
    0x0B5C, 0x0B5D, 0x0F43, 0x0F4D, 0x0F52, 0x0F57, 0x0F5C, 0x0F69, 0xFB1D, 0xFB1F,
    *range(0xFB2A, 0xFB37), *range(0xFB38, 0xFB3D), 0xFB3E, 0xFB40, 0xFB41, 0xFB43, 0xFB44,
    *range(0xFB46, 0xFB4F),
]


def test_composition_exclusions_are_accepted_as_typed() -> None:
    assert len(EXCLUDED_LETTERS) == 59
    for code in EXCLUDED_LETTERS:
        letter = chr(code)
        assert v.check_message(letter) == letter, hex(code)
        assert v.replace_invalid_chars(letter) == letter
        # Typed as a letter and a mark, replace puts the letter together again instead of dropping the mark.
        assert v.replace_invalid_chars(unicodedata.normalize("NFD", letter)) == letter


def test_refusals_name_only_characters_the_user_typed() -> None:
    text = "\u0958 ok e\u0301 | x"
    exc = refused(2002, v.check_message, text)
    assert exc.params["position"] == "9" and text[8] == "|"  # counted in the text as typed
    exc = refused(2002, v.check_message, "q\u0301")  # no precomposed letter exists: the mark is named
    assert exc.params["codepoint"] == "U+0301"


def test_replace_never_drops_a_visible_mark() -> None:
    assert v.replace_invalid_chars("q\u0301") == "q(combining acute accent)"
    assert v.replace_invalid_chars("e\u0301") == "\u00e9"
    assert v.replace_invalid_chars("\u2764\ufe0f") == "(heavy black heart)"  # the variation selector only picks a glyph


def test_every_fixed_replacement_is_accepted() -> None:
    for ch, spelling in v._REPLACEMENTS.items():
        assert v.api_accepts_message(spelling), (ch, spelling)
    assert v.replace_invalid_chars("load \u2248 5") == "load approx. 5"


def test_first_invalid_char() -> None:
    assert v.first_invalid_char("fine") is None
    assert v.first_invalid_char("a|b|c") == (2, "|")


# -- preparing a message: replace, split, truncate -------------------------------------------------


def test_replace_keeps_the_meaning() -> None:
    assert v.prepare_message("CPU | 90° 🔥 ok", invalid_chars="replace") == ["CPU / 90 deg (fire) ok"]
    assert v.replace_invalid_chars("a\u00a0b ~ `c` ٣") == "a b - 'c' 3"
    assert v.replace_invalid_chars("≥ 5 € № 1") == ">= 5 EUR No. 1"


def test_replaced_text_is_accepted_by_the_rule() -> None:
    hostile = "".join(chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c < 0xE000)[:2000]
    for part in v.prepare_message(hostile, invalid_chars="replace", long_message="split"):
        assert v.check_message(part) == part


def test_split_into_numbered_parts_at_word_boundaries() -> None:
    text = " ".join(f"w{i:03d}" for i in range(130))  # 649 characters
    parts = v.prepare_message(text, long_message="split")
    assert len(parts) == 3
    assert [p[:6] for p in parts] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(len(p) <= v.MAX_MESSAGE_LENGTH for p in parts)
    # Nothing lost or cut inside a word.
    assert " ".join(p[6:] for p in parts) == text


def test_split_of_a_short_text_is_one_unnumbered_part() -> None:
    assert v.prepare_message("short", long_message="split") == ["short"]


def test_split_without_spaces_cuts_hard() -> None:
    parts = v.prepare_message("x" * 700, long_message="split")
    assert len(parts) == 3
    assert "".join(p.split(" ", 1)[1] for p in parts) == "x" * 700


def test_truncate_at_a_word_with_an_ellipsis() -> None:
    text = " ".join(["word"] * 100)
    (part,) = v.prepare_message(text, long_message="truncate")
    assert len(part) <= v.MAX_MESSAGE_LENGTH
    assert part.endswith("word…")


def test_long_text_refused_by_default() -> None:
    refused(2002, v.prepare_message, "x" * 301)


def test_invalid_char_position_is_in_the_callers_text_when_splitting() -> None:
    """A position inside a numbered part would send the operator looking in the wrong place."""
    text = "a" * 399 + "|" + " b" * 200
    for mode in ("split", "truncate"):
        exc = refused(2002, v.prepare_message, text, long_message=mode)
        assert "at position 400" in str(exc)


def test_prepare_message_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="invalid_chars"):
        v.prepare_message("x", invalid_chars="drop")
    with pytest.raises(ValueError, match="long_message"):
        v.prepare_message("x", long_message="wrap")


# -- ids and numbers (2003-2009, 1017) -------------------------------------------------------------


def test_message_id() -> None:
    assert v.check_message_id(OBJECT_ID) == OBJECT_ID
    assert v.check_message_id(OBJECT_ID.upper()) == OBJECT_ID.upper()
    for bad in ["", OBJECT_ID[:-1], OBJECT_ID + "0", "z" * 24, UUID, None]:
        assert refused(2003, v.check_message_id, bad).field == "id"


@pytest.mark.parametrize(("check", "code", "field"), [(v.check_device_id, 2005, "device_id"),
                                                      (v.check_callback_id, 2004, "callback_id")])
def test_device_and_callback_ids(check, code: int, field: str) -> None:  # type: ignore[no-untyped-def]
    assert check(UUID) == UUID  # the Russian page
    assert check(OBJECT_ID) == OBJECT_ID  # the English page
    exc = refused(code, check, UUID.upper())
    assert "lowercase" in str(exc) and UUID in str(exc)
    for bad in ["", "phone-1", UUID[:-1], 12345, None]:
        assert refused(code, check, bad).field == field


def test_to_sim() -> None:
    # The Russian device page: 0 the first slot, 1 the second, -1 random, -2 the phone's default.
    for slot in [0, 1, -1, -2, "0", "-2"]:
        assert v.check_to_sim(slot, UUID) == int(slot)
    assert v.check_to_sim("2", UUID) == 2
    for bad in [-3, "-", "--1", "one", "1.5", True, None]:
        exc = refused(2008, v.check_to_sim, bad, UUID)
        assert exc.field == "to_sim" and exc.hint == Hint(Setting.TO_SIM)
    exc = refused(1017, v.check_to_sim, 0, None)
    assert exc.field == "to_sim" and exc.hint == Hint(Setting.DEVICE_ID)


def test_limit_and_offset() -> None:
    assert v.check_limit(1) == 1 and v.check_limit("100") == 100
    for bad in [0, 101, "ten", -5, None, True]:
        assert refused(2006, v.check_limit, bad).field == "limit"
    assert v.check_offset(1) == 1 and v.check_offset("7") == 7
    for bad in [-1, "x", "1e3", None, 2.5]:
        assert refused(2007, v.check_offset, bad).field == "offset"


def test_bool() -> None:
    for word, value in [(True, True), ("yes", True), ("ON", True), ("1", True), (False, False),
                        ("false", False), ("off", False), ("0", False)]:
        assert v.check_bool(word) is value
    assert refused(2009, v.check_bool, "maybe").field == "is_active"
    assert refused(2009, v.check_bool, "maybe", "enabled").field == "enabled"


# -- a whole send plan -----------------------------------------------------------------------------


def test_plan_send_checks_everything_and_drops_duplicates() -> None:
    plan = plan_send(["79991234567", "79991234567", "79990000000"], "Disk full", device_id=UUID, to_sim="1",
                     callback_id=OBJECT_ID)
    assert plan.recipients == ("79991234567", "79990000000")
    assert plan.parts == ("Disk full",)
    assert (plan.device_id, plan.to_sim, plan.callback_id) == (UUID, 1, OBJECT_ID)


def test_plan_send_normalises_on_request_only() -> None:
    assert plan_send("+7 999 123-45-67", "x", normalize=True).recipients == ("79991234567",)
    refused(2001, plan_send, "+7 999 123-45-67", "x")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": []}, 2001),
        ({"to": ["79991234567", "bad"]}, 2001),
        ({"message": "a|b"}, 2002),
        ({"device_id": "nope"}, 2005),
        ({"callback_id": "nope"}, 2004),
        ({"to_sim": 1}, 1017),
        ({"device_id": UUID, "to_sim": -3}, 2008),
    ],
)
def test_plan_send_refuses(kwargs: dict[str, object], code: int) -> None:
    call = {"to": ["79991234567"], "message": "ok", **kwargs}
    refused(code, plan_send, **call)
