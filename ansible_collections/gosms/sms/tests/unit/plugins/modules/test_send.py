# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

import functools

import pytest
from ansible_collections.gosms.sms.plugins.module_utils import transport
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import TABLE
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.retry import RetryPolicy
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.validation import check_phone
from ansible_collections.gosms.sms.plugins.modules import send

PHONES = ['79990000001', '79990000002', '79990000003']
QUOTA = 1006
BLOCKED = 3000
BAD_PHONE = 2001


def sends(emulator):
    return [r for r in emulator.requests() if r.get('endpoint') == 'send']


def test_check_mode_validates_and_sends_nothing(run_module, emulator):
    out = run_module(send, dict(to=PHONES[:2], msg='hi'), check_mode=True)
    assert not out.failed
    assert out.result['changed'] is True
    assert [r['status'] for r in out.result['results']] == ['would send', 'would send']
    assert out.result['ids'] == []
    assert emulator.requests() == []


def test_invalid_number_fails_with_the_api_code_before_any_request(run_module, emulator):
    out = run_module(send, dict(to=['79990000001', '12'], msg='hi'))
    assert out.failed
    assert out.result['error_code'] == BAD_PHONE
    assert out.result['remedy'] == TABLE[BAD_PHONE].remedy
    assert out.result['changed'] is False
    assert emulator.requests() == []


def test_success_returns_ids_per_recipient(run_module, emulator):
    out = run_module(send, dict(to=PHONES[0], text='hi'))
    assert not out.failed
    (message,) = emulator.messages()
    assert out.result['ids'] == [message['id']]
    assert out.result['results'][0]['status'] == 'sent'
    assert out.result['sent_to'] == [PHONES[0]]


def test_partial_failure_names_who_got_it_and_who_did_not(run_module, emulator):
    emulator.set_scenario(quota=1)
    out = run_module(send, dict(to=PHONES[:2], msg='hi'))
    assert out.failed
    assert out.result['changed'] is True
    assert out.result['sent_to'] == [PHONES[0]]
    assert out.result['not_sent_to'] == [PHONES[1]]
    assert out.result['error_code'] == QUOTA
    assert out.result['msg'].startswith(f'Sent to: {PHONES[0]}. Not sent to: {PHONES[1]}: GoSMS error {QUOTA}')
    assert out.result['msg'].endswith(TABLE[QUOTA].remedy)
    assert out.result['results'][1]['error_code'] == QUOTA


def test_an_account_wide_refusal_is_said_once_and_asked_once(run_module, emulator):
    emulator.set_scenario(account_blocked=True)
    out = run_module(send, dict(to=PHONES, msg='hi'))
    assert out.failed
    assert out.result['changed'] is False
    assert out.result['msg'].startswith(f'GoSMS error {BLOCKED}: ')
    assert out.result['msg'].count(f'GoSMS error {BLOCKED}') == 1
    assert out.result['msg'].endswith(TABLE[BLOCKED].remedy)
    assert 'Sent to' not in out.result['msg']
    assert out.result['not_sent_to'] == PHONES
    assert [r['error_code'] for r in out.result['results']] == [BLOCKED] * 3
    assert len(sends(emulator)) == 1  # the other numbers would only collect the same refusal


def test_an_unknown_token_is_first_of_all_a_mistyped_one(run_module, emulator):
    out = run_module(send, dict(to=PHONES[:2], msg='hi', api_token=emulator.token + 'x'))
    assert out.failed
    assert out.result['error_code'] == 1003
    assert out.result['msg'].count('GoSMS error 1003') == 1
    remedy = out.result['remedy']
    assert 0 <= remedy.index('mistyped') < remedy.index('deleted')
    assert out.result['msg'].endswith('Check the api_token option.')


def test_a_refused_number_does_not_stop_the_others(run_module, emulator):
    emulator.add_fault('error', 'send', count=1, code=BAD_PHONE)
    out = run_module(send, dict(to=PHONES, msg='hi'))
    assert out.failed
    assert out.result['not_sent_to'] == [PHONES[0]]
    assert out.result['sent_to'] == PHONES[1:]
    assert out.result['msg'].startswith(f'Sent to: {PHONES[1]}, {PHONES[2]}. Not sent to: {PHONES[0]}: ')


