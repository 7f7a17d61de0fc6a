"""The media type's script under Zabbix's own engine (zabbix_js) against the emulator over loopback.

Each alert kind stores exactly one SMS; every code of the core's table reaches the action log with
its description and remedy; rate limits and outages throw so Zabbix retries; the token shows
nowhere: not in what is thrown, not in the script's own debug log.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from zabbix_support import PHONE, SECRET, Run, run_webhook

from gosms.emulator import Emulator
from gosms.wire.errors import TABLE
from gosms.wire.validation import MAX_MESSAGE_LENGTH, api_accepts_message, prepare_message, replace_invalid_chars


def webhook(script: Path, emu: Emulator, tmp_path: Path, **params: Any) -> Run:
    values = {"token": SECRET, "api_url": emu.url, "send_to": "+7 (999) 123-45-67", "event_id": "4711",
              "event_value": "1", "event_update_status": "0", "event_nseverity": "4",
              "alert_subject": "Problem 4711: disk full", "alert_message": "Problem 4711: disk full on web01",
              **params}
    run = run_webhook(script, values, tmp_path)
    assert SECRET not in run.script_output, f"the token leaked into the script's output:\n{run.script_output}"
    return run


def sent(emu: Emulator) -> list[dict[str, Any]]:
    return [m for m in emu.messages() if not m["deleted"]]


@pytest.mark.parametrize(("kind", "params", "text"), [
    ("problem", {"event_value": "1", "alert_message": "Problem 4711: High CPU on web01, High, since 10:01:02"},
     "Problem 4711: High CPU on web01, High, since 10:01:02"),
    ("recovery", {"event_value": "0", "alert_message": "Resolved 4711: High CPU on web01 after 5m 2s"},
     "Resolved 4711: High CPU on web01 after 5m 2s"),
    ("update", {"event_update_status": "1", "alert_message": "Update 4711: Admin acknowledged High CPU. on it"},
     "Update 4711: Admin acknowledged High CPU. on it"),
])
def test_each_alert_kind_stores_one_sms(script: Path, emu: Emulator, tmp_path: Path, kind: str,
                                        params: dict[str, str], text: str) -> None:
    run = webhook(script, emu, tmp_path, **params)
    assert run.ok, run.result
    (message,) = sent(emu)
    assert message["message"] == text
    assert message["phone_number"] == PHONE
    assert run.result == f"OK {message['id']}"
    (request,) = [r for r in emu.requests() if r.get("endpoint") == "send"]
    assert SECRET not in str(request.get("body", "")), "the token travels in the header only"


def test_the_subject_is_sent_when_the_message_is_empty(script: Path, emu: Emulator, tmp_path: Path) -> None:
    assert webhook(script, emu, tmp_path, alert_message="").ok
    assert [m["message"] for m in sent(emu)] == ["Problem 4711: disk full"]


def test_without_any_text_the_sms_names_the_event(script: Path, emu: Emulator, tmp_path: Path) -> None:
    assert webhook(script, emu, tmp_path, alert_message="", alert_subject="{ALERT.SUBJECT}").ok
    assert [m["message"] for m in sent(emu)] == ["Problem (High): event 4711"]


def core_text(text: str) -> str:
    """What the core sends for ``text`` on one line: refused characters replaced, shortened to fit."""
    line = re.sub(r"[ \t\n\r\f\v]+", " ", replace_invalid_chars(text)).strip()
    return prepare_message(line, invalid_chars="replace", long_message="truncate")[0]


# Texts whose every refused character the core spells without a Unicode name, so the webhook's
# text must equal the core's exactly.
SAME_AS_CORE = [
    "CPU | load ~ 95% `uptime` 40° №5 → €3 ±2 ≥ 1",
    "Диск\u00a0заполнен на 95 %, хост «web01»",
    "e\u0301te\u0301 cafe\u0301 Ж\u0306 и\u0306 a\u0308\u0304",
    "full-width ９５％ ① ⑳ Ⓐ ² ﬁ\u200b\u200dzero width\ufe0f",
    "line one\nline two\r\n\ttabbed   spaces",
    "١٢٣ Arabic-Indic digits and 𝟗 math digit",
    "𠀀 an astral letter stays, 𝐀 folds",
    ("word " * 80).strip(),
    "x" * 400,
]


@pytest.mark.parametrize("text", SAME_AS_CORE, ids=range(len(SAME_AS_CORE)))
def test_text_is_composed_by_the_core_rules(script: Path, emu: Emulator, tmp_path: Path, text: str) -> None:
    assert webhook(script, emu, tmp_path, alert_message=text).ok
    (message,) = sent(emu)
    assert message["message"] == core_text(text)
    assert api_accepts_message(message["message"])


@pytest.mark.parametrize("text", ["fire 🔥 and check ✅", "❗" * 400, "q\u0301\u0327"],
                         ids=["emoji", "long-emoji", "marks"])
def test_characters_without_a_short_spelling_are_named_by_code_point(script: Path, emu: Emulator,
                                                                     tmp_path: Path, text: str) -> None:
    """The core spells these by Unicode name ("(fire)"); the names do not fit in a media type."""
    assert webhook(script, emu, tmp_path, alert_message=text).ok
    (message,) = sent(emu)
    assert api_accepts_message(message["message"])
    assert len(message["message"]) <= MAX_MESSAGE_LENGTH
    assert re.search(r"\(U\+[0-9A-F]{4,5}\)", message["message"])


def test_escaped_surrogates_are_read_as_code_points(script: Path, emu: Emulator, tmp_path: Path) -> None:
    """A JSON \\u escape gives Duktape two halves of a pair: joined, they are one character again."""
    text = "🔥 fire, 𠀀 letter, \ud800 half"
    run = run_webhook(script, {"token": SECRET, "api_url": emu.url, "send_to": PHONE, "alert_message": text},
                      tmp_path, escaped=True)
    assert run.ok, run.result
    (message,) = sent(emu)
    assert message["message"] == "(U+1F525) fire, 𠀀 letter, (U+D800) half"


@pytest.mark.parametrize("code", sorted(TABLE))
def test_every_code_reaches_the_action_log_explained(script: Path, emu: Emulator, tmp_path: Path,
                                                     code: int) -> None:
    emu.add_fault("error", endpoint="send", code=code)
    run = webhook(script, emu, tmp_path)
    info = TABLE[code]
    assert not run.ok
    assert run.result.startswith(f"GoSMS {code}: {info.description}")
    assert info.remedy in run.result
    assert "--" not in run.result, "a Zabbix user has no command-line flags to change"
    assert sent(emu) == []


def test_a_code_in_a_successful_status_is_still_an_error(script: Path, emu: Emulator, tmp_path: Path) -> None:
    emu.add_fault("status", endpoint="send", status=200, content_type="application/json",
                  body='{"errors": [{"code": 1006, "message": "limit reached", "hash": "ab12"}]}')
    run = webhook(script, emu, tmp_path)
    assert not run.ok
    assert run.result.startswith(f"GoSMS 1006: {TABLE[1006].description}")
    assert "(server said: limit reached) [hash ab12]" in run.result


def test_the_token_macro_is_named_on_1003(script: Path, emu: Emulator, tmp_path: Path) -> None:
    run = webhook(script, emu, tmp_path, token="tok-not-known-to-the-account")
    assert not run.ok
    assert run.result.startswith("GoSMS 1003: ")
    assert "Check the macro {$GOSMS.TOKEN}" in run.result
    assert "tok-not-known-to-the-account" not in run.script_output


@pytest.mark.parametrize(("status", "body"), [(429, "Too Many Requests"), (503, "Service Unavailable"),
                                              (502, "<html>bad gateway</html>")])
def test_rate_limits_and_outages_throw_for_a_retry(script: Path, emu: Emulator, tmp_path: Path,
                                                   status: int, body: str) -> None:
    emu.add_fault("status", endpoint="send", status=status, body=body)
    run = webhook(script, emu, tmp_path)
    assert not run.ok
    assert f"HTTP {status}" in run.result
    assert "Zabbix sends it again" in run.result
    assert sent(emu) == []
    retried = webhook(script, emu, tmp_path)
    assert retried.ok, retried.result
    assert len(sent(emu)) == 1


def test_an_outage_throws_for_a_retry(script: Path, emu: Emulator, tmp_path: Path) -> None:
    emu.outage()
    run = webhook(script, emu, tmp_path)
    assert not run.ok
    assert "HTTP 503" in run.result and "Zabbix sends it again" in run.result


def test_an_unreachable_api_throws_for_a_retry(script: Path, emu: Emulator, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    run = webhook(script, emu, tmp_path, api_url=url)
    assert not run.ok
    assert run.result.startswith(f"Cannot reach GoSMS at {url}/sms/send")
    assert "Zabbix sends it again" in run.result


@pytest.mark.parametrize(("params", "start", "words"), [
    ({"send_to": "{ALERT.SENDTO}"}, "GoSMS 2001: ", "Send to field of the user's GoSMS media"),
    ({"send_to": "7999x1234567"}, "GoSMS 2001: ", "'x' (U+0078)"),
    ({"send_to": "12"}, "GoSMS 2001: ", "has 2 digits; the API takes 3 to 30"),
    ({"device_id": "not-a-device"}, "GoSMS 2005: ", "Check the media type parameter device_id."),
    ({"device_id": "3BAF9DF0-D0E3-43D2-A58F-6D7C27143242"}, "GoSMS 2005: ",
     "Set the media type parameter device_id to 3baf9df0-d0e3-43d2-a58f-6d7c27143242."),
    ({"to_sim": "first"}, "GoSMS 2008: ", "Check the media type parameter to_sim."),
    ({"to_sim": "1"}, "GoSMS 1017: ", "Check the media type parameter device_id."),
    ({"alert_message": " \u200b ", "alert_subject": ""}, "GoSMS 2002: ", "The message is empty"),
    ({"token": "{$GOSMS.TOKEN}"}, "GoSMS: The GoSMS token is empty", "Check the macro {$GOSMS.TOKEN}"),
    ({"api_url": "http://api.gosms.example/v1"}, "GoSMS: Refusing plain http", "Use https."),
    ({"api_url": "ftp://api.gosms.example"}, "GoSMS: The GoSMS API URL", "media type parameter api_url"),
    ({"api_url": "https://user:pw@api.gosms.example"}, "GoSMS: The GoSMS API URL must not carry",
     "media type parameter api_url"),
])
def test_bad_input_is_refused_before_any_request(script: Path, emu: Emulator, tmp_path: Path,
                                                 params: dict[str, str], start: str, words: str) -> None:
    run = webhook(script, emu, tmp_path, **params)
    assert not run.ok
    assert run.result.startswith(start), run.result
    assert words in run.result
    assert emu.requests() == [], "nothing reaches the API"


def test_device_and_sim_are_sent_when_given(script: Path, emu: Emulator, tmp_path: Path) -> None:
    run = webhook(script, emu, tmp_path, device_id=emu.device_id, to_sim="0")
    assert run.ok, run.result
    (message,) = sent(emu)
    assert message["device_id"] == emu.device_id
