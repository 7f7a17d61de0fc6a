# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

import pytest
from ansible_collections.gosms.sms.plugins.modules import device, device_info
from gosms.errors import TABLE, APIError, Category
from gosms.models import Device

DEVICE_ID = '3baf9df0-d0e3-43d2-a58f-6d7c27143242'
NOT_FOUND = next(code for code, info in TABLE.items() if info.category is Category.NOT_FOUND)


def client_with(active):
    client = mock.Mock()
    client.device.return_value = Device(DEVICE_ID, is_active=active)
    return client


@pytest.mark.parametrize('state, active, changed', [
    ('active', True, False),
    ('active', False, True),
    ('inactive', True, True),
    ('inactive', False, False),
])
def test_changes_only_what_differs(run_module, state, active, changed):
    client = client_with(active)
    out = run_module(device, dict(id=DEVICE_ID, state=state), client=client)
    assert out.result['changed'] is changed
    assert out.result['diff']['after']['is_active'] is (state == 'active')
    if changed:
        client.set_device_active.assert_called_once_with(DEVICE_ID, state == 'active')
    else:
        client.set_device_active.assert_not_called()


def test_check_mode_reports_without_changing(run_module):
    client = client_with(True)
    out = run_module(device, dict(id=DEVICE_ID, state='inactive'), client=client, check_mode=True)
    assert out.result['changed'] is True
    assert out.result['diff'] == dict(before=dict(state='active', is_active=True),
                                      after=dict(state='inactive', is_active=False))
    client.set_device_active.assert_not_called()


def test_absent_removes_an_existing_phone(run_module):
    client = client_with(True)
    out = run_module(device, dict(id=DEVICE_ID, state='absent'), client=client)
    assert out.result['changed'] is True
    client.delete_device.assert_called_once_with(DEVICE_ID)


def test_absent_on_a_missing_phone_is_ok(run_module):
    client = mock.Mock()
    client.device.side_effect = APIError(NOT_FOUND)
    out = run_module(device, dict(id=DEVICE_ID, state='absent'), client=client)
    assert not out.failed
    assert out.result['changed'] is False
    client.delete_device.assert_not_called()


def test_missing_phone_fails_with_its_code_when_it_should_exist(run_module):
    client = mock.Mock()
    client.device.side_effect = APIError(NOT_FOUND)
    out = run_module(device, dict(id=DEVICE_ID, state='active'), client=client)
    assert out.failed
    assert out.result['error_code'] == NOT_FOUND


def test_device_info_returns_the_library_view(run_module):
    client = client_with(True)
    out = run_module(device_info, dict(id=DEVICE_ID), client=client)
    assert out.result['changed'] is False
    assert out.result['device']['is_active'] is True
    assert 'online' in out.result['device'] and 'seconds_since_seen' in out.result['device']
