# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

from ansible_collections.gosms.sms.plugins.modules import send
from gosms.errors import TABLE, APIError, Category, ValidationError
from gosms.flows import SendResult
from gosms.models import Message, MessageStatus
from gosms.outcomes import BulkResult, RecipientResult
from gosms.validation import check_phone

PHONES = ['79990000001', '79990000002']
QUOTA = next(code for code, info in TABLE.items() if info.category is Category.QUOTA)


def refusal(call, *args):
    try:
        call(*args)
    except ValidationError as exc:
        return exc
    raise AssertionError(f'{call.__name__}{args!r} was accepted')


def recipient(phone, message_id=None, error=None):
    result = RecipientResult(phone)
    if message_id:
        result.add(SendResult(message_id, phone, 'hi'))
    result.error = error
    return result


def test_check_mode_validates_and_sends_nothing(run_module):
    client = mock.Mock()
    out = run_module(send, dict(to=PHONES, msg='hi'), client=client, check_mode=True)
    assert not out.failed
    assert out.result['changed'] is True
    assert [r['status'] for r in out.result['results']] == ['would send', 'would send']
    assert out.result['ids'] == []
    client.send.assert_not_called()


def test_invalid_number_fails_with_the_api_code_before_any_request(run_module):
    client = mock.Mock()
    out = run_module(send, dict(to=['79990000001', '12'], msg='hi'), client=client)
    expected = refusal(check_phone, '12')
    assert out.failed
    assert out.result['error_code'] == expected.code
    assert out.result['remedy'] == expected.remedy
    assert out.result['changed'] is False
    client.send.assert_not_called()


def test_partial_failure_names_who_got_it_and_who_did_not(run_module):
    client = mock.Mock()
    client.send.return_value = BulkResult(
        [recipient(PHONES[0], 'a' * 24), recipient(PHONES[1], error=APIError(QUOTA))], ('hi',))
    out = run_module(send, dict(to=PHONES, msg='hi'), client=client)
    assert out.failed
    assert out.result['changed'] is True
    assert out.result['sent_to'] == [PHONES[0]]
    assert out.result['not_sent_to'] == [PHONES[1]]
    assert out.result['error_code'] == QUOTA
    assert APIError(QUOTA).remedy in out.result['msg']
    assert out.result['results'][1]['error_code'] == QUOTA


def test_success_returns_ids_per_recipient(run_module):
    client = mock.Mock()
    client.send.return_value = BulkResult([recipient(PHONES[0], 'a' * 24)], ('hi',))
    out = run_module(send, dict(to=PHONES[0], text='hi'), client=client)
    assert not out.failed
    assert out.result['ids'] == ['a' * 24]
    assert out.result['results'][0]['status'] == 'sent'
    token = out.client_factory.call_args.args[0]
    assert token == 'unit-test-token'


def test_wait_fails_when_a_message_is_not_delivered(run_module):
    client = mock.Mock()
    client.send.return_value = BulkResult([recipient(PHONES[0], 'a' * 24)], ('hi',))
    client.wait_for_delivery.return_value = Message('a' * 24, PHONES[0], 'hi', int(MessageStatus.DELIVERY_ERROR))
    out = run_module(send, dict(to=PHONES[0], msg='hi', wait=True, wait_timeout=5), client=client)
    assert out.failed
    assert out.result['results'][0]['delivered'] is False
    assert MessageStatus.DELIVERY_ERROR.label in out.result['msg']


def test_wait_succeeds_when_delivered(run_module):
    client = mock.Mock()
    client.send.return_value = BulkResult([recipient(PHONES[0], 'a' * 24)], ('hi',))
    client.wait_for_delivery.return_value = Message('a' * 24, PHONES[0], 'hi', int(MessageStatus.DELIVERED))
    out = run_module(send, dict(to=PHONES[0], msg='hi', wait=True), client=client)
    assert not out.failed
    assert out.result['results'][0]['delivered'] is True
