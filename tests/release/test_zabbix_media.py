"""The Zabbix media types released by themselves: the files users import are the ones the Zabbix tests prove."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import ROOT


@pytest.mark.parametrize(("name", "kind"), [("gosms.yaml", "WEBHOOK"), ("gosms-script.yaml", "SCRIPT")])
def test_the_released_media_types_are_the_tested_ones(dist: Path, name: str, kind: str) -> None:
    released = dist / f"zabbix_{name}"
    assert released.read_bytes() == (ROOT / "zabbix" / name).read_bytes()
    (media,) = yaml.safe_load(released.read_text(encoding="utf-8"))["zabbix_export"]["media_types"]
    assert media["type"] == kind
