# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

import pytest
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import TABLE, Category
from ansible_collections.gosms.sms.plugins.modules import device, device_info

NOT_FOUND = next(code for code, info in TABLE.items() if info.category is Category.NOT_FOUND and info.code != 1008)
MISSING = '0123456789abcdef01234567'


def edits(emulator):
    return [r for r in emulator.requests() if r.get('endpoint') in ('device_edit', 'device_delete')]


@pytest.mark.parametrize('state, active, changed', [
    ('active', True, False),
    ('active', False, True),
    ('inactive', True, True),
    ('inactive', False, False),
])
def test_changes_only_what_differs(run_module, emulator, state, active, changed):
    if not active:
        run_module(device, dict(id=emulator.device_id, state='inactive'))
        emulator.clear_requests()
    out = run_module(device, dict(id=emulator.device_id, state=state))
    assert out.result['changed'] is changed
    assert out.result['diff']['after']['is_active'] is (state == 'active')
    assert emulator.snapshot()['devices'][0]['active'] is (state == 'active')
    assert len(edits(emulator)) == (1 if changed else 0)


def test_check_mode_reports_without_changing(run_module, emulator):
    out = run_module(device, dict(id=emulator.device_id, state='inactive'), check_mode=True)
    assert out.result['changed'] is True
    assert out.result['diff'] == dict(before=dict(state='active', is_active=True),
                                      after=dict(state='inactive', is_active=False))
    assert edits(emulator) == []
    assert emulator.snapshot()['devices'][0]['active'] is True


def test_absent_removes_an_existing_phone(run_module, emulator):
    out = run_module(device, dict(id=emulator.device_id, state='absent'))
    assert out.result['changed'] is True
    assert emulator.snapshot()['devices'] == []


def test_absent_on_a_missing_phone_is_ok(run_module, emulator):
    out = run_module(device, dict(id=MISSING, state='absent'))
    assert not out.failed
    assert out.result['changed'] is False
    assert edits(emulator) == []


def test_missing_phone_fails_with_its_code_when_it_should_exist(run_module):
    out = run_module(device, dict(id=MISSING, state='active'))
    assert out.failed
    assert out.result['error_code'] == NOT_FOUND
    assert out.result['remedy'] == TABLE[NOT_FOUND].remedy


def test_a_malformed_id_names_the_option(run_module, emulator):
    out = run_module(device_info, dict(id='phone-1'))
    assert out.failed
    assert out.result['msg'].endswith('Check the id option.')
    assert emulator.requests() == []


def test_device_info_returns_the_phone(run_module, emulator):
    out = run_module(device_info, dict(id=emulator.device_id))
    assert out.result['changed'] is False
    phone = out.result['device']
    assert phone['is_active'] is True and phone['online'] is True
    assert phone['battery'] == emulator.snapshot()['devices'][0]['battery']
    assert 'seconds_since_seen' in phone
