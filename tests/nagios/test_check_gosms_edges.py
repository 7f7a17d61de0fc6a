"""The rough edges an outside review found against the Monitoring Plugins guidelines, each pinned down.

Ranges that mean nothing, the ranking of UNKNOWN against CRITICAL, 429s, thresholds without the part
they judge, names and texts that would break the status line, URLs that do not parse, and the
wording of ranges and missing values.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import nagiosplugin
import pytest
from gosms_nagios.check.contexts import _past
from gosms_nagios.check.plugin import worst_state
from nagios_support import SECRET, Checker, free_port, send_messages

from gosms.emulator import Emulator
from gosms.wire.errors import TABLE


@pytest.mark.parametrize("args", [
    pytest.param(["--quota", "10", "-c", "@"], id="at-sign-alone"),
    pytest.param(["--quota", "10", "-w", "~:"], id="minus-infinity-to-infinity"),
    pytest.param(["--quota", "10", "-w", ""], id="empty"),
    pytest.param(["--quota", "10", "-c", ":"], id="colon-alone"),
    pytest.param(["--quota", "10", "-w", "90:80"], id="start-above-end"),
    pytest.param(["--delivery-window", "5", "--delivery-critical", "@~:"], id="delivery-inverted-everything"),
])
def test_ranges_without_meaning_are_unknown_before_any_request(console: Checker, emu: Emulator,
                                                                args: list[str]) -> None:
    run = console.run(*args, api_url=emu.url)
    assert run.returncode == 3, run
    assert run.status.startswith("GOSMS UNKNOWN - invalid arguments: "), run
    assert "is not a threshold range like 80, 10:90" in run.status
    assert "|" not in run.stdout, "nothing is echoed into performance data"
    assert not emu.requests()


@pytest.mark.parametrize(("args", "named"), [
    pytest.param(["-w", "90"], "-w/--warning only applies with --quota", id="warning"),
    pytest.param(["-w", "90", "-c", "95"], "-w/--warning and -c/--critical only apply with --quota", id="both"),
    pytest.param(["--battery-critical", "10"], "--battery-critical only applies with --device", id="battery"),
    pytest.param(["--offline-warning", "100"], "--offline-warning only applies with --device", id="offline"),
    pytest.param(["--delivery-warning", "5"], "--delivery-warning only applies with --delivery-window",
                 id="delivery"),
])
def test_thresholds_without_their_part_are_refused(console: Checker, emu: Emulator, args: list[str],
                                                   named: str) -> None:
    run = console.run(*args, api_url=emu.url)
    assert run.returncode == 3, run
    assert named in run.status, run
    assert "add it, or leave" in run.status


def test_default_thresholds_still_apply_with_their_part(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 17)
    run = console.run("--quota", "20", api_url=emu.url)
    assert run.returncode == 1, run
    assert run.perfdata["quota_pct"].group("warn") == "80"


def test_critical_outranks_unknown(console: Checker, emu: Emulator) -> None:
    """A token that may not see phones (1011, UNKNOWN) and a quota past -c (CRITICAL): CRITICAL wins."""
    send_messages(emu, 19)
    emu.set_scenario(tokens={SECRET: {"permissions": {"devices_read": False}}})
    run = console.run("--quota", "20", "-c", "90", "--device", emu.device_id, api_url=emu.url)
    assert run.returncode == 2, run
    assert run.status.startswith("GOSMS CRITICAL - "), run
    assert "quota: 95.0 % used this month, 19 of 20 SMS (critical past 90 %)" in run.status
    assert f"GoSMS error 1011: {TABLE[1011].description}" in run.status, "the UNKNOWN part is still named"


def test_unknown_is_not_hidden_by_ok(console: Checker, emu: Emulator) -> None:
    emu.set_scenario(tokens={SECRET: {"permissions": {"devices_read": False}}})
    run = console.run("--device", emu.device_id, api_url=emu.url)
    assert run.returncode == 3, run


def test_state_ranking_is_the_monitoring_plugins_one() -> None:
    ok, warn, crit, unknown = nagiosplugin.Ok, nagiosplugin.Warn, nagiosplugin.Critical, nagiosplugin.Unknown
    assert worst_state([ok, unknown, crit]) == crit
    assert worst_state([unknown, warn]) == warn
    assert worst_state([ok, unknown]) == unknown
    assert worst_state([ok, ok]) == ok
    assert worst_state([]) == unknown


def test_rate_limiting_is_reported_as_such(console: Checker, emu: Emulator) -> None:
    emu.add_fault("status", endpoint="list", count=None, status=429, body="")
    run = console.run("-t", "3", api_url=emu.url)
    assert run.returncode == 1, run
    assert run.status.startswith("GOSMS WARNING - API: rate limited: GoSMS kept answering 429"), run
    assert "10 requests per second" not in run.status


def test_device_name_cannot_split_the_status_line_or_inject_perfdata(console: Checker, emu: Emulator) -> None:
    emu.set_scenario(devices={emu.device_id: {"name": "Poco\nM3 | spare; old\r\tone", "active": False}})
    for verbose in ([], ["-v"]):
        run = console.run("--device", emu.device_id, *verbose, api_url=emu.url)
        assert run.returncode == 2, run
        assert f'phone "Poco M3 / spare, old one" {emu.device_id}: inactive' in run.status, run
        assert "warning: removed illegal characters" not in run.stdout
        assert all(";" not in line for line in run.lines[:-1] if not line.startswith("| ")), run
        run.perfdata  # noqa: B018 - every perfdata item still parses
    assert len(console.run("--device", emu.device_id, api_url=emu.url).lines) == 1


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/v1"])
def test_unreadable_api_url_is_a_gosms_unknown(console: Checker, url: str) -> None:
    run = console.run(api_url=url)
    assert run.returncode == 3, run
    assert run.status.startswith("GOSMS UNKNOWN - The GoSMS API URL "), run
    assert "ValueError" not in run.stdout and "Traceback" not in run.stdout + run.stderr


def test_plain_http_remedy_names_a_flag_the_check_has(console: Checker) -> None:
    url = f"http://0.0.0.0:{free_port()}/v1"  # not a loopback address, and nothing listens there
    refused = console.run(api_url=url)
    assert refused.returncode == 3, refused
    assert "--allow-insecure-http" in refused.status
    allowed = console.run("--allow-insecure-http", "-t", "3", api_url=url)
    assert allowed.returncode == 2, allowed
    assert "Could not connect" in allowed.status
    assert "--allow-insecure-http" in console.run("--help").stdout


def test_battery_not_reported_is_shown_as_n_a(console: Checker, emu: Emulator) -> None:
    seen = datetime.fromtimestamp(emu.now(), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = {"device_id": emu.device_id, "device_battery_state": None, "device_name": "Poco M3",
            "is_active": True, "is_charging": False, "last_online_date": seen}
    emu.add_fault("status", endpoint="device_info", count=None, status=200, body=json.dumps(body))
    run = console.run("--device", emu.device_id, "-v", api_url=emu.url)
    assert run.returncode == 0, run
    assert "battery n/a (the phone does not report it)" in run.status
    assert run.perfdata[f"battery_{emu.device_id}"].group("value") == "U"


def test_inside_range_and_sentences(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 17)
    run = console.run("--quota", "20", "-w", "@80:90", api_url=emu.url)
    assert run.returncode == 1, run
    assert "(warning inside 80 to 90 %)" in run.status, run
    run = console.run("--quota", "20", "--device", "0123456789abcdef01234567", api_url=emu.url)
    assert run.returncode == 2, run
    text = run.status.split(" | ")[0]
    assert ".;" not in text and ".." not in text and ";" not in text, text
    assert "may have been removed. Check --device. quota: 85.0 % used" in text, text


@pytest.mark.parametrize(("spec", "words"), [
    ("80", "past 80 %"), ("10:", "below 10 %"), ("~:50", "past 50 %"), ("10:90", "outside 10 to 90 %"),
    ("@70:80", "inside 70 to 80 %"), ("@~:20", "at 20 % or less"), ("@10:", "at 10 % or more"),
])
def test_range_words(spec: str, words: str) -> None:
    assert _past(nagiosplugin.Range(spec), " %") == words

