# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

from ansible_collections.gosms.sms.plugins.modules import message_info
from gosms.models import Message, Page

MESSAGES = [Message(f'{i:024x}', '79990000001', 'hi', 4) for i in range(3)]


def test_by_id(run_module):
    client = mock.Mock()
    client.get.return_value = MESSAGES[0]
    out = run_module(message_info, dict(id=MESSAGES[0].id), client=client)
    assert out.result['messages'][0]['id'] == MESSAGES[0].id
    assert out.result['messages'][0]['status_label'] == MESSAGES[0].status_label


def test_one_page(run_module):
    client = mock.Mock()
    client.list.return_value = Page(total_records=30, limit=2, offset=1, items=MESSAGES[:2])
    out = run_module(message_info, dict(limit=2, search='7999'), client=client)
    client.list.assert_called_once_with(limit=2, offset=1, search='7999')
    assert out.result['total_records'] == 30
    assert len(out.result['messages']) == 2


def test_all_pages(run_module):
    client = mock.Mock()
    client.iter_messages.return_value = iter(MESSAGES)
    out = run_module(message_info, dict(all_pages=True, limit=2), client=client, check_mode=True)
    client.iter_messages.assert_called_once_with(search=None, page_size=2)
    assert out.result['total_records'] == 3
    assert out.result['changed'] is False


def test_id_and_all_pages_exclude_each_other(run_module):
    out = run_module(message_info, dict(id=MESSAGES[0].id, all_pages=True))
    assert out.failed
    assert 'mutually exclusive' in out.result['msg']
