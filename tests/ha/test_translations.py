"""Translations and action descriptions stay in step with strings.json and the core."""

from __future__ import annotations

import json
from pathlib import Path
import re
import string
from typing import Any

from gosms.validation import INVALID_CHARS_CHOICES, LONG_MESSAGE_CHOICES
import pytest
import yaml

from .translations_tool import COMPONENT, EN, STRINGS, rendered

RU = COMPONENT / "translations" / "ru.json"


def leaves(node: Any, path: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        found: dict[str, str] = {}
        for key, value in node.items():
            found |= leaves(value, f"{path}/{key}")
        return found
    return {path: node}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_is_strings_resolved() -> None:
    """translations/en.json is strings.json with references resolved (python tests/ha/translations_tool.py)."""
    assert EN.read_text(encoding="utf-8") == rendered()


def test_russian_matches_english() -> None:
    english = leaves(json.loads(EN.read_text(encoding="utf-8")))
    russian = leaves(json.loads(RU.read_text(encoding="utf-8")))
    assert russian.keys() == english.keys()
    for key, text in english.items():
        assert placeholders(russian[key]) == placeholders(text), key
        assert not re.search(r"\[%key:", russian[key]), key


def test_every_translation_key_in_the_code_exists() -> None:
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    source = "\n".join(path.read_text(encoding="utf-8") for path in COMPONENT.glob("*.py"))
    exception_keys = set(re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source))
    assert len(exception_keys) >= 9
    for key in exception_keys:
        assert key in strings["exceptions"], key
    for key in set(re.findall(r'"(?:base|api_url|api_token|device_ids)": "([a-z_]+)"', source)) | set(
        re.findall(r'\{CONF_[A-Z_]+: "([a-z_]+)"\}', source)
    ):
        assert key in strings["config"]["error"] or key in strings["options"]["error"], key


@pytest.mark.parametrize(
    ("field", "choices"), [("invalid_chars", INVALID_CHARS_CHOICES), ("long_message", LONG_MESSAGE_CHOICES)]
)
def test_action_choices_are_the_cores(field: str, choices: tuple[str, ...]) -> None:
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    assert services["send_sms"]["fields"][field]["selector"]["select"]["options"] == list(choices)
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    assert set(strings["selector"][field]["options"]) == set(choices)


def test_manifest() -> None:
    manifest = json.loads((COMPONENT / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["domain"] == "gosms"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["requirements"] == ["gosms-ops[async]==0.1.0"]
    hacs = json.loads((Path(COMPONENT).parents[1] / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["name"] == manifest["name"]


def test_no_development_files_ship_with_the_integration() -> None:
    """HACS and a hand install copy this folder into users' config: only what Home Assistant reads."""
    shipped = {path.name for path in COMPONENT.iterdir() if path.name != "__pycache__"}
    assert not shipped & {"ruff.toml", "pyproject.toml", "mypy.ini", ".ruff_cache", "tests", "conftest.py"}
    assert {path.suffix for path in COMPONENT.iterdir() if path.is_file()} <= {".py", ".json", ".yaml", ".md"}
