"""The ``gosms`` command, run as a user runs it: a subprocess against the emulator.

Every run is checked by :func:`core_helpers.run_cli` for the token in stdout/stderr and for a
traceback, so each test below also proves that the command never leaks the token or crashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core_helpers import PHONE, SECRET, api_requests, run_cli, stored

from gosms import __version__
from gosms.cli import main as cli
from gosms.emulator import Emulator
from gosms.wire.errors import TABLE

OTHER = "79990000001"
MESSAGE_ID = "6654a4e8f1527149588c89f2"
UNKNOWN_DEVICE = "3baf9df0-d0e3-43d2-a58f-6d7c27143242"
# Statuses no code gets by default (the emulator maps categories to 400/401/403/404/500): the
# command must decode by errors.code alone, a 200 and a 429 carrying an error included.
ODD_STATUSES = (200, 418, 409, 422, 503, 202, 451, 429)


def assert_reported(result, code: int) -> None:  # type: ignore[no-untyped-def]
    """The failure names the code, the English description and the remedy."""
    row = TABLE[code]
    assert f"GoSMS error {code}" in result.stderr, result.stderr
    assert row.description in result.stderr
    assert row.remedy in result.stderr


# -- every code of the table -----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(TABLE))
def test_every_code_is_reported_with_description_and_remedy(emu: Emulator, code: int) -> None:
    status = ODD_STATUSES[sorted(TABLE).index(code) % len(ODD_STATUSES)]
    emu.set_scenario(status_overrides={str(code): status})
    emu.add_fault("error", endpoint="get", code=code)
    result = run_cli("status", MESSAGE_ID, "--json", "--deadline", "0", emu=emu)
    assert result.code == cli.EXIT_FAILURE
    assert_reported(result, code)
    (request,) = api_requests(emu, "get")
    assert request["status"] == status  # the emulator really answered the odd status
    document = result.json()
    assert document["ok"] is False and document["exit_code"] == cli.EXIT_FAILURE
    assert document["error_code"] == code
    assert document["description"] == TABLE[code].description
    assert document["remedy"] == TABLE[code].remedy
    assert document["http_status"] == status
    assert document["hash"]  # the emulator's error hash, for support


def test_unknown_code_keeps_the_servers_words(emu: Emulator) -> None:
    emu.add_fault("error", endpoint="list", code=4711)
    result = run_cli("list", "--json", emu=emu)
    assert result.code == cli.EXIT_FAILURE
    assert "GoSMS error 4711: unknown GoSMS error 4711" in result.stderr
    document = result.json()
    assert document["error_code"] == 4711 and document["hash"] in result.stderr


def _no_grant(grant: str):  # type: ignore[no-untyped-def]
    return lambda emu: emu.set_scenario(tokens={"token0": {"permissions": {grant: False}}})


NATURAL = [
    # (code, how the account is set up, the command)
    (1002, lambda emu: emu.set_scenario(tokens={"token0": {"active": False}}), ["list"]),
    (1003, lambda emu: emu.set_scenario(tokens={"token0": {"deleted": True}}), ["list"]),
    (3000, lambda emu: emu.set_scenario(account_blocked=True), ["send", "--to", PHONE, "--message", "x"]),
    (1004, lambda emu: emu.set_scenario(devices=[]), ["send", "--to", PHONE, "--message", "x"]),
    (1005, _no_grant("send"), ["send", "--to", PHONE, "--message", "x"]),
    (1006, lambda emu: emu.set_scenario(quota=0), ["send", "--to", PHONE, "--message", "x"]),
    (1007, _no_grant("read"), ["status", MESSAGE_ID]),
    (1008, lambda emu: None, ["status", MESSAGE_ID]),
    (1011, _no_grant("devices_read"), ["device", "@device"]),
    (1012, lambda emu: None, ["device", UNKNOWN_DEVICE]),
    (1013, _no_grant("devices_edit"), ["device", "@device", "--deactivate"]),
    (1014, _no_grant("devices_delete"), ["device", "@device", "--delete"]),
    (1015, lambda emu: emu.set_scenario(devices={emu.device_id: {"active": False}}),
     ["send", "--to", PHONE, "--message", "x"]),
    (1016, lambda emu: None, ["send", "--to", PHONE, "--message", "x", "--device-id", UNKNOWN_DEVICE]),
]


@pytest.mark.parametrize(("code", "setup", "argv"), NATURAL, ids=[str(n[0]) for n in NATURAL])
def test_the_accounts_own_refusals(emu: Emulator, code: int, setup, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    argv = [emu.device_id if a == "@device" else a for a in argv]
    setup(emu)
    result = run_cli(*argv, "--deadline", "0", emu=emu)
    assert result.code == cli.EXIT_FAILURE
    assert_reported(result, code)
    assert stored(emu) == []


LOCAL = [
    (2001, ["send", "--to", "12", "--message", "x"]),
    (2001, ["send", "--to", PHONE, "--to", "+7 999", "--message", "x"]),
    (2002, ["send", "--to", PHONE, "--message", "load | high"]),
    (2002, ["send", "--to", PHONE, "--message", "x" * 301]),
    (2003, ["status", "12345"]),
    (2004, ["send", "--to", PHONE, "--message", "x", "--callback-id", "hook"]),
    (2005, ["send", "--to", PHONE, "--message", "x", "--device-id", "phone-1"]),
    (2005, ["device", UNKNOWN_DEVICE.upper()]),
    (2006, ["list", "--limit", "0"]),
    (2006, ["list", "--all", "--limit", "500"]),
    (2007, ["list", "--offset", "first"]),
    (2008, ["send", "--to", PHONE, "--message", "x", "--device-id", UNKNOWN_DEVICE, "--to-sim", "zero"]),
    (1017, ["send", "--to", PHONE, "--message", "x", "--to-sim", "1"]),
]


@pytest.mark.parametrize(("code", "argv"), LOCAL, ids=[f"{c}-{i}" for i, (c, _) in enumerate(LOCAL)])
def test_invalid_input_is_refused_before_any_request(emu: Emulator, code: int, argv: list[str]) -> None:
    result = run_cli(*argv, "--json", emu=emu)
    assert result.code == cli.EXIT_USAGE
    assert_reported(result, code)
    document = result.json()
    assert document["error_code"] == code and document["sent"] is False and document["field"]
    assert emu.requests() == []


def test_invalid_character_position_is_shown(emu: Emulator) -> None:
    result = run_cli("send", "--to", PHONE, "--message", "CPU at 90° now", emu=emu)
    assert result.code == cli.EXIT_USAGE
    assert "'°' (U+00B0 DEGREE SIGN) at position 10" in result.stderr
    assert emu.requests() == []


@pytest.mark.parametrize(
    ("argv", "words", "setting"),
    [
        (["send", "--to", PHONE, "--message", "a|b"], "Or use --invalid-chars replace.", "invalid_chars"),
        (["send", "--to", PHONE, "--message", "x" * 301], "Or use --long-message split.", "long_message"),
        (["send", "--to", "+7 999 123-45-67", "--message", "x"], "Or use --normalize.", "normalize"),
        (["send", "--to", PHONE, "--message", "x", "--to-sim", "0"], "Use --device-id.", "device_id"),
        (["device", "nope"], "Use the device ID argument.", "device_id"),
        (["list", "--offset", "first"], "Use --offset.", "offset"),
    ],
)
def test_hints_are_worded_in_the_commands_options(emu: Emulator, argv: list[str], words: str,
                                                  setting: str) -> None:
    result = run_cli(*argv, "--json", emu=emu)
    assert result.code == cli.EXIT_USAGE
    assert words in result.stderr
    assert result.json()["hint"]["setting"] == setting
    # The core's own text names no option of any tool: only the command's hint does.
    assert result.stderr.count("--") == words.count("--")


def test_configuration_hints_name_the_commands_options(emu: Emulator) -> None:
    unsafe = run_cli("list", "--json", "--api-url", "http://gosms.example/v1", emu=emu)
    assert "Or use --allow-insecure-http." in unsafe.stderr
    assert unsafe.json()["hint"] == {"setting": "allow_insecure_http", "value": "true"}
    no_token = run_cli("list", token=None, emu=emu)
    assert "--token-file, $GOSMS_TOKEN or $GOSMS_TOKEN_FILE" in no_token.stderr


# -- sending ---------------------------------------------------------------------------------------


def test_send(emu: Emulator) -> None:
    result = run_cli("send", "--to", PHONE, "--to", OTHER, "--message", "Disk full on db1", emu=emu)
    assert result.code == cli.EXIT_OK, result.stderr
    (message_a, message_b) = sorted(stored(emu), key=lambda m: m["phone_number"])
    assert f"sent to {PHONE}: {message_b['id']}" in result.stdout
    assert f"sent to {OTHER}: {message_a['id']}" in result.stdout
    assert result.stderr == ""


def test_send_json_with_every_option(emu: Emulator) -> None:
    result = run_cli("--json", "send", "--to", "+7 (999) 123-45-67", "--message", "Temp 90° | hot 🔥",
                     "--normalize", "--invalid-chars", "replace", "--device-id", emu.device_id, "--to-sim", "1",
                     "--callback-id", MESSAGE_ID, emu=emu)
    assert result.code == cli.EXIT_OK, result.stderr
    document = result.json()
    assert document["ok"] is True and document["exit_code"] == 0
    (recipient,) = document["results"]
    (message,) = stored(emu)
    assert recipient["ids"] == [message["id"]] and recipient["phone_number"] == PHONE
    assert message["message"] == "Temp 90 deg / hot (fire)"
    assert (message["device_id"], message["to_sim"], message["callback_id"]) == (emu.device_id, 1, MESSAGE_ID)


@pytest.mark.parametrize("slot", ["0", "-1", "-2"])
def test_every_documented_sim_slot_can_be_chosen(emu: Emulator, slot: str) -> None:
    """0 is the first slot on the Russian device page; -1 random, -2 the phone's default."""
    result = run_cli("send", "--to", PHONE, "--message", "x", "--device-id", emu.device_id, "--to-sim", slot,
                     emu=emu)
    assert result.code == cli.EXIT_OK, result.stderr
    (message,) = stored(emu)
    assert message["to_sim"] == int(slot)


