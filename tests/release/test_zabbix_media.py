"""The Zabbix media type released by itself: the file users import is the one the Zabbix tests prove."""

from __future__ import annotations

from pathlib import Path

import yaml

from .conftest import ROOT


def test_the_released_media_type_is_the_tested_one(dist: Path) -> None:
    released = dist / "zabbix_gosms.yaml"
    assert released.read_bytes() == (ROOT / "zabbix" / "gosms.yaml").read_bytes()
    (media,) = yaml.safe_load(released.read_text(encoding="utf-8"))["zabbix_export"]["media_types"]
    assert media["name"] == "GoSMS" and media["type"] == "WEBHOOK"
