"""Every state check_gosms can report, driven through the emulator, for each way it is installed.

The expected states of API errors are the issue's (CRITICAL 1002/1003/3000, WARNING 1004/1006, ...)
and are also checked against the core table, which the check reads them from.
"""

from __future__ import annotations

import subprocess

import pytest
from gosms_nagios.common.text import plain_text
from nagios_support import SECRET, VENV_BIN, Checker, assert_no_secret, endpoints_called, send_messages

from gosms import Client
from gosms.emulator import Emulator
from gosms.wire.errors import TABLE

# -- healthy -------------------------------------------------------------------------------------------


def test_healthy_account_is_ok_with_one_status_line_and_perfdata(check: Checker, emu: Emulator) -> None:
    run = check.run(api_url=emu.url)
    assert run.returncode == 0, run
    assert run.status.startswith("GOSMS OK - API: answered in "), run
    assert len(run.lines) == 1, "without -v the output is one status line"
    assert " | " in run.status, "perfdata belongs on the status line"
    perf = run.perfdata
    assert set(perf) == {"api_time"}
    assert perf["api_time"].group("uom") == "s"
    assert perf["api_time"].group("min") == "0"
    assert run.stderr == ""


def test_everything_checked_and_healthy(check: Checker, emu: Emulator) -> None:
    send_messages(emu, 5)
    device = emu.device_id
    run = check.run("--quota", "100", "--device", device, "--delivery-window", "10", api_url=emu.url)
    assert run.returncode == 0, run
    assert "5.0 % used this month, 5 of 100 SMS" in run.status
    assert f'phone "Pixel 7 (emulated)" {device}: active, last seen' in run.status
    assert "0.0 % failed, 0 of the last 5 messages" in run.status
    perf = run.perfdata
    assert perf["quota_used"].group("value") == "5"
    assert perf["quota_used"].group("max") == "100"
    assert perf["quota_pct"].group("uom") == "%"
    assert perf["quota_pct"].group("warn") == "80"
    assert perf[f"battery_{device}"].group("value") == "87"
    assert perf[f"battery_{device}"].group("warn") == "20:"
    assert perf[f"last_seen_{device}"].group("uom") == "s"
    assert perf[f"last_seen_{device}"].group("warn") == "360"
    assert perf["delivery_failed"].group("value") == "0.0"
    assert perf["failed_messages"].group("max") == "5"
    assert "api_time" in perf


def test_the_check_never_sends_and_reads_the_newest_page_once(check: Checker, emu: Emulator) -> None:
    send_messages(emu, 30)
    emu.clear_requests()
    run = check.run("--quota", "100", "--device", emu.device_id, "--delivery-window", "20", "-vvv",
                    api_url=emu.url)
    assert run.returncode == 0, run
    assert "30.0 % used this month, 30 of 100 SMS" in run.status
    assert "0 of the last 20 messages" in run.status
    assert len(emu.messages()) == 30
    asked = [(entry["endpoint"], entry["query"]) for entry in emu.requests()]
    assert asked == [("list", {"limit": "100", "offset": "1"}), ("device_info", {})], (
        "only reads; the account check reads the page the quota and the delivery window read, "
        "and they get its answer")
    assert run.stdout.count("the answer this run read already") == 2, run.stdout


def test_the_delivery_window_is_the_account_checks_page(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 8)
    emu.clear_requests()
    run = console.run("--delivery-window", "5", api_url=emu.url)
    assert run.returncode == 0, run
    assert "0 of the last 5 messages" in run.status
    assert [entry["query"] for entry in emu.requests()] == [{"limit": "5", "offset": "1"}]


def test_a_failed_read_is_asked_again_not_kept(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 3)
    emu.add_fault("status", endpoint="list", count=1, status=503, body="")
    emu.clear_requests()
    run = console.run("--quota", "10", "--delivery-window", "3", api_url=emu.url)
    assert run.returncode == 0, run
    assert "3 of 10 SMS" in run.status and "0 of the last 3 messages" in run.status
    assert [entry["status"] for entry in emu.requests()] == [503, 200], (
        "the 503 is retried; the answer that came after it serves the quota and the delivery window")


# -- API errors, state and texts from the core table ----------------------------------------------------

def _token_inactive(emu: Emulator) -> list[str]:
    emu.set_scenario(tokens={SECRET: {"active": False}})
    return []


def _token_deleted(emu: Emulator) -> list[str]:
    emu.set_scenario(tokens={SECRET: {"deleted": True}})
    return []


def _blocked(emu: Emulator) -> list[str]:
    emu.set_scenario(account_blocked=True)
    return ["--quota", "100", "--device", emu.device_id, "--delivery-window", "10"]