def test_send_long_message(emu: Emulator) -> None:
    text = " ".join(["word"] * 100)
    split = run_cli("send", "--to", PHONE, "--message", text, "--long-message", "split", emu=emu)
    assert split.code == 0 and "in 2 parts" in split.stdout
    truncated = run_cli("send", "--to", OTHER, "--message", text, "--long-message", "truncate", emu=emu)
    assert truncated.code == 0
    assert [m["message"][:6] for m in stored(emu)] == ["(1/2) ", "(2/2) ", "word w"]
    assert stored(emu)[-1]["message"].endswith("…")


def test_send_message_from_stdin(emu: Emulator) -> None:
    result = run_cli("send", "--to", PHONE, "--message", "-", emu=emu, input="Backup failed\n")
    assert result.code == 0
    assert stored(emu)[0]["message"] == "Backup failed"


def test_partial_failure_names_who_got_it(emu: Emulator) -> None:
    emu.set_scenario(quota=1)
    result = run_cli("send", "--to", PHONE, "--to", OTHER, "--message", "one of two", "--deadline", "0", emu=emu)
    assert result.code == cli.EXIT_FAILURE
    (message,) = stored(emu)
    got, missed = (PHONE, OTHER) if message["phone_number"] == PHONE else (OTHER, PHONE)
    assert f"sent to {got}: {message['id']}" in result.stdout
    assert f"NOT sent to {missed}" in result.stderr
    assert_reported(result, 1006)
    assert f"got it: {got}; did NOT get it: {missed}" in result.stderr

    as_json = run_cli("send", "--to", PHONE, "--to", OTHER, "--message", "again", "--json", emu=emu)
    assert as_json.code == cli.EXIT_FAILURE
    document = as_json.json()
    assert document["ok"] is False and document["exit_code"] == 1
    assert {r["phone_number"]: r["ok"] for r in document["results"]} == {PHONE: False, OTHER: False}
    assert all(r["error_code"] == 1006 and r["remedy"] == TABLE[1006].remedy for r in document["results"])
    assert document["error_code"] == 1006 and document["description"] == TABLE[1006].description


