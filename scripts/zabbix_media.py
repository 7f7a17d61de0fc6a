"""Build the Zabbix media types zabbix/gosms.yaml (webhook) and zabbix/gosms-script.yaml.

    .venv/bin/python scripts/zabbix_media.py          # rewrite both files
    .venv/bin/python scripts/zabbix_media.py --check  # exit 1 when a file is not current

The webhook runs inside Zabbix (Duktape), where the gosms core cannot be imported, yet it must
compose and refuse exactly as the core does and explain errors with the core's table.  So the
facts are written into the script as data, the way scripts/vendor_core.py copies the core into the
Ansible collection: the message rule (accepted characters, their replacements, the length limit),
the phone and device id rules, the detail sentences, and the error table with each code's
description and remedy.  Where the core's hint names a setting, the Zabbix words for it are
:data:`ZABBIX_WORDS`: a macro or a media type parameter, never a command-line flag.
tests/zabbix/test_media_type.py fails while this file is not current.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gosms.wire import validation  # noqa: E402
from gosms.wire.config import DEFAULT_API_URL  # noqa: E402
from gosms.wire.errors import TABLE, lookup  # noqa: E402
from gosms.wire.hints import DETAILS, Setting  # noqa: E402
from gosms.wire.protocol import ENDPOINTS, USER_AGENT  # noqa: E402

SOURCE = ROOT / "zabbix" / "webhook.js"
TARGET = ROOT / "zabbix" / "gosms.yaml"
SCRIPT_TARGET = ROOT / "zabbix" / "gosms-script.yaml"
CORE_LINE = "var CORE = {};"

TOKEN_MACRO = "{$GOSMS.TOKEN}"

ZABBIX_WORDS: Mapping[Setting, Optional[str]] = {
    Setting.TOKEN: f"the macro {TOKEN_MACRO} (Administration > Macros), which the media type parameter token uses",
    Setting.API_URL: "the media type parameter api_url",
    # Plain http goes only to this machine: a media type has no switch to send the token unencrypted.
    Setting.ALLOW_INSECURE_HTTP: None,
    Setting.RECIPIENT: "the Send to field of the user's GoSMS media (Users > Media)",
    # The webhook always normalises numbers, replaces refused characters and shortens long texts.
    Setting.NORMALIZE: None,
    Setting.MESSAGE: "the action's message or the media type's message templates",
    Setting.INVALID_CHARS: None,
    Setting.LONG_MESSAGE: None,
    Setting.DEVICE_ID: "the media type parameter device_id",
    Setting.TO_SIM: "the media type parameter to_sim",
    # The webhook only sends: ids of messages and webhooks, paging and phone switches are not its business.
    Setting.CALLBACK_ID: None,
    Setting.MESSAGE_ID: None,
    Setting.LIMIT: None,
    Setting.OFFSET: None,
    Setting.IS_ACTIVE: None,
    Setting.TIMEOUT: "the media type's Timeout",
}
"""Every setting of the core, in Zabbix's words, or None where Zabbix offers nothing to change."""

DETAIL_REASONS = ("no_recipient", "phone_char", "phone_length", "device_id_format", "id_uppercase",
                  "to_sim_format", "to_sim_without_device", "message_empty", "token_empty", "url_not_http",
                  "url_credentials", "insecure_http")
"""The core's detail sentences the webhook's own checks give."""

PARAMETERS: tuple[tuple[str, str], ...] = (
    ("alert_message", "{ALERT.MESSAGE}"),
    ("alert_subject", "{ALERT.SUBJECT}"),
    ("api_url", DEFAULT_API_URL),
    ("device_id", ""),
    ("event_id", "{EVENT.ID}"),
    ("event_nseverity", "{EVENT.NSEVERITY}"),
    ("event_update_status", "{EVENT.UPDATE.STATUS}"),
    ("event_value", "{EVENT.VALUE}"),
    ("send_to", "{ALERT.SENDTO}"),
    ("to_sim", ""),
    ("token", TOKEN_MACRO),
)

