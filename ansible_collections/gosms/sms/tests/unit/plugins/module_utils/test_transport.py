# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The transport over ansible.module_utils.urls, and the core's client over it, against the emulator
and a closed port."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from ansible_collections.gosms.sms.plugins.module_utils import transport
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import flows, protocol
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.config import Token
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import APIError
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.outcomes import plan_send
from ansible_collections.gosms.sms.plugins.module_utils.transport import OpenURL, open_client

BLOCKED = 3000


def exchange(url, token, request_for, timeout=20.0):
    """One request for ``request_for(url, token)`` over the transport, as the core's client makes it."""
    return OpenURL().exchange(request_for(url, Token(token)), urlsplit(url).netloc, timeout)


def device_info(emulator):
    return lambda url, token: protocol.build_device_info(url, token, emulator.device_id)


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}/v1'


def test_an_answer_comes_back_whole(emulator):
    answer = exchange(emulator.url, emulator.token, device_info(emulator))
    assert isinstance(answer, protocol.Response) and answer.status == 200
    assert protocol.decode(answer)


def test_an_error_status_is_an_answer_decoded_by_the_core(emulator):
    emulator.set_scenario(account_blocked=True)
    answer = exchange(emulator.url, emulator.token, device_info(emulator))
    assert isinstance(answer, protocol.Response) and answer.status >= 400
    with pytest.raises(APIError) as caught:
        protocol.decode(answer)
    assert caught.value.code == BLOCKED


def test_a_refused_connection_was_not_sent():
    failure = exchange(closed_port_url(), 'some-token',
                       lambda url, token: protocol.build_device_info(url, token, '0123456789abcdef01234567'))
    assert isinstance(failure, flows.Failure)
    assert failure.sent is False
    assert 'Could not connect' in failure.message


def test_an_answer_that_never_comes_may_have_been_sent(emulator):
    emulator.add_fault('slow', 'device_info', count=1, seconds=5)
    failure = exchange(emulator.url, emulator.token, device_info(emulator), timeout=(5.0, 0.5))
    assert isinstance(failure, flows.Failure)
    assert failure.sent is True


def test_a_lost_answer_does_not_send_twice(emulator):
    emulator.add_fault('reset_after', 'send', count=1)
    client = open_client(emulator.token, emulator.url)
    result = client.send_plan(plan_send('79990000001', 'once'))
    assert result.ok
    assert len(emulator.messages()) == 1
    assert result.results[0].sent[0].recovered is True


def test_the_token_never_leaves_in_an_error(emulator):
    echo = f'proxy says: Authorization: Bearer {emulator.token}'
    emulator.add_fault('status', 'device_info', count=1, status=400, body=echo)
    client = open_client(emulator.token, emulator.url)
    with pytest.raises(Exception) as caught:
        client.device(emulator.device_id)
    assert 'proxy says' in str(caught.value)
    assert emulator.token not in str(caught.value)


def test_a_blocked_account_is_asked_once_per_sender_not_per_number(emulator):
    emulator.set_scenario(account_blocked=True)
    client = open_client(emulator.token, emulator.url)
    result = client.send_plan(plan_send([f'7999000{i:04d}' for i in range(12)], 'blocked'))
    assert not result.sent and {r.error.code for r in result.failed} == {BLOCKED}
    sends = [r for r in emulator.requests() if r['endpoint'] == 'send']
    assert len(sends) == 1


def test_one_tls_context_serves_every_request_of_a_task(emulator, monkeypatch):
    # A spy on Ansible's own make_context (the real one runs): the context is made once, before the
    # first request claims its turn, not once per request.
    made = []
    real = transport.make_context
    monkeypatch.setattr(transport, 'make_context', lambda **kw: made.append(kw) or real(**kw))
    client = open_client(emulator.token, emulator.url)
    assert len(made) == 1
    bulk = client.send_plan(plan_send(['79990000001', '79990000002', '79990000003'], 'hi'))
    assert len(bulk.sent) == 3
    assert len(made) == 1


def test_options_that_make_no_context_leave_it_to_each_request(emulator, monkeypatch):
    # A missing CA file (or an ansible-core whose make_context takes other arguments) fails here;
    # each request then builds its context as Request always did, and reports the problem itself.
    def refuse(**kw):
        raise FileNotFoundError('no such CA file')

    monkeypatch.setattr(transport, 'make_context', refuse)
    client = open_client(emulator.token, emulator.url)
    assert len(client.send_plan(plan_send('79990000001', 'hi')).sent) == 1