def test_send_and_wait(emu: Emulator) -> None:
    emu.set_scenario(failures=[{"phone": OTHER, "status": 3}, {"phone": "79990000002", "hold": 1}])
    ok = run_cli("send", "--to", PHONE, "--message", "x", "--wait", "--wait-interval", "0.1", emu=emu)
    assert ok.code == 0 and "delivered" in ok.stdout
    failed = run_cli("send", "--to", OTHER, "--message", "x", "--wait", "--wait-interval", "0.1", "--json", emu=emu)
    assert failed.code == cli.EXIT_FAILURE and "send error" in failed.stderr
    assert failed.json()["delivery"][0]["delivered"] is False
    stuck = run_cli("send", "--to", "79990000002", "--message", "x", "--wait", "--wait-timeout", "0.5",
                    "--wait-interval", "0.1", emu=emu)
    assert stuck.code == cli.EXIT_FAILURE and "still processing" in stuck.stderr


def test_a_fault_during_send_still_sends_once(emu: Emulator) -> None:
    emu.add_fault("reset_after", endpoint="send")
    result = run_cli("send", "--to", PHONE, "--message", "through a reset", emu=emu)
    assert result.code == 0
    assert len(stored(emu)) == 1
    assert "found on the server and not sent again" in result.stderr


def test_proxy_echoing_the_token(emu: Emulator) -> None:
    echo = f"<pre>Authorization: Bearer {SECRET}</pre>"
    emu.add_fault("status", endpoint="*", count=None, status=502, body=echo, content_type="text/html")
    for argv in (["send", "--to", PHONE, "--message", "x"], ["status", MESSAGE_ID], ["list", "--json"]):
        result = run_cli(*argv, "--deadline", "0.3", "--verbose", emu=emu)  # run_cli checks for the token
        assert result.code == cli.EXIT_FAILURE
        assert "HTTP 502" in result.stderr


