# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""gosms.sms.send following each recipient to the handset and failing over along ``routes``.

The emulator has two phones, A and B, that deliver at its lifecycle's pace (a fraction of a second
a stage); a test makes a phone quiet, failing or switched off through the emulator's control API.
Each route gets WITHIN seconds, so a test takes a few seconds.
"""

from __future__ import annotations

import secrets

import pytest
from ansible.module_utils.common.warnings import get_warning_messages
from ansible_collections.gosms.sms.plugins.module_utils.gosms_api import RouteError, parse_routes
from ansible_collections.gosms.sms.plugins.modules import send
from gosms.emulator import Emulator

WITHIN = 2.0
NUMBER = '79991000001'
BAD_DEVICE = 2005
BAD_SIM = 2008


@pytest.fixture
def emulator(monkeypatch, tmp_path):
    """Two phones; deletes allowed at once, so the cancel of a stuck copy succeeds."""
    for name in ('GOSMS_TOKEN', 'GOSMS_API_URL', 'GOSMS_TOKEN_FILE'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('GOSMS_RUNTIME_DIR', str(tmp_path / 'runtime'))
    scenario = {'devices': [{'name': 'A'}, {'name': 'B'}], 'delete_after': 0}
    with Emulator(tokens=['unit-' + secrets.token_hex(16)], scenario=scenario) as emu:
        yield emu


def carriers(emulator):
    return [c['carrier'] for c in emulator.deliveries()]


def test_the_first_phone_gone_quiet_the_text_goes_out_through_the_second(run_module, emulator):
    a, b = emulator.phones
    emulator.set_phone(a, 'offline')  # just went quiet: still looks online, so it is tried and times out
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=[a, b], wait_for_delivery=WITHIN))
    assert not out.failed, out.result.get('msg', out.result)
    (recipient,) = out.result['results']
    assert recipient['verdict'] == 'delivered' and recipient['delivered'] is True
    assert [(r['route'], r['outcome'], r['cancel']) for r in recipient['routes']] == [
        (a, 'stuck', 'cancelled'), (b, 'delivered', '')]
    assert out.result['delivered_to'] == [NUMBER] and out.result['undelivered_to'] == []
    assert out.result['changed'] is True
    assert len(out.result['ids']) == 2  # one copy per route tried
    emulator.set_phone(a, 'delivers')
    emulator.advance(5)
    assert carriers(emulator) == [b]  # the cancelled copy never reaches the handset


def test_both_phones_dead_fails_the_task_with_each_route_s_try(run_module, emulator):
    a, b = emulator.phones
    emulator.set_phone(a, 'offline')
    emulator.set_phone(b, 'delivery_error')
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=[a, {'device_id': b, 'to_sim': 0}],
                                wait_for_delivery=WITHIN))
    assert out.failed
    (recipient,) = out.result['results']
    assert recipient['verdict'] == 'undelivered'
    assert [(r['route'], r['outcome']) for r in recipient['routes']] == [(a, 'stuck'), (f'{b}:0', 'failed')]
    assert recipient['routes'][1]['to_sim'] == 0
    assert out.result['undelivered_to'] == [NUMBER] and out.result['delivered_to'] == []
    msg = out.result['msg']
    assert msg.startswith(f'Not delivered to: {NUMBER} (undelivered: {a}: still ')
    assert f'{b}:0: delivery error (status 5)' in msg
    assert 'wait_for_delivery' in out.result['remedy'] and 'routes' in out.result['remedy']
    assert carriers(emulator) == []


def test_a_phone_known_offline_is_skipped_without_sending(run_module, emulator):
    a, b = emulator.phones
    emulator.set_scenario(devices={a: {'online': False, 'last_seen_ago': 3600}})
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=[a, b], wait_for_delivery=WITHIN))
    assert not out.failed
    first, second = out.result['results'][0]['routes']
    assert first['outcome'] == 'skipped' and 'offline' in first['detail'] and first['ids'] == []
    assert second['outcome'] == 'delivered'
    assert [m['carrier'] for m in emulator.messages()] == [b]


def test_without_routes_the_text_is_followed_on_any_phone(run_module, emulator):
    out = run_module(send, dict(to=[NUMBER, '79991000002'], msg='db1 down', wait_for_delivery=WITHIN))
    assert not out.failed
    assert [r['verdict'] for r in out.result['results']] == ['delivered', 'delivered']
    assert [r['routes'][0]['route'] for r in out.result['results']] == ['any phone', 'any phone']
    assert out.result['sent_to'] == [NUMBER, '79991000002']


def test_a_second_copy_that_may_arrive_is_reported_and_warned(run_module, emulator):
    a, b = emulator.phones
    emulator.set_scenario(delete_after=600)  # the API's 1010: too early to delete the stuck copy
    emulator.set_phone(a, 'offline')
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=[a, b], wait_for_delivery=WITHIN))
    assert not out.failed
    (recipient,) = out.result['results']
    assert recipient['possible_double'] is True and recipient['routes'][0]['cancel'] == 'refused'
    # exit_json is replaced in these tests (see conftest), so the warning is read where Ansible keeps it.
    assert any(NUMBER in w and 'twice' in w for w in get_warning_messages())


@pytest.mark.parametrize('route, code', [
    ('not-a-device', BAD_DEVICE),
    ('3baf9df0-d0e3-43d2-a58f-6d7c27143242:first', BAD_SIM),
    ({'device_id': '3baf9df0-d0e3-43d2-a58f-6d7c27143242', 'to_sim': 'x'}, BAD_SIM),
])
def test_a_bad_route_is_refused_with_the_api_code_before_any_request(run_module, emulator, route, code):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=[emulator.phones[0], route],
                                wait_for_delivery=WITHIN))
    assert out.failed and out.result['changed'] is False
    assert out.result['error_code'] == code
    assert out.result['msg'].startswith('Entry 2 of routes (')
    assert 'Check the routes option' in out.result['msg'] and 'device_id option' not in out.result['msg']
    assert emulator.requests() == []


@pytest.mark.parametrize('route, said', [
    ({'device': 'x'}, 'unknown key device'),
    (7, 'neither text nor a dictionary'),
])
def test_a_route_of_the_wrong_shape_says_which_forms_are_taken(route, said):
    with pytest.raises(RouteError) as refused:
        parse_routes([route])
    assert said in str(refused.value) and 'DEVICE:SIM' in str(refused.value)
    assert refused.value.error is None


def test_routes_with_following_turned_off_are_refused_before_any_request(run_module, emulator):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=emulator.phones, wait_for_delivery=0))
    assert out.failed and 'set wait_for_delivery' in out.result['msg']
    assert emulator.requests() == []


def test_routes_alone_follow_with_the_core_s_default_time(run_module, emulator):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=emulator.phones))
    assert not out.failed
    assert out.result['results'][0]['verdict'] == 'delivered'
    assert out.result['results'][0]['routes'][0]['device_id'] == emulator.phones[0]


def test_a_negative_wait_is_refused(run_module, emulator):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', wait_for_delivery=-1))
    assert out.failed and 'wait_for_delivery must be 0' in out.result['msg']
    assert emulator.requests() == []


def test_wait_and_wait_for_delivery_are_one_or_the_other(run_module, emulator):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', wait=True, wait_for_delivery=WITHIN))
    assert out.failed and 'mutually exclusive' in out.result['msg']
    assert emulator.requests() == []


def test_check_mode_checks_the_routes_and_sends_nothing(run_module, emulator):
    out = run_module(send, dict(to=NUMBER, msg='db1 down', routes=emulator.phones, wait_for_delivery=WITHIN),
                     check_mode=True)
    assert not out.failed and out.result['results'][0]['status'] == 'would send'
    assert emulator.requests() == []
