# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

import pytest
from ansible.plugins.loader import callback_loader
from ansible_collections.gosms.sms.plugins.callback import notify
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import TABLE

QUOTA = 1006


class Stats:
    def __init__(self, failures=None, dark=None):
        self.failures = failures or {}
        self.dark = dark or {}


@pytest.fixture
def callback(emulator):
    # Ansible's display stands in for the terminal: the mock records what the user would read.
    plugin = callback_loader.get('gosms.sms.notify', display=mock.Mock(verbosity=0))
    assert isinstance(plugin, notify.CallbackModule)
    plugin.set_options(direct=dict(to=['+7 999 000-00-09'], api_token=emulator.token, api_url=emulator.url))
    plugin.playbook = 'site.yml'
    return plugin


def shown(callback):
    return ' '.join(str(c) for c in callback._display.method_calls)


def test_summary_names_playbook_hosts_and_first_task(callback):
    callback.first_failure = ('Restart nginx', 'web01')
    text = callback.summary(['web02', 'web01'], ['db01'])
    assert text == ('Ansible: site.yml FAILED. Failed: web01, web02. Unreachable: db01. '
                    'First failure: "Restart nginx" on web01.')


def test_many_hosts_are_counted_not_listed(callback):
    text = callback.summary([f'h{i:02d}' for i in range(12)], [])
    assert 'and 7 more' in text


def test_a_clean_run_sends_nothing(callback, emulator):
    callback.v2_playbook_on_stats(Stats(failures={'web01': 0}))
    assert emulator.requests() == []


def test_a_failed_run_sends_a_text_that_always_fits(callback, emulator):
    callback.first_failure = ('Check | disk ~ 95% 🔥 ' + 'x' * 400, 'web01')
    callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    (message,) = emulator.messages()
    assert message['phone_number'] == '79990000009'
    assert message['message'].startswith('Ansible: site.yml FAILED. Failed: web01.')
    callback._display.warning.assert_not_called()
    assert '79990000009' in callback._display.display.call_args.args[0]


def test_a_refused_text_is_a_warning_with_its_remedy(callback, emulator):
    emulator.set_scenario(quota=0)
    callback.v2_playbook_on_stats(Stats(dark={'db01': 1}))
    warning = callback._display.warning.call_args.args[0]
    assert f'GoSMS error {QUOTA}' in warning and TABLE[QUOTA].remedy in warning
    assert emulator.messages() == []


def test_an_unexpected_answer_is_a_warning_without_the_token(callback, emulator):
    emulator.add_fault('status', 'send', count=1, status=400, body=f'echo: Bearer {emulator.token}')
    callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    assert 'echo: Bearer' in shown(callback)
    assert emulator.token not in shown(callback)


def test_no_token_is_a_warning_naming_where_to_set_it(callback, emulator):
    callback.set_options(direct=dict(to=['79990000009'], api_token='', api_url=emulator.url))
    callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    warning = callback._display.warning.call_args.args[0]
    assert 'GOSMS_TOKEN' in warning and 'api_token' in warning
    assert emulator.requests() == []


def test_no_number_configured_is_a_warning(callback, emulator):
    callback.set_options(direct=dict(to=[]))
    callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    assert emulator.requests() == []
    callback._display.warning.assert_called_once()
