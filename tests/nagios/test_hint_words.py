"""The check's and the notifier's hints name flags those programs really have."""

from __future__ import annotations

import pytest
from gosms_nagios.check.cli import build_parser
from gosms_nagios.common.hint_words import CHECK_FLAGS, NOTIFY_FLAGS, explain, hint_text
from gosms_nagios.notify.command import build_parser as build_notify_parser

from gosms.wire.errors import ConfigError
from gosms.wire.hints import ON, Hint, Setting


@pytest.mark.parametrize(("flags", "parser"), [(CHECK_FLAGS, build_parser), (NOTIFY_FLAGS, build_notify_parser)])
def test_every_flag_named_exists(flags, parser) -> None:  # type: ignore[no-untyped-def]
    options = {o for action in parser()._actions for o in action.option_strings}
    for words in flags.values():
        assert words.split()[0] in options, words


def test_a_setting_without_a_flag_gives_no_hint() -> None:
    assert hint_text(Hint(Setting.INVALID_CHARS, "replace"), CHECK_FLAGS) == ""
    assert hint_text(Hint(Setting.ALLOW_INSECURE_HTTP, ON), CHECK_FLAGS) == "Or add --allow-insecure-http."


def test_config_error_worded_in_the_notifiers_flags() -> None:
    exc = ConfigError("No token.", hint=Hint(Setting.TOKEN))
    assert explain(exc, NOTIFY_FLAGS).startswith("No token. Check --token-file")
