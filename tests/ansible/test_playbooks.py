"""gosms.sms modules in real ansible-playbook runs against the emulator."""

from __future__ import annotations

import pytest

from gosms.wire.errors import TABLE
from gosms.wire.validation import check_phone

HEADER = """\
- name: gosms test play
  hosts: localhost
  gather_facts: false
  tasks:
"""

QUOTA_REACHED = 1006
BAD_PHONE = 2001


def sent_to(emulator):
    return [(m["phone_number"], m["message"]) for m in emulator.messages()]


def test_a_change_triggers_a_handler_that_texts(emulator, ansible):
    run = ansible(HEADER + """\
    - name: Send the alert
      gosms.sms.send:
        to: "79990000001"
        msg: disk full on web01
      register: alert
      notify: Confirm by SMS

    - name: Read it back
      gosms.sms.message_info:
        id: "{{ alert.ids[0] }}"

  handlers:
    - name: Confirm by SMS
      gosms.sms.send:
        to: "79990000002"
        msg: "handler ran after {{ alert.ids | length }} message(s)"
""")
    assert run.rc == 0, run.output
    assert sent_to(emulator) == [("79990000001", "disk full on web01"),
                                 ("79990000002", "handler ran after 1 message(s)")]
    alert = run.task("Send the alert")["result"]
    assert alert["changed"] is True
    assert alert["results"][0]["status"] == "sent"
    info = run.task("Read it back")["result"]
    assert info["changed"] is False
    assert info["messages"][0]["id"] == alert["ids"][0]
    assert run.task("Confirm by SMS")["status"] == "ok"


def test_many_recipients_in_one_task_each_get_it_and_delivery_is_awaited(emulator, ansible):
    run = ansible(HEADER + """\
    - name: Send to the team
      gosms.sms.send:
        to: ["+7 999 000-00-01", "79990000002", "8 (999) 000 00 03", "79990000002"]
        normalize: true
        text: "db01 | replication lag 🔥"
        invalid_chars: replace
        wait: true
        wait_timeout: 30
""")
    assert run.rc == 0, run.output
    result = run.task("Send to the team")["result"]
    assert result["sent_to"] == ["79990000001", "79990000002", "89990000003"]
    assert result["not_sent_to"] == []
    assert len(result["ids"]) == 3
    assert all(r["delivered"] for r in result["results"])
    assert sorted(phone for phone, _ in sent_to(emulator)) == result["sent_to"]
    assert {text for _, text in sent_to(emulator)} == set(result["texts"])
    assert "|" not in result["texts"][0]


def test_check_mode_sends_nothing(emulator, ansible):
    run = ansible(HEADER + """\
    - name: Would send
      gosms.sms.send:
        to: ["79990000001", "79990000002"]
        msg: this must not go out
""", "--check")
    assert run.rc == 0, run.output
    assert emulator.requests() == []
    assert emulator.messages() == []
    result = run.task("Would send")["result"]
    assert result["changed"] is True
    assert [r["status"] for r in result["results"]] == ["would send", "would send"]
    assert result["ids"] == []


def test_bad_input_fails_with_the_api_code_and_sends_nothing(emulator, ansible):
    run = ansible(HEADER + """\
    - name: One bad number
      gosms.sms.send:
        to: ["79990000001", "12"]
        msg: nobody gets this
""")
    assert run.rc == 2, run.output
    assert emulator.requests() == []
    result = run.task("One bad number")["result"]
    assert result["error_code"] == BAD_PHONE
    assert result["remedy"] == TABLE[BAD_PHONE].remedy
    assert f"GoSMS error {BAD_PHONE}" in run.output


def test_an_api_refusal_is_decoded_with_its_remedy(emulator, ansible):
    emulator.set_scenario(quota=0)
    run = ansible(HEADER + """\
    - name: Over quota
      gosms.sms.send:
        to: "79990000001"
        msg: over the limit
""")
    assert run.rc == 2, run.output
    result = run.task("Over quota")["result"]
    assert result["error_code"] == QUOTA_REACHED
    assert result["description"] == TABLE[QUOTA_REACHED].description
    assert result["remedy"] == TABLE[QUOTA_REACHED].remedy
    assert f"GoSMS error {QUOTA_REACHED}" in run.output
    assert TABLE[QUOTA_REACHED].remedy in run.output
    assert result["not_sent_to"] == ["79990000001"]
    assert emulator.messages() == []