def _no_read(emu: Emulator) -> list[str]:
    emu.set_scenario(tokens={SECRET: {"permissions": {"read": False}}})
    return []


def _no_devices_read(emu: Emulator) -> list[str]:
    emu.set_scenario(tokens={SECRET: {"permissions": {"devices_read": False}}})
    return ["--device", emu.device_id]


def _unknown_device(emu: Emulator) -> list[str]:
    return ["--device", "0123456789abcdef01234567"]


def _server_says(code: int):  # type: ignore[no-untyped-def]
    """A code a read-only call does not meet on its own: answered by the emulator's error fault."""
    def setup(emu: Emulator) -> list[str]:
        emu.add_fault("error", endpoint="list", count=None, code=code)
        return []
    return setup


API_ERRORS = [
    pytest.param(_blocked, 3000, 2, id="3000-account-blocked"),
    pytest.param(_token_inactive, 1002, 2, id="1002-token-inactive"),
    pytest.param(_token_deleted, 1003, 2, id="1003-token-deleted"),
    pytest.param(_no_read, 1007, 3, id="1007-token-may-not-read"),
    pytest.param(_no_devices_read, 1011, 3, id="1011-token-may-not-see-devices"),
    pytest.param(_unknown_device, 1012, 2, id="1012-phone-gone"),
    pytest.param(_server_says(1004), 1004, 1, id="1004-no-devices"),
    pytest.param(_server_says(1006), 1006, 1, id="1006-tariff-limit"),
    pytest.param(_server_says(1000), 1000, 2, id="1000-unknown-server-error"),
]


@pytest.mark.parametrize(("setup", "code", "exit_code"), API_ERRORS)
def test_api_error_states_descriptions_and_remedies(check: Checker, emu: Emulator, setup, code: int,  # type: ignore[no-untyped-def]
                                                    exit_code: int) -> None:
    args = setup(emu)
    run = check.run(*args, api_url=emu.url)
    info = TABLE[code]
    assert int(info.severity) == exit_code, "the issue's state and the core table disagree"
    assert run.returncode == exit_code, run
    assert run.status.startswith(f"GOSMS {info.severity.name} - "), run
    assert f"GoSMS error {code}: {info.description}" in run.status
    assert f"Fix: {plain_text(info.remedy)}" in run.status
    assert ";" not in run.status.split("|")[0], "Nagios turns ; into : in plugin output"
    assert len(run.lines) == 1
    assert_no_secret(run.stdout, run.stderr)


def test_undocumented_code_is_unknown_with_the_table_unknown_row(console: Checker, emu: Emulator) -> None:
    emu.add_fault("error", endpoint="list", count=None, code=4242)
    run = console.run(api_url=emu.url)
    assert run.returncode == 3, run
    assert "GoSMS error 4242: unknown GoSMS error 4242" in run.status


def test_blocked_account_skips_the_other_parts_and_says_so_with_v(console: Checker, emu: Emulator) -> None:
    args = _blocked(emu)
    emu.clear_requests()
    run = console.run(*args, "-v", api_url=emu.url)
    assert run.returncode == 2, run
    assert endpoints_called(emu) == ["list"], "one failed account check, nothing else asked"
    assert "CRITICAL: API: GoSMS error 3000" in run.stdout
    assert "server said 'Ваш аккаунт заблокирован" in run.stdout
    assert "error hash " in run.stdout and "HTTP 403" in run.stdout
    assert "OK: quota: not checked: the account check failed" in run.stdout
    assert f"phone {emu.device_id}: not checked" in run.stdout


# -- quota ------------------------------------------------------------------------------------------------

def test_quota_85_percent_is_warning(check: Checker, emu: Emulator) -> None:
    send_messages(emu, 17)
    run = check.run("--quota", "20", api_url=emu.url)
    assert run.returncode == 1, run
    assert run.status.startswith("GOSMS WARNING - quota: 85.0 % used this month, 17 of 20 SMS (warning past 80 %)")
    assert run.perfdata["quota_pct"].group(0) == "quota_pct=85.0%;80;;0;100"
    assert run.perfdata["quota_used"].group(0) == "quota_used=17;;;0;20"


@pytest.mark.parametrize(("args", "exit_code"), [
    pytest.param(["-c", "80"], 2, id="critical-past-80"),
    pytest.param(["-w", "90"], 0, id="warning-raised-to-90"),
    pytest.param(["-w", "50", "-c", "~:84"], 2, id="range-syntax-critical"),
    pytest.param(["-w", "@80:90"], 1, id="inverted-range"),
    pytest.param(["-w", "10:"], 0, id="open-ended-range"),
])
def test_quota_thresholds_use_nagios_ranges(console: Checker, emu: Emulator, args: list[str],
                                            exit_code: int) -> None:
    send_messages(emu, 17)
    run = console.run("--quota", "20", *args, api_url=emu.url)
    assert run.returncode == exit_code, run


