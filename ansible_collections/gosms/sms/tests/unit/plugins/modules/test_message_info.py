# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from ansible_collections.gosms.sms.plugins.modules import message_info


def test_by_id(run_module, emulator):
    # Sent an hour ago: long delivered.
    newest = emulator.seed_messages(3, phone='79990000001', time_create=emulator.now() - 3600)[-1]
    out = run_module(message_info, dict(id=newest))
    (message,) = out.result['messages']
    assert message['id'] == newest
    assert message['status_label'] == 'delivered'


def test_one_page(run_module, emulator):
    emulator.seed_messages(5, phone='79990000001')
    emulator.seed_messages(3, phone='79990000002')
    out = run_module(message_info, dict(limit=2, search='79990000001'))
    assert out.result['total_records'] == 5
    assert [m['phone_number'] for m in out.result['messages']] == ['79990000001'] * 2


def test_all_pages(run_module, emulator):
    ids = emulator.seed_messages(7, phone='79990000001')
    out = run_module(message_info, dict(all_pages=True, limit=3), check_mode=True)
    assert out.result['total_records'] == 7
    assert sorted(m['id'] for m in out.result['messages']) == sorted(ids)
    assert out.result['changed'] is False


def test_id_and_all_pages_exclude_each_other(run_module, emulator):
    out = run_module(message_info, dict(id='0123456789abcdef01234567', all_pages=True))
    assert out.failed
    assert 'mutually exclusive' in out.result['msg']
    assert emulator.requests() == []