TEMPLATES: tuple[tuple[str, str, str], ...] = (
    # (operation mode, subject, message); one line each: an SMS has no room for layout, and the
    # event id comes early so that shortening never cuts it off.
    ("PROBLEM", "Problem {EVENT.ID}: {EVENT.NAME}",
     "Problem {EVENT.ID}: {EVENT.NAME} on {HOST.NAME}, {EVENT.SEVERITY}, since {EVENT.TIME} {EVENT.DATE}. "
     "{EVENT.OPDATA}"),
    ("RECOVERY", "Resolved {EVENT.ID}: {EVENT.NAME}",
     "Resolved {EVENT.ID}: {EVENT.NAME} on {HOST.NAME} after {EVENT.DURATION}, at {EVENT.RECOVERY.TIME} "
     "{EVENT.RECOVERY.DATE}."),
    ("UPDATE", "Update {EVENT.ID}: {EVENT.NAME}",
     "Update {EVENT.ID}: {USER.FULLNAME} {EVENT.UPDATE.ACTION} {EVENT.NAME} on {HOST.NAME}. "
     "{EVENT.UPDATE.MESSAGE}"),
)

DESCRIPTION = f"""\
Sends each alert as one SMS through GoSMS.ru, from your own Android phones.

1. Copy the API token from API Integration in the GoSMS control panel (https://cms.gosms.ru/api)
   into the global macro {TOKEN_MACRO} (Administration > Macros; a Secret text macro).
2. Give each user a GoSMS media whose Send to is the phone number, country code first,
   e.g. 79991234567 (spaces, dashes, brackets and a leading + are removed).
3. Optional parameters: device_id names the sending phone, to_sim its SIM slot (0, 1, ...).

The text is the action's message: characters the API refuses are replaced and a text over
{validation.MAX_MESSAGE_LENGTH} characters is shortened. Errors in the action log carry the GoSMS
code, what it means and what to change. HTTP 429, 5xx and network errors are retried by the attempts below.
"""

MEDIA_TYPE = {"name": "GoSMS", "attempts": "5", "attempt_interval": "30s", "timeout": "30s"}

SCRIPT_PARAMETERS: tuple[str, ...] = (
    # The gosms command from the release's gosms.pyz, installed in AlertScriptsPath as "gosms".
    # Zabbix passes no environment, so the token file and the outbox are named; the deadline stays
    # under the 40 s Zabbix gives an alert script; the text is the message template's.
    "send", "--token-file", "/etc/zabbix/gosms.token", "--outbox", "/var/lib/zabbix/gosms", "--queue",
    "--deadline", "10", "--normalize", "--invalid-chars", "replace", "--long-message", "truncate",
    "--to", "{ALERT.SENDTO}", "--message", "{ALERT.MESSAGE}",
)
SCRIPT_PARAMETERS_MAX = 255
"""media_type.exec_params in Zabbix 6.0: every parameter and its line break together."""

SCRIPT_DESCRIPTION = """\
Sends each alert as one SMS through GoSMS.ru with the gosms command (gosms.pyz from the gosms-ops
release, installed in AlertScriptsPath as gosms). What GoSMS cannot take in time waits in the
outbox /var/lib/zabbix/gosms, and "gosms outbox flush" sends it when GoSMS is back.
See zabbix/README.md in gosms-ops.
"""


# --- the message rule as code point ranges -----------------------------------------------------------