def test_quota_counts_incrementally_from_a_private_state_file(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 149)
    emu.advance(10)  # time_create has whole seconds: keep the newest message apart, as real traffic is
    send_messages(emu, 1)
    emu.clear_requests()
    first = console.run("--quota", "1000", api_url=emu.url)
    assert first.returncode == 0, first
    assert "150 of 1000 SMS" in first.status
    assert endpoints_called(emu).count("list") == 2, "two pages of 100: the account check read the first"

    files = list((console.home / "cache" / "gosms-ops").iterdir())
    assert len(files) == 1
    state = files[0]
    assert state.stat().st_mode & 0o777 == 0o600
    assert SECRET not in state.name and SECRET not in state.read_text()

    emu.advance(10)
    send_messages(emu, 3)
    emu.clear_requests()
    second = console.run("--quota", "1000", api_url=emu.url)
    assert "153 of 1000 SMS" in second.status, second
    assert endpoints_called(emu).count("list") == 1, "only the newest page is read again, once"


def test_explicit_state_file_and_its_failure_is_a_warning(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 2)
    path = console.home / "gosms.state"
    run = console.run("--quota", "10", f"--state-file={path}", api_url=emu.url)
    assert run.returncode == 0, run
    assert path.exists()

    unwritable = console.home / "no-such-dir-file"
    unwritable.write_text("a file where a directory should be")
    run = console.run("--quota", "10", f"--state-file={unwritable}/state.json", api_url=emu.url)
    assert run.returncode == 1, run
    assert "cannot write the state file" in run.status
    assert run.perfdata["quota_used"].group("value") == "2", "the count is still measured"


def test_tampered_state_file_is_ignored(console: Checker, emu: Emulator) -> None:
    send_messages(emu, 4)
    path = console.home / "gosms.state"
    path.write_text("{not json")
    run = console.run("--quota", "10", f"--state-file={path}", "-vv", api_url=emu.url)
    assert run.returncode == 0, run
    assert "4 of 10 SMS" in run.status
    assert "not usable" in run.stdout


# -- phones -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "args", "exit_code", "text"), [
    pytest.param({"active": False}, [], 2, ": inactive (it sends no SMS, switch it on under My Devices: https://cms.gosms.ru/devices)",
                 id="inactive"),
    pytest.param({"last_seen_ago": 500}, [], 1, "last seen 8 min ago (warning after 6 min)", id="heartbeat-late"),
    pytest.param({"last_seen_ago": 1200}, [], 2, "last seen 20 min ago (critical after 16 min)", id="offline"),
    pytest.param({"last_seen_ago": 500}, ["--offline-warning", "600"], 0, "last seen 8 min ago", id="custom-offline"),
    pytest.param({"battery": 10, "charging": False}, [], 1, "battery 10 % (not charging, warning below 20 %)",
                 id="battery-low"),
    pytest.param({"battery": 10, "charging": True}, [], 0, "battery 10 % (charging)", id="battery-low-charging"),
    pytest.param({"battery": 10, "charging": False}, ["--battery-critical", "15"], 2,
                 "battery 10 % (not charging, critical below 15 %)", id="battery-critical"),
    pytest.param({"battery": 30, "charging": False}, ["--battery-warning", "40"], 1, "warning below 40 %",
                 id="battery-custom-warning"),
])
def test_phone_health(check: Checker, emu: Emulator, fields: dict[str, object], args: list[str],
                      exit_code: int, text: str) -> None:
    emu.set_scenario(devices={emu.device_id: fields})
    run = check.run("--device", emu.device_id, *args, api_url=emu.url)
    assert run.returncode == exit_code, run
    assert text in run.status, run


def test_english_page_device_shape(console: Checker, emu: Emulator) -> None:
    emu.set_scenario(device_format="en", devices={emu.device_id: {"battery": 15, "charging": False}})
    run = console.run("--device", emu.device_id, api_url=emu.url)
    assert run.returncode == 1, run
    assert "battery 15 %" in run.status


def test_two_phones_worst_first(console: Checker, emu: Emulator) -> None:
    healthy = emu.device_id
    broken = emu.add_device(name="Old phone", active=False, battery=5, charging=False)
    run = console.run("--device", healthy, "--device", broken, "-v", api_url=emu.url)
    assert run.returncode == 2, run
    assert run.status.startswith(f'GOSMS CRITICAL - phone "Old phone" {broken}: inactive (it sends no SMS')
    assert "battery 5 %" in run.status
    assert healthy not in run.status, "the healthy phone is not in the problem line"
    assert f'OK: phone "Pixel 7 (emulated)" {healthy}: active' in run.stdout
    assert f"battery_{broken}" in run.perfdata and f"battery_{healthy}" in run.perfdata


