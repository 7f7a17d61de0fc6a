"""Hints are data: the core says which setting fixes an error, each tool words it in its own options."""

from __future__ import annotations

import re
import string

import pytest

from gosms.cli import hints as cli_hints
from gosms.wire.config import resolve_api_url, resolve_token
from gosms.wire.errors import TABLE, ConfigError, ValidationError
from gosms.wire.hints import DETAILS, ON, Hint, Setting, render_detail
from gosms.wire.validation import check_limit

# Every keyword of the library that an operator might otherwise read as another tool's option.
OPTION_SPELLINGS = re.compile(
    r"--[a-z]|allow_insecure_http|invalid_chars|long_message|to_sim|device_id|callback_id|is_active|api_url"
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("reason", sorted(DETAILS))
def test_each_reason_has_both_languages_with_the_same_placeholders(reason: str) -> None:
    english, russian = DETAILS[reason]
    assert placeholders(english) == placeholders(russian)
    assert english.endswith(".") and russian.endswith(".")
    assert not OPTION_SPELLINGS.search(english) and not OPTION_SPELLINGS.search(russian)


@pytest.mark.parametrize("code", sorted(TABLE))
def test_remedies_name_no_tools_option(code: int) -> None:
    row = TABLE[code]
    assert not OPTION_SPELLINGS.search(row.remedy), row.remedy
    assert not OPTION_SPELLINGS.search(row.remedy_ru), row.remedy_ru


def test_every_setting_has_labels_and_cli_words() -> None:
    for setting in Setting:
        assert setting.label and setting.label_ru
        assert cli_hints.OPTION_WORDS[setting]


def test_validation_codes_name_the_setting_that_fixes_them() -> None:
    for code in (2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 1016):
        assert TABLE[code].setting is not None, code
    assert TABLE[3000].setting is None  # only support can unblock an account
    assert TABLE[2008].as_dict()["setting"] == "to_sim"


def test_hint_wording() -> None:
    assert Hint(Setting.INVALID_CHARS, "replace").text() == "set the handling of refused characters to replace"
    assert Hint(Setting.NORMALIZE, ON).text("--normalize") == "turn on --normalize"
    assert Hint(Setting.MESSAGE).text_ru() == "исправьте текст сообщения"
    assert cli_hints.hint_text(Hint(Setting.TO_SIM, "0")) == "Or use --to-sim 0."
    assert cli_hints.hint_text(None) == ""


def test_detail_renders_in_both_languages_from_reason_and_params() -> None:
    with pytest.raises(ValidationError) as info:
        check_limit(500)
    exc = info.value
    assert exc.reason == "limit_range" and exc.params == {"value": "500", "max": "100"}
    assert exc.detail == render_detail("limit_range", exc.params)
    assert exc.detail == "Page size 500 must be a whole number from 1 to 100."
    assert exc.detail_ru == "Размер страницы 500 должен быть целым числом от 1 до 100."
    assert exc.as_dict()["hint"] == {"setting": "limit", "value": None}
    assert render_detail("no_such_reason", {}) == ""


def test_configuration_errors_carry_hints() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_api_url("http://gosms.example/v1", environ={})
    assert info.value.hint == Hint(Setting.ALLOW_INSECURE_HTTP, ON)
    assert info.value.reason == "insecure_http" and info.value.params == {"host": "gosms.example"}
    assert "gosms.example" in info.value.detail_ru
    assert not OPTION_SPELLINGS.search(str(info.value))
    with pytest.raises(ConfigError) as missing:
        resolve_token(environ={})
    assert missing.value.hint == Hint(Setting.TOKEN) and missing.value.reason == "token_missing"