def _ranges(test: Callable[[str], bool], stop: int = 0x110000) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start: Optional[int] = None
    for cp in range(stop + 1):
        ok = cp < stop and not 0xD800 <= cp <= 0xDFFF and test(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def _pack(ranges: Iterable[tuple[int, int]]) -> str:
    """Ranges as base-36 "delta.length" pairs: small enough for a media type's script field."""
    parts, last = [], 0
    for start, end in ranges:
        parts.append(f"{_b36(start - last)}.{_b36(end - start)}")
        last = end
    return ",".join(parts)


def _b36(number: int) -> str:
    """``number`` in base 36 as JavaScript's parseInt(text, 36) reads it, sign included."""
    if number < 0:
        return "-" + _b36(-number)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _digit_runs() -> list[tuple[int, int]]:
    """Refused decimal digits, in runs that each start at a zero (the webhook counts from there)."""
    runs = _ranges(lambda ch: unicodedata.category(ch) == "Nd" and not validation._char_ok(ch))
    split: list[tuple[int, int]] = []
    for start, end in runs:
        for first in range(start, end + 1, 10):
            if unicodedata.digit(chr(first)) != 0:
                raise SystemExit(f"digits at U+{first:04X} do not start at zero: the webhook's table cannot hold them")
            split.append((first, min(first + 9, end)))
    return split


def _spelled_kind(ch: str) -> str:
    """Which of the core's spellings a refused character takes (see validation._spelled)."""
    cat = unicodedata.category(ch)
    if ch in validation._REPLACEMENTS:
        return "replacement"
    if cat == "Nd":
        return "digit"
    if cat.startswith("Z") or cat == "Cc":
        return "space"
    if cat == "Cf" or ch in validation._INVISIBLE:
        return "invisible"
    return "other"


def _folds() -> dict[str, str]:
    """Refused characters the core folds (NFKC) into plain ASCII: ① → 1, ² → 2, ｜ → |... (made accepted)."""
    folds = {}
    for cp in range(0x110000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or validation._char_ok(ch) or _spelled_kind(ch) != "other":
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch and folded.isascii() and all(validation._char_ok(c) for c in folded):
            folds[str(cp)] = folded
    return folds


def _compositions() -> str:
    """Base and combining mark → the accepted precomposed letter the core sends instead.

    Packed as base-36 "letter.base.mark" triples, sorted by letter: the letter counts from the
    previous one, the base back from the letter, the mark from U+0300 (where most marks are); a
    base after its letter (U+01E0 is U+0226 and a macron) counts back with a minus sign.
    """
    table: dict[str, int] = {}
    for cp in range(0x110000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or not validation._char_ok(ch):
            continue
        parts = unicodedata.decomposition(ch).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            base, mark = (int(p, 16) for p in parts)
            if unicodedata.category(chr(mark))[0] == "M":
                table.setdefault(f"{base},{mark}", cp)
    parts, last = [], 0
    for key, letter in sorted(table.items(), key=lambda item: item[1]):
        base, mark = (int(n) for n in key.split(","))
        parts.append(f"{_b36(letter - last)}.{_b36(letter - base)}.{_b36(mark - 0x300)}")
        last = letter
    return ",".join(parts)


def _char_class(pattern: re.Pattern[str]) -> str:
    """A JavaScript character class matching exactly the BMP characters ``pattern`` matches."""
    items = []
    for start, end in _ranges(lambda ch: pattern.fullmatch(ch) is not None, stop=0x10000):
        items.append(f"\\u{start:04x}" if start == end else f"\\u{start:04x}-\\u{end:04x}")
    return "[" + "".join(items) + "]"


def _js_regex(pattern: re.Pattern[str]) -> str:
    """A Python id pattern (ASCII classes and counts only) as an anchored JavaScript one."""
    if not re.fullmatch(r"[\[\]0-9a-fA-F\-{}]+", pattern.pattern):
        raise SystemExit(f"cannot carry {pattern.pattern!r} to JavaScript unchanged")
    return f"^{pattern.pattern}$"


# --- the error table and the details -----------------------------------------------------------------

def _words(setting: Optional[Setting]) -> Optional[str]:
    return None if setting is None else ZABBIX_WORDS[setting]


def _details() -> dict[str, str]:
    details = {reason: DETAILS[reason][0] for reason in DETAIL_REASONS}
    # The core's sentence goes on to offer allowing plain http, which a media type cannot do.
    first, sep, rest = details["insecure_http"].partition(". ")
    if not sep or "allow plain http" not in rest:
        raise SystemExit("the core's insecure_http detail changed: review what the webhook says instead")
    details["insecure_http"] = first + ". Use https."
    return details


def _errors() -> dict[str, dict[str, Any]]:
    rows = {}
    for code, info in sorted(TABLE.items()):
        row: dict[str, Any] = {"description": info.description, "description_ru": info.description_ru,
                               "remedy": info.remedy}
        if _words(info.setting):
            row["setting"] = info.setting.value  # type: ignore[union-attr]
        rows[str(code)] = row
    return rows


def core_facts() -> dict[str, Any]:
    """Everything the webhook knows of GoSMS, as JSON-able data."""
    sample = 987654321
    unknown = lookup(sample)
    return {
        "text": {
            "max_length": validation.MAX_MESSAGE_LENGTH,
            "ellipsis": validation.truncate_message("x " * validation.MAX_MESSAGE_LENGTH)[-1],
            "accepted": _pack(_ranges(validation._char_ok)),
            "marks": _pack(_ranges(lambda ch: unicodedata.category(ch)[0] == "M")),
            "digits": _pack(_digit_runs()),
            "spaces": _pack(_ranges(lambda ch: not validation._char_ok(ch) and _spelled_kind(ch) == "space")),
            "invisible": _pack(_ranges(lambda ch: not validation._char_ok(ch) and _spelled_kind(ch) == "invisible")),
            "replacements": {str(ord(ch)): text for ch, text in sorted(validation._REPLACEMENTS.items())},
            "folds": _folds(),
            "compositions": _compositions(),
        },
        "phone": {"punctuation": _char_class(validation._PHONE_PUNCTUATION),
                  "min_digits": validation.MIN_PHONE_DIGITS, "max_digits": validation.MAX_PHONE_DIGITS},
        "ids": {"device": f"^(?:{validation._OBJECT_ID.pattern}|{validation._UUID.pattern})$",
                "device_any_case": _js_regex(validation._UUID_ANY_CASE)},
        "sim": {"lowest": validation.SIM_DEFAULT},
        "api": {"default_url": DEFAULT_API_URL, "send_path": ENDPOINTS["send"].path, "user_agent": USER_AGENT},
        "details": _details(),
        "errors": _errors(),
        "unknown": {"description": unknown.description.replace(str(sample), "{code}"), "remedy": unknown.remedy},
        "settings": {setting.value: words for setting, words in ZABBIX_WORDS.items() if words},
    }


# --- the YAML ------------------------------------------------------------------------------------------

def script() -> str:
    """webhook.js with the core's facts written in."""
    source = SOURCE.read_text(encoding="utf-8")
    if source.count(CORE_LINE) != 1:
        raise SystemExit(f"{SOURCE} must hold the line {CORE_LINE!r} exactly once")
    # UTF-8 as it is (Cyrillic takes 2 bytes, not a 6-byte escape: the script field holds 64 KB
    # in MySQL), except the two characters that end a line inside a JavaScript string.
    facts = json.dumps(core_facts(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    facts = facts.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return source.replace(CORE_LINE, f"var CORE = {facts};")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _block(text: str, indent: str) -> str:
    return "|\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))


def _header(name: str, kind: str, source: str) -> list[str]:
    return [
        f"# Generated by scripts/zabbix_media.py from {source}; do not edit.\n",
        "zabbix_export:\n",
        "  version: '6.0'\n",
        "  media_types:\n",
        "    -\n",
        f"      name: {name}\n",
        f"      type: {kind}\n",
    ]


def _templates() -> list[str]:
    out = ["      message_templates:\n"]
    for mode, subject, message in TEMPLATES:
        out += ["        -\n", "          event_source: TRIGGERS\n", f"          operation_mode: {mode}\n",
                f"          subject: {_quoted(subject)}\n", f"          message: {_quoted(message)}\n"]
    return out


def render_yaml() -> str:
    """The webhook media type in Zabbix 6.0's export format (6.0 and every later version import it)."""
    out = [*_header(MEDIA_TYPE["name"], "WEBHOOK", "zabbix/webhook.js and the gosms core"), "      parameters:\n"]
    for name, value in PARAMETERS:
        out += ["        -\n", f"          name: {name}\n", f"          value: {_quoted(value)}\n"]
    out += [
        f"      attempts: {_quoted(MEDIA_TYPE['attempts'])}\n",
        f"      attempt_interval: {MEDIA_TYPE['attempt_interval']}\n",
        f"      script: {_block(script(), '        ')}",
        f"      timeout: {MEDIA_TYPE['timeout']}\n",
        f"      description: {_block(DESCRIPTION, '        ')}",
    ]
    return "".join(out + _templates())


def render_script_yaml() -> str:
    """The script media type that runs the gosms command, with the same message templates."""
    length = sum(len(p) + 1 for p in SCRIPT_PARAMETERS)
    if length > SCRIPT_PARAMETERS_MAX:
        raise SystemExit(f"the script parameters take {length} characters; Zabbix 6.0 keeps {SCRIPT_PARAMETERS_MAX}")
    out = [*_header("GoSMS (gosms command)", "SCRIPT", "its own tables"), "      script_name: gosms\n",
           "      parameters:\n"]
    out += [f"        - {_quoted(p)}\n" for p in SCRIPT_PARAMETERS]
    out += [
        f"      attempts: {_quoted(MEDIA_TYPE['attempts'])}\n",
        f"      attempt_interval: {MEDIA_TYPE['attempt_interval']}\n",
        f"      description: {_block(SCRIPT_DESCRIPTION, '        ')}",
    ]
    return "".join(out + _templates())


def main(argv: list[str]) -> int:
    files = {TARGET: render_yaml(), SCRIPT_TARGET: render_script_yaml()}
    if argv == ["--check"]:
        stale = [path for path, text in files.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is not current: run scripts/zabbix_media.py", file=sys.stderr)
        return 1 if stale else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