# -- delivery ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("failed", "args", "exit_code"), [
    pytest.param(3, [], 1, id="30-percent-warning"),
    pytest.param(6, [], 2, id="60-percent-critical"),
    pytest.param(1, [], 0, id="10-percent-ok"),
    pytest.param(3, ["--delivery-warning", "40", "--delivery-critical", "50"], 0, id="custom-thresholds"),
])
def test_delivery_failure_ratio(check: Checker, emu: Emulator, failed: int, args: list[str],
                                exit_code: int) -> None:
    emu.set_scenario(failures=[{"phone": "79990000003", "status": 3}, {"phone": "79990000005", "status": 5}])
    send_messages(emu, 5, phone="79990000003")  # older failures, outside the window
    send_messages(emu, 10 - failed, phone="79990000001")
    send_messages(emu, (failed + 1) // 2, phone="79990000003")  # send errors (3)
    send_messages(emu, failed // 2, phone="79990000005")  # delivery errors (5)
    run = check.run("--delivery-window", "10", *args, api_url=emu.url)
    assert run.returncode == exit_code, run
    assert f"{failed * 10:.1f} % failed, {failed} of the last 10 messages" in run.status
    assert run.perfdata["delivery_failed"].group("value") == f"{failed * 10:.1f}"


def test_delivery_without_messages_is_ok(console: Checker, emu: Emulator) -> None:
    run = console.run("--delivery-window", "20", api_url=emu.url)
    assert run.returncode == 0, run
    assert "no messages yet to judge delivery by" in run.status


# -- the API down or broken --------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", [
    pytest.param({"kind": "http_500"}, id="http-500"),
    pytest.param({"kind": "html_502"}, id="proxy-502-html"),
    pytest.param({"kind": "status", "status": 200, "body": "garbage, not JSON"}, id="garbage-200"),
    pytest.param({"kind": "reset_before"}, id="connection-reset"),
])
def test_api_broken_is_critical(check: Checker, emu: Emulator, fault: dict[str, object]) -> None:
    emu.add_faults([dict(fault, count=None)])
    run = check.run("-t", "4", api_url=emu.url)
    assert run.returncode == 2, run
    # CRITICAL, not the plugin timeout's UNKNOWN: the client gave up inside -t, however busy the machine.
    assert run.status.startswith("GOSMS CRITICAL - API: "), run


def test_api_unreachable_is_critical(check: Checker) -> None:
    from nagios_support import free_port

    run = check.run("-t", "3", api_url=f"http://127.0.0.1:{free_port()}/v1")
    assert run.returncode == 2, run
    assert "Could not connect to 127.0.0.1" in run.status


def test_slow_api_is_critical_before_the_plugin_timeout(console: Checker, emu: Emulator) -> None:
    emu.add_fault("slow", count=None, seconds=30)
    run = console.run("-t", "4", api_url=emu.url)
    # The client gave up inside the plugin timeout: had the plugin's own timeout struck first, the
    # status would be UNKNOWN (3, "plugin timeout: the check did not finish"), whatever the machine's
    # load. No clock is read here: on a busy machine the process may take longer than 4 s to end.
    assert run.returncode == 2, run
    assert "did not answer in time" in run.status
    assert "plugin timeout" not in run.status


def test_quota_count_and_gosms_usage_agree_after_a_deletion(console: Checker, emu: Emulator) -> None:
    """The tariff counts deleted messages too: the check and ``gosms usage`` keep them counted, alike."""
    ids = send_messages(emu, 3)
    first = console.run("--quota", "10", api_url=emu.url)
    assert "3 of 10 SMS" in first.status, first
    emu.advance(301)  # the API deletes a message only 5 minutes after it was created
    with Client(emu.token, api_url=emu.url, rate_limit=0) as client:
        client.delete(ids[0])
    assert emu.snapshot()["quota_used"] == 3, "the emulated tariff still counts the deleted message"
    check = console.run("--quota", "10", api_url=emu.url)
    assert "3 of 10 SMS" in check.status, check
    env = console.environment(SECRET, {"GOSMS_API_URL": emu.url})  # the same user, cache and account
    usage = subprocess.run([str(VENV_BIN / "gosms"), "usage"], env=env, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 0, usage
    assert ": 3 message(s) created this month" in usage.stdout, usage.stdout
    assert_no_secret(usage.stdout, usage.stderr)