def test_a_rate_limit_outlasting_the_deadline_has_a_code_and_a_remedy(run_module, emulator, monkeypatch):
    # Users get the core's 60 s deadline; the test cannot wait that long, so it is shortened.
    monkeypatch.setattr(transport.retry, 'RetryPolicy', functools.partial(RetryPolicy, deadline=1.5, base=0.1))
    emulator.add_fault('status', 'send', count=None, status=429)
    out = run_module(send, dict(to=PHONES[0], msg='hi'))
    assert out.failed
    assert out.result['error_code'] == 429
    assert 'throttle' in out.result['remedy'] and 'serial' in out.result['remedy']
    assert out.result['remedy'] in out.result['msg']
    assert out.result['results'][0]['maybe_sent'] is False
    assert emulator.messages() == []


def test_an_api_out_of_reach_for_a_whole_deadline_is_not_asked_again_per_number(run_module, emulator, monkeypatch):
    # Users get the core's 60 s deadline; the test cannot wait that long, so it is shortened.
    monkeypatch.setattr(transport.retry, 'RetryPolicy', functools.partial(RetryPolicy, deadline=1.5, base=0.1))
    emulator.add_fault('status', 'send', count=None, status=429)
    out = run_module(send, dict(to=PHONES, msg='hi'))
    assert out.failed
    assert out.result['not_sent_to'] == PHONES
    assert [r['error_code'] for r in out.result['results']] == [429] * 3
    assert out.result['msg'].startswith(f"Not sent to: {', '.join(PHONES)}: ")
    assert {r['body']['phone_number'] for r in sends(emulator)} == {PHONES[0]}


@pytest.mark.parametrize('args, hint', [
    (dict(msg='load | high'), 'Or set invalid_chars: replace.'),
    (dict(msg='x' * 400), 'Or set long_message: split.'),
    (dict(to='+7 (999) 000-00-01'), 'Or set normalize: true.'),
    (dict(to='12'), 'Check the to option.'),
    (dict(device_id='not-a-phone'), 'Check the device_id option.'),
    (dict(device_id='3BAF9DF0-D0E3-43D2-A58F-6D7C27143242'),
     'Or set device_id: 3baf9df0-d0e3-43d2-a58f-6d7c27143242.'),
])
def test_refusals_name_the_option_that_fixes_them(run_module, emulator, args, hint):
    out = run_module(send, dict(dict(to=PHONES[0], msg='hi'), **args))
    assert out.failed
    assert out.result['msg'].endswith(hint)
    assert '--' not in out.result['msg']
    assert emulator.requests() == []


def test_no_token_names_the_option(run_module, emulator):
    out = run_module(send, dict(to=PHONES[0], msg='hi', api_url=emulator.url), connect=False)
    assert out.failed
    assert 'api_token' in out.result['msg']
    assert '--' not in out.result['msg']
    assert emulator.requests() == []


def test_plain_http_elsewhere_names_the_option_that_allows_it(run_module, emulator):
    out = run_module(send, dict(to=PHONES[0], msg='hi', api_url='http://gosms.example/v1'))
    assert out.failed
    assert out.result['msg'].endswith('Or set allow_insecure_http: true.')
    assert emulator.requests() == []


def test_wait_fails_when_a_message_is_not_delivered(run_module, emulator):
    emulator.set_scenario(failures=[{'phone': PHONES[0], 'status': 5}])
    out = run_module(send, dict(to=PHONES[0], msg='hi', wait=True, wait_timeout=30))
    assert out.failed
    assert out.result['results'][0]['delivered'] is False
    assert 'Sent, but not delivered to: ' + PHONES[0] in out.result['msg']


def test_wait_succeeds_when_delivered(run_module, emulator):
    out = run_module(send, dict(to=[check_phone(PHONES[0])], msg='hi', wait=True, wait_timeout=30))
    assert not out.failed
    assert out.result['results'][0]['delivered'] is True
    assert out.result['results'][0]['delivery'][0]['status_label'] == 'delivered'
