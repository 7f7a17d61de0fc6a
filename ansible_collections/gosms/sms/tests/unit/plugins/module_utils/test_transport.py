# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The transport over ansible.module_utils.urls, against the emulator and a closed port."""

from __future__ import annotations

import socket

import pytest
from ansible_collections.gosms.sms.plugins.module_utils._gosms import flows, protocol
from ansible_collections.gosms.sms.plugins.module_utils._gosms.config import Token
from ansible_collections.gosms.sms.plugins.module_utils._gosms.errors import APIError
from ansible_collections.gosms.sms.plugins.module_utils._gosms.outcomes import plan_send
from ansible_collections.gosms.sms.plugins.module_utils._gosms.retry import RetryPolicy
from ansible_collections.gosms.sms.plugins.module_utils.gateway import Gateway
from ansible_collections.gosms.sms.plugins.module_utils.transport import Transport

BLOCKED = 3000


def transport_for(url, token, **http):
    return Transport(url, Token(token), RetryPolicy(deadline=2.0, base=0.1), **http)


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}/v1'


def test_an_answer_comes_back_whole(emulator):
    transport = transport_for(emulator.url, emulator.token)
    answer = transport.perform(protocol.build_device_info(emulator.url, transport.token, emulator.device_id))
    assert isinstance(answer, protocol.Response) and answer.status == 200
    assert protocol.decode(answer)


def test_an_error_status_is_an_answer_decoded_by_the_core(emulator):
    emulator.set_scenario(account_blocked=True)
    transport = transport_for(emulator.url, emulator.token)
    answer = transport.perform(protocol.build_device_info(emulator.url, transport.token, emulator.device_id))
    assert isinstance(answer, protocol.Response) and answer.status >= 400
    with pytest.raises(APIError) as caught:
        protocol.decode(answer)
    assert caught.value.code == BLOCKED


def test_a_refused_connection_was_not_sent():
    url = closed_port_url()
    transport = transport_for(url, 'some-token')
    failure = transport.perform(protocol.build_device_info(url, transport.token, '0123456789abcdef01234567'))
    assert isinstance(failure, flows.Failure)
    assert failure.sent is False
    assert 'Could not connect' in failure.message


def test_an_answer_that_never_comes_may_have_been_sent(emulator):
    emulator.add_fault('slow', 'device_info', count=1, seconds=5)
    transport = transport_for(emulator.url, emulator.token, timeout=0.5)
    failure = transport.perform(protocol.build_device_info(emulator.url, transport.token, emulator.device_id))
    assert isinstance(failure, flows.Failure)
    assert failure.sent is True


def test_a_lost_answer_does_not_send_twice(emulator):
    emulator.add_fault('reset_after', 'send', count=1)
    gateway = Gateway(transport_for(emulator.url, emulator.token))
    result = gateway.send(plan_send('79990000001', 'once'))
    assert result.ok
    assert len(emulator.messages()) == 1
    assert result.results[0].sent[0].recovered is True


def test_the_token_never_leaves_in_an_error(emulator):
    echo = f'proxy says: Authorization: Bearer {emulator.token}'
    emulator.add_fault('status', 'device_info', count=1, status=400, body=echo)
    gateway = Gateway(transport_for(emulator.url, emulator.token))
    with pytest.raises(Exception) as caught:
        gateway.device(emulator.device_id)
    assert 'proxy says' in str(caught.value)
    assert emulator.token not in str(caught.value)
