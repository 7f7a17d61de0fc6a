"""Translations and action descriptions stay in step with strings.json and the core."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import string
import subprocess
import sys
from typing import Any

from custom_components.gosms.table_keys import TEMPLATES, table_key
from gosms.wire.validation import INVALID_CHARS_CHOICES, LONG_MESSAGE_CHOICES
import pytest
import yaml

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ha_translations.py"
_spec = importlib.util.spec_from_file_location("ha_translations", _SCRIPT)
assert _spec is not None and _spec.loader is not None
ha_translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ha_translations)
COMPONENT, EN, RU, STRINGS = ha_translations.COMPONENT, ha_translations.EN, ha_translations.RU, ha_translations.STRINGS


def leaves(node: Any, path: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        found: dict[str, str] = {}
        for key, value in node.items():
            found |= leaves(value, f"{path}/{key}")
        return found
    return {path: node}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_translations_are_current() -> None:
    """strings.json, en.json and ru.json are what scripts/ha_translations.py makes of the table now."""
    for path, text in ha_translations.rendered().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: run scripts/ha_translations.py"


def _cli_table() -> list[dict[str, Any]]:
    """The table as ``gosms errors --json`` gives it to anyone."""
    out = subprocess.run(
        [sys.executable, "-m", "gosms", "errors", "--json"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)["errors"]
    return rows


def test_every_code_reads_as_the_table_says_in_both_languages() -> None:
    """``gosms errors --json`` and the integration agree on each code's description and remedy."""
    english = leaves(json.loads(EN.read_text(encoding="utf-8")))
    russian = leaves(json.loads(RU.read_text(encoding="utf-8")))
    rows = _cli_table()
    assert len(rows) >= 28
    safe = ha_translations.safe
    for row in rows:
        key = f"/exceptions/api_error_{row['code']}/message"
        assert safe(row["description"], "en") in english[key] and safe(row["remedy"], "en") in english[key], key
        assert safe(row["description_ru"], "ru") in russian[key] and safe(row["remedy_ru"], "ru") in russian[key], key
    # Every per-code copy names its code and carries its texts, whatever the template.
    by_code = {row["code"]: row for row in rows}
    copies = [path for path in english if re.search(r"_(\d+)/(message|title|description)$|_(\d+)$", path)]
    assert len(copies) > len(rows)
    for path in copies:
        code = int(re.findall(r"_(\d+)(?:/|$)", path)[-1])
        if path.endswith("/title"):
            continue
        assert safe(by_code[code]["description"], "en") in english[path], path
        assert safe(by_code[code]["description_ru"], "ru") in russian[path], path


def test_braces_in_table_texts_are_put_in_words() -> None:
    """A brace would break Home Assistant's and the frontend's placeholder syntax alike."""
    assert ha_translations.safe("(){}[]", "en") == "()curly brackets[]"
    with pytest.raises(ValueError):
        ha_translations.safe("a {x} b", "en")
    for row in _cli_table():
        for field, language in (("description", "en"), ("remedy", "en"), ("description_ru", "ru"), ("remedy_ru", "ru")):
            ha_translations.safe(row[field], language)  # raises for a brace it cannot put in words


@pytest.mark.parametrize(("section", "key"), sorted(TEMPLATES))
def test_every_key_the_code_asks_for_exists(section: str, key: str) -> None:
    from gosms import TABLE, lookup

    tree = json.loads(EN.read_text(encoding="utf-8"))
    node = tree
    for part in section.split("."):
        node = node[part]
    for info in [*TABLE.values(), lookup(99999)]:
        assert table_key(section, key, info) in node, (section, info.code)


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
    exception_keys |= set(re.findall(r'table_key\("exceptions", "([a-z_]+)"', source))
    assert len(exception_keys) >= 9
    for key in exception_keys:
        assert key in strings["exceptions"], key
    # Errors without a GoSMS code (unanswered_key), wherever they can show.
    for key in ("bad_answer", "cannot_connect"):
        assert key in strings["exceptions"] and key in strings["config"]["error"] and key in strings["options"]["error"]
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