def test_a_partial_failure_says_exactly_who_got_it(emulator, ansible):
    emulator.set_scenario(quota=1)
    run = ansible(HEADER + """\
    - name: Two numbers, room for one
      gosms.sms.send:
        to: ["79990000001", "79990000002"]
        msg: only one of you gets this
""")
    assert run.rc == 2, run.output
    result = run.task("Two numbers, room for one")["result"]
    assert result["changed"] is True
    assert len(result["sent_to"]) == 1 and len(result["not_sent_to"]) == 1
    (got,), (missed,) = result["sent_to"], result["not_sent_to"]
    assert sent_to(emulator) == [(got, "only one of you gets this")]
    assert result["error_code"] == QUOTA_REACHED
    assert result["msg"].startswith(f"Sent to: {got}. Not sent to: {missed}: GoSMS error {QUOTA_REACHED}")
    assert TABLE[QUOTA_REACHED].remedy in result["msg"]
    by_number = {r["phone_number"]: r for r in result["results"]}
    assert by_number[got]["ok"] is True and len(by_number[got]["ids"]) == 1
    assert by_number[missed]["ok"] is False and by_number[missed]["error_code"] == QUOTA_REACHED
    assert by_number[missed]["remedy"] == TABLE[QUOTA_REACHED].remedy


def test_device_is_idempotent_with_check_and_diff(emulator, ansible):
    device = emulator.device_id
    playbook = HEADER + f"""\
    - name: Deactivate
      gosms.sms.device:
        id: {device}
        state: inactive
"""
    check = ansible(playbook, "--check", "--diff")
    assert check.rc == 0, check.output
    assert check.task("Deactivate")["result"]["changed"] is True
    assert '"is_active": true' in check.output and '"is_active": false' in check.output
    assert emulator.snapshot()["devices"][0]["active"] is True

    first = ansible(playbook)
    second = ansible(playbook)
    assert first.rc == 0 and second.rc == 0, first.output + second.output
    assert first.task("Deactivate")["result"]["changed"] is True
    assert second.task("Deactivate")["result"]["changed"] is False
    assert emulator.snapshot()["devices"][0]["active"] is False
    edits = [r for r in emulator.requests() if r.get("endpoint") == "device_edit"]
    assert len(edits) == 1

    info = ansible(HEADER + f"""\
    - name: Read the phone
      gosms.sms.device_info:
        id: {device}
""")
    assert info.rc == 0, info.output
    phone = info.task("Read the phone")["result"]["device"]
    assert phone["is_active"] is False
    assert phone["online"] is True
    assert phone["battery"] == emulator.snapshot()["devices"][0]["battery"]


def test_module_defaults_group_sets_the_connection(emulator, ansible, tmp_path):
    run = ansible(f"""\
- name: group defaults
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gosms.sms.gosms:
      api_url: {emulator.url}
      api_token: "{{{{ lookup('ansible.builtin.env', 'GOSMS_TEST_SECRET') }}}}"
  tasks:
    - name: Send through the group defaults
      gosms.sms.send:
        to: "79990000001"
        msg: via module_defaults
    - name: Read through the group defaults
      gosms.sms.message_info:
        search: via module_defaults
""", env={"GOSMS_TOKEN": "", "GOSMS_API_URL": "", "GOSMS_TEST_SECRET": emulator.token})
    assert run.rc == 0, run.output
    assert run.task("Read through the group defaults")["result"]["total_records"] == 1
    assert emulator.token not in run.output


@pytest.mark.parametrize("given_as", ["environment", "extra vars"])
def test_notify_callback_texts_a_summary_of_a_failing_play(emulator, ansible, given_as):
    phone = check_phone("79990000099")
    if given_as == "environment":
        args, env = (), {"GOSMS_NOTIFY_TO": "+7 999 000-00-99"}
    else:
        args, env = ("-e", "gosms_notify_to=+7(999)0000099"), {}
    run = ansible(HEADER + """\
    - name: Restart the web server
      ansible.builtin.fail:
        msg: nginx did not start
""", *args, name="site.yml", callbacks=("gosms.sms.notify",), env=env)
    assert run.rc == 2, run.output
    (message,) = emulator.messages()
    assert message["phone_number"] == phone
    assert "site.yml" in message["message"]
    assert "localhost" in message["message"]
    assert "Restart the web server" in message["message"]


