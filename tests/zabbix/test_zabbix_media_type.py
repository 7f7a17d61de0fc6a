"""zabbix/gosms.yaml: current with the core and the webhook source, and shaped as Zabbix 6.0 imports it."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml
from zabbix_support import ROOT, media_type

from gosms.wire.errors import TABLE
from gosms.wire.hints import Setting

sys.path.insert(0, str(ROOT / "scripts"))
import zabbix_media


def test_the_media_type_is_current_with_the_core() -> None:
    """Fails when the error table, the message rule or webhook.js changed and the file was not rebuilt."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "zabbix_media.py"), "--check"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr


def test_the_script_carries_every_code_of_the_table() -> None:
    script = media_type()["script"]
    for code, info in TABLE.items():
        assert f'"{code}":{{"description":' in script
        assert json.dumps(info.remedy, ensure_ascii=False) in script


def test_every_setting_of_the_core_has_zabbix_words_or_none() -> None:
    assert set(zabbix_media.ZABBIX_WORDS) == set(Setting)
    for words in zabbix_media.ZABBIX_WORDS.values():
        assert words is None or "--" not in words


def test_parameters_and_templates() -> None:
    media = media_type()
    assert media["type"] == "WEBHOOK"
    params = {p["name"]: p["value"] for p in media["parameters"]}
    assert params == {
        "token": "{$GOSMS.TOKEN}", "api_url": "https://api.gosms.ru/v1", "send_to": "{ALERT.SENDTO}",
        "alert_subject": "{ALERT.SUBJECT}", "alert_message": "{ALERT.MESSAGE}", "device_id": "", "to_sim": "",
        "event_id": "{EVENT.ID}", "event_value": "{EVENT.VALUE}", "event_update_status": "{EVENT.UPDATE.STATUS}",
        "event_nseverity": "{EVENT.NSEVERITY}",
    }
    templates = {t["operation_mode"]: t for t in media["message_templates"]}
    assert set(templates) == {"PROBLEM", "RECOVERY", "UPDATE"}
    for template in templates.values():
        assert template["event_source"] == "TRIGGERS"
        assert "{EVENT.ID}" in template["message"]


def test_the_script_fits_the_database_field() -> None:
    """media_type.script is a TEXT column: 65,535 bytes in MySQL."""
    assert len(media_type()["script"].encode("utf-8")) < 65535


def test_the_script_media_type_runs_gosms_send_with_the_same_templates() -> None:
    data = yaml.safe_load((ROOT / "zabbix" / "gosms-script.yaml").read_text(encoding="utf-8"))
    (script_media,) = data["zabbix_export"]["media_types"]
    assert script_media["type"] == "SCRIPT" and script_media["script_name"] == "gosms"
    params = script_media["parameters"]
    assert params[0] == "send" and "--queue" in params
    assert params[params.index("--to") + 1] == "{ALERT.SENDTO}"
    assert params[params.index("--message") + 1] == "{ALERT.MESSAGE}"
    assert sum(len(p) + 1 for p in params) <= 255, "Zabbix 6.0 keeps 255 characters of script parameters"
    assert script_media["message_templates"] == media_type()["message_templates"]
