"""Resolve ``[%key:...%]`` references of strings.json into translations/en.json.

Home Assistant resolves these references only for core integrations (its ``script.translations``);
a custom integration ships its translations already resolved.  ``python tests/ha/translations_tool.py``
rewrites en.json; the tests check that it is current.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import homeassistant

COMPONENT = Path(__file__).resolve().parents[2] / "custom_components" / "gosms"
STRINGS = COMPONENT / "strings.json"
EN = COMPONENT / "translations" / "en.json"
HA_STRINGS = Path(homeassistant.__file__).parent / "strings.json"
_REF = re.compile(r"\[%key:([a-z0-9_:]+)%\]")


def _lookup(tree: dict[str, Any], path: list[str]) -> Any:
    node: Any = tree
    for part in path:
        node = node[part]
    return node


def resolve(strings: dict[str, Any]) -> dict[str, Any]:
    common = json.loads(HA_STRINGS.read_text(encoding="utf-8"))

    def value(text: str) -> str:
        def sub(match: re.Match[str]) -> str:
            parts = match.group(1).split("::")
            if parts[0] == "component" and parts[1] == "gosms":
                return value(_lookup(strings, parts[2:]))
            return value(_lookup(common, parts))

        return _REF.sub(sub, text)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        return value(node) if isinstance(node, str) else node

    result: dict[str, Any] = walk(strings)
    return result


def rendered() -> str:
    return json.dumps(resolve(json.loads(STRINGS.read_text(encoding="utf-8"))), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    EN.write_text(rendered(), encoding="utf-8")