# -- the other commands ----------------------------------------------------------------------------


def test_status(emu: Emulator) -> None:
    sent = run_cli("send", "--to", PHONE, "--message", "check me", "--json", emu=emu).json()
    message_id = sent["results"][0]["ids"][0]
    shown = run_cli("status", message_id, emu=emu)
    assert shown.code == 0 and message_id in shown.stdout and "check me" in shown.stdout
    waited = run_cli("status", message_id, "--wait", "--wait-interval", "0.1", "--json", emu=emu)
    assert waited.code == 0
    assert waited.json()["status"] == 4 and waited.json()["status_label"] == "delivered"


def test_list(emu: Emulator) -> None:
    emu.set_scenario(rate_limit=0)
    for i in range(3):
        run_cli("send", "--to", f"7999555000{i}", "--message", f"note {i}", emu=emu)
    listed = run_cli("list", "--limit", "2", emu=emu)
    assert listed.code == 0
    assert "note 2" in listed.stdout and "note 0" not in listed.stdout
    assert "page 1: 2 of 3 message(s)" in listed.stdout
    everything = run_cli("list", "--all", "--limit", "1", "--json", emu=emu).json()
    assert [m["message"] for m in everything["messages"]] == ["note 2", "note 1", "note 0"]
    found = run_cli("list", "--search", "79995550001", "--json", emu=emu).json()
    assert [m["message"] for m in found["messages"]] == ["note 1"]
    second_page = run_cli("list", "--limit", "2", "--offset", "2", "--json", emu=emu).json()
    assert [m["message"] for m in second_page["messages"]] == ["note 0"]


def test_device(emu: Emulator) -> None:
    device_id = emu.device_id
    shown = run_cli("device", device_id, emu=emu)
    assert shown.code == 0 and device_id in shown.stdout and "battery: 87%" in shown.stdout
    assert run_cli("device", device_id, "--deactivate", emu=emu).code == 0
    assert run_cli("device", device_id, "--json", emu=emu).json()["is_active"] is False
    assert run_cli("device", device_id, "--activate", emu=emu).code == 0
    assert emu.snapshot()["devices"][0]["active"] is True
    assert run_cli("device", device_id, "--delete", emu=emu).code == 0
    assert emu.snapshot()["devices"] == []
    both = run_cli("device", device_id, "--activate", "--delete", emu=emu)
    assert both.code == cli.EXIT_USAGE and "not allowed with" in both.stderr


def test_errors_needs_no_token() -> None:
    table = run_cli("errors", token=None)
    assert table.code == 0
    for code, row in TABLE.items():
        assert f"{code}  {row.severity.name}" in table.stdout
        assert row.description in table.stdout and row.remedy in table.stdout
    document = run_cli("errors", "--json", token=None).json()
    assert [e["code"] for e in document["errors"]] == sorted(TABLE)
    assert set(document["errors"][0]) >= {"code", "severity", "category", "description", "remedy"}


def test_usage(emu: Emulator, tmp_path: Path) -> None:
    state = tmp_path / "usage.json"
    run_cli("send", "--to", PHONE, "--to", OTHER, "--message", "count me", emu=emu)
    first = run_cli("usage", "--state-file", str(state), emu=emu)
    assert first.code == 0 and ": 2 message(s) created this month" in first.stdout
    assert json.loads(state.read_text())["count"] == 2
    emu.advance(2)
    run_cli("send", "--to", PHONE, "--message", "and me", emu=emu)
    second = run_cli("usage", "--state-file", str(state), "--json", emu=emu).json()
    assert second["count"] == 3 and second["pages_read"] == 1
    state.write_text("not json")
    again = run_cli("usage", "--state-file", str(state), emu=emu)
    assert again.code == 0 and "counting from scratch" in again.stderr and ": 3 message(s)" in again.stdout


# -- configuration, transport, plumbing ------------------------------------------------------------