def test_notify_callback_is_quiet_on_success_and_never_breaks_a_run(emulator, ansible):
    ok = ansible(HEADER + """\
    - name: Fine
      ansible.builtin.debug:
        msg: all good
""", callbacks=("gosms.sms.notify",), env={"GOSMS_NOTIFY_TO": "79990000099"})
    assert ok.rc == 0, ok.output
    assert emulator.requests() == []

    emulator.set_scenario(quota=0)
    failing = ansible(HEADER + """\
    - name: Broken
      ansible.builtin.fail:
        msg: broken
""", callbacks=("gosms.sms.notify",), env={"GOSMS_NOTIFY_TO": "79990000099"})
    assert failing.rc == 2, failing.output
    assert "gosms.sms.notify" in failing.output
    assert f"GoSMS error {QUOTA_REACHED}" in failing.output
    assert emulator.messages() == []


@pytest.mark.parametrize("invocation", [False, True], ids=["plain", "with-invocation"])
def test_the_token_never_appears_even_at_vvv(emulator, ansible, invocation):
    emulator.add_fault("error", "send", count=1, code=QUOTA_REACHED)
    token = emulator.token
    run = ansible("""\
- name: everything at -vvv
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Refused by the API
      gosms.sms.send:
        to: "79990000001"
        msg: refused
      ignore_errors: true
    - name: Sent with the token as an option
      gosms.sms.send:
        to: "79990000001"
        msg: sent
        api_token: "{{ lookup('ansible.builtin.env', 'GOSMS_TOKEN') }}"
    - name: Refused locally
      gosms.sms.send:
        to: "1"
        msg: refused
      ignore_errors: true
    - name: Unknown phone
      gosms.sms.device_info:
        id: 0123456789abcdef01234567
      ignore_errors: true
    - name: Check mode too
      gosms.sms.send:
        to: "79990000001"
        msg: not sent
      check_mode: true
    - name: Fail the play so the callback texts
      ansible.builtin.fail:
        msg: the end
""", "-vvv", callbacks=("gosms.sms.notify",),
        env={"GOSMS_NOTIFY_TO": "79990000099", "ANSIBLE_INJECT_INVOCATION": str(invocation).lower()})
    assert run.rc == 2, run.output
    assert len(run.output) > 10_000  # it really is verbose
    if invocation:  # module arguments in the output (ansible-core before 2.21 always adds them)
        assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in run.output
    assert token not in run.output
    assert token not in str(run.results)
    assert run.task("Refused by the API")["result"]["error_code"] == QUOTA_REACHED
    assert [m["phone_number"] for m in emulator.messages()] == ["79990000001", "79990000099"]


def _two_phones(emulator):
    """The account's phone (A) and a second one (B); deletes allowed at once, so cancels succeed."""
    second = emulator.add_device(name="Phone B")
    emulator.set_scenario(delete_after=0)
    return emulator.device_id, second


def test_routes_fail_over_to_the_second_phone_and_report_each_route(emulator, ansible):
    first, second = _two_phones(emulator)
    emulator.set_phone(first, "offline")
    run = ansible(HEADER + f"""\
    - name: Page through either phone
      gosms.sms.send:
        to: "79990000011"
        msg: "db01 down"
        routes: ["{first}", "{second}"]
        wait_for_delivery: 3
""")
    assert run.rc == 0, run.output
    (recipient,) = run.task("Page through either phone")["result"]["results"]
    assert recipient["delivered"] and recipient["verdict"] == "delivered"
    assert [(r["route"], r["outcome"], r["cancel"]) for r in recipient["routes"]] == [
        (first, "stuck", "cancelled"), (second, "delivered", "")]
    assert [c["carrier"] for c in emulator.deliveries()] == [second]


def test_the_task_fails_with_the_history_when_every_route_is_dead(emulator, ansible):
    first, second = _two_phones(emulator)
    emulator.set_phone(first, "offline")
    emulator.set_phone(second, "send_error")
    run = ansible(HEADER + f"""\
    - name: Page through either phone
      gosms.sms.send:
        to: "79990000012"
        msg: "db01 down"
        routes: ["{first}", "{second}:0"]
        wait_for_delivery: 2
""")
    assert run.rc == 2, run.output
    result = run.task("Page through either phone")["result"]
    assert "Not delivered to: 79990000012" in result["msg"]
    assert result["undelivered_to"] == ["79990000012"] and result["delivered_to"] == []
    (recipient,) = result["results"]
    assert recipient["verdict"] == "undelivered"
    assert [r["outcome"] for r in recipient["routes"]] == ["stuck", "failed"]
    assert "send error (status 3)" in result["msg"]
