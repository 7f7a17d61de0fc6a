"""Regenerate the Home Assistant integration's translations from strings.json and the core's table.

    .venv/bin/python scripts/ha_translations.py          # rewrite strings.json, en.json, ru.json
    .venv/bin/python scripts/ha_translations.py --check  # exit 1 when a file is not current

Two jobs, both needed after the error table changes (tests/ha/test_translations.py fails until run):

1. Per-code copies of the templates listed in ``custom_components.gosms.table_keys.TEMPLATES``,
   with the table's description and remedy written in: English into strings.json, Russian into
   translations/ru.json (each file's own template is the frame); and ``exceptions.detail_<reason>``
   for every detail the core can give (``gosms.wire.hints.DETAILS``), its params left as placeholders.
2. translations/en.json from strings.json with ``[%key:...%]`` references resolved: Home Assistant
   resolves them only for its own integrations; a custom integration ships them resolved.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # custom_components as a package, as the tests import it

import homeassistant  # noqa: E402

from custom_components.gosms.table_keys import TABLE_PLACEHOLDERS, TEMPLATES  # noqa: E402
from gosms.wire.errors import TABLE, ErrorInfo  # noqa: E402
from gosms.wire.hints import DETAILS  # noqa: E402

COMPONENT = ROOT / "custom_components" / "gosms"
STRINGS = COMPONENT / "strings.json"
EN = COMPONENT / "translations" / "en.json"
RU = COMPONENT / "translations" / "ru.json"
HA_STRINGS = Path(homeassistant.__file__).parent / "strings.json"
_REF = re.compile(r"\[%key:([a-z0-9_:]+)%\]")
_GENERATED = re.compile(r"_\d+$")


def _node(tree: dict[str, Any], dotted: str) -> dict[str, Any]:
    node = tree
    for part in dotted.split("."):
        node = node[part]
    return node


BRACES = {"en": "curly brackets", "ru": "фигурные скобки"}
"""Words for a ``{}`` in a table text (2002 lists it among accepted characters). A brace cannot be
written in a translation: Home Assistant formats with ``str.format`` and the frontend with ICU
message syntax, which escape it in two incompatible ways."""


def safe(text: str, language: str) -> str:
    """``text`` as the translations carry it: ``{}`` in words; any other brace is refused."""
    text = text.replace("{}", BRACES[language])
    if "{" in text or "}" in text:
        raise ValueError(f"a brace in a table text cannot be translated: {text!r}")
    return text


def _texts(info: ErrorInfo, language: str) -> dict[str, str]:
    if language == "ru":
        description, remedy = info.description_ru, info.remedy_ru
    else:
        description, remedy = info.description, info.remedy
    return {"code": str(info.code), "description": safe(description, language), "remedy": safe(remedy, language)}


def _fill(template: Any, texts: dict[str, str]) -> Any:
    """The template with the table's texts written in; other placeholders stay."""
    if isinstance(template, dict):
        return {key: _fill(value, texts) for key, value in template.items()}
    text = str(template)
    for name in TABLE_PLACEHOLDERS:
        text = text.replace("{" + name + "}", texts[name])
    return text


def with_table(tree: dict[str, Any], language: str) -> dict[str, Any]:
    """``tree`` with every per-code copy made afresh (stale copies of removed codes dropped)."""
    tree = json.loads(json.dumps(tree))
    for section, key in TEMPLATES:
        node = _node(tree, section)
        for name in [name for name in node if name.startswith(f"{key}_") and _GENERATED.search(name)]:
            del node[name]
    for (section, key), applies in TEMPLATES.items():
        node = _node(tree, section)
        for info in TABLE.values():
            if applies(info):
                node[f"{key}_{info.code}"] = _fill(node[key], _texts(info, language))
    exceptions = tree["exceptions"]
    for name in [name for name in exceptions if name.startswith("detail_")]:
        del exceptions[name]
    for reason, (english, russian) in DETAILS.items():
        exceptions[f"detail_{reason}"] = {"message": russian if language == "ru" else english}
    return tree


def resolve(strings: dict[str, Any]) -> dict[str, Any]:
    """strings.json with its ``[%key:...%]`` references replaced by the texts they point at."""
    common = json.loads(HA_STRINGS.read_text(encoding="utf-8"))

    def lookup(tree: dict[str, Any], path: list[str]) -> Any:
        node: Any = tree
        for part in path:
            node = node[part]
        return node

    def value(text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            parts = match.group(1).split("::")
            if parts[0] == "component" and parts[1] == "gosms":
                return value(lookup(strings, parts[2:]))
            return value(lookup(common, parts))

        return _REF.sub(sub, text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        return value(node) if isinstance(node, str) else node

    result: dict[str, Any] = walk(strings)
    return result


def dump(tree: dict[str, Any]) -> str:
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def rendered() -> dict[Path, str]:
    """What each file should hold."""
    strings = with_table(load(STRINGS), "en")
    return {STRINGS: dump(strings), EN: dump(resolve(strings)), RU: dump(with_table(load(RU), "ru"))}


def main(argv: list[str]) -> int:
    stale = [path for path, text in rendered().items() if path.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for path in stale:
            print(f"not current: {path.relative_to(ROOT)} (run scripts/ha_translations.py)")
        return 1 if stale else 0
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
    print(f"rewrote {len(stale)} file(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