def test_configuration_errors(emu: Emulator, tmp_path: Path) -> None:
    no_token = run_cli("list", "--json", token=None, emu=emu)
    assert no_token.code == cli.EXIT_CONFIG and "No GoSMS token" in no_token.stderr
    assert no_token.json()["error_type"] == "ConfigError"
    missing = run_cli("list", "--token-file", str(tmp_path / "nope"), token=None, emu=emu)
    assert missing.code == cli.EXIT_CONFIG and "Cannot read the token file" in missing.stderr
    unsafe = run_cli("list", "--api-url", "http://gosms.example/v1", emu=emu)
    assert unsafe.code == cli.EXIT_CONFIG and "plain http" in unsafe.stderr
    assert emu.requests() == []


def test_token_from_file_and_environment(emu: Emulator, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o640)  # group read is the usual root:nagios set-up
    assert run_cli("list", "--token-file", str(token_file), token=None, emu=emu).code == 0
    assert run_cli("list", token=None, emu=emu, env={"GOSMS_TOKEN_FILE": str(token_file)}).code == 0
    assert run_cli("list", "--api-url", emu.url, token=SECRET).code == 0
    assert {r["token"] for r in emu.requests()} == {"token0"}


@pytest.mark.parametrize("argv", [["--token", SECRET, "list"], ["list", "--token", SECRET], ["list", "--token"],
                                  ["list", f"--token={SECRET}"], ["list", "--tok", SECRET]])
def test_there_is_no_token_option(argv: list[str]) -> None:
    result = run_cli(*argv, token=None)  # run_cli checks that the value is not echoed
    assert result.code == cli.EXIT_USAGE
    assert "no --token option" in result.stderr or "unrecognized arguments: --tok" in result.stderr


def test_option_prefixes_are_not_guessed(emu: Emulator) -> None:
    result = run_cli("list", "--api", emu.url, emu=emu)
    assert result.code == cli.EXIT_USAGE and emu.requests() == []


def test_unreachable_api() -> None:
    result = run_cli("status", MESSAGE_ID, "--api-url", "http://127.0.0.1:9", "--deadline", "0", "--json")
    assert result.code == cli.EXIT_FAILURE
    assert "Could not connect to 127.0.0.1:9" in result.stderr
    assert result.json()["error_type"] == "TransportError" and result.json()["remedy"]


def test_verbose_logs_requests_but_not_the_token(emu: Emulator) -> None:
    result = run_cli("-v", "send", "--to", PHONE, "--message", "logged", emu=emu)
    assert result.code == 0
    assert f"POST {emu.url}/sms/send" in result.stderr and "-> 200" in result.stderr


def test_version_help_and_usage_errors() -> None:
    version = run_cli("--version", token=None)
    assert version.code == 0 and version.stdout.strip() == f"gosms {__version__}"
    helped = run_cli("--help", token=None)
    assert helped.code == 0 and "exit status" in helped.stdout and "GOSMS_TOKEN" in helped.stdout
    assert run_cli(token=None).code == cli.EXIT_USAGE
    bad = run_cli("send", "--to", PHONE, "--json", token=None)
    assert bad.code == cli.EXIT_USAGE and bad.json()["error_type"] == "UsageError"


def test_unexpected_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        emu: Emulator) -> None:
    """A bug in gosms still ends in one line and a failure status, never a traceback."""

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setenv("GOSMS_TOKEN", SECRET)
    monkeypatch.setenv("GOSMS_API_URL", emu.url)
    monkeypatch.setattr("gosms.clients.sync.Client.get", broken)
    assert cli.main(["status", MESSAGE_ID]) == cli.EXIT_FAILURE
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "unexpected error (KeyError at " in err
    assert "boom" not in err  # a bug's own text may quote the token: only its type and place are said
    assert cli.main(["status", MESSAGE_ID, "--json"]) == cli.EXIT_FAILURE
    out, err = capsys.readouterr()
    assert json.loads(out)["error_type"] == "KeyError"
    assert SECRET not in out + err


def test_wait_without_read_permission_says_the_message_went_out(emu: Emulator) -> None:
    _no_grant("read")(emu)
    result = run_cli("send", "--to", PHONE, "--message", "wait for me", "--wait", "--deadline", "0", "--json",
                     emu=emu)
    assert result.code == cli.EXIT_FAILURE
    assert "but delivery could not be checked" in result.stderr
    assert_reported(result, 1007)
    document = result.json()
    assert document["ok"] is True and document["delivery_error"]["error_code"] == 1007
    assert len(stored(emu, "wait for me")) == 1
