# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

import pytest
from ansible.plugins.loader import callback_loader
from ansible_collections.gosms.sms.plugins.callback import notify
from gosms.errors import TABLE, APIError, Category, ConfigError
from gosms.outcomes import BulkResult, RecipientResult


class Stats:
    def __init__(self, failures=None, dark=None):
        self.failures = failures or {}
        self.dark = dark or {}


@pytest.fixture
def callback():
    plugin = callback_loader.get('gosms.sms.notify', display=mock.Mock(verbosity=0))
    assert isinstance(plugin, notify.CallbackModule)
    plugin.set_options(direct=dict(to=['+7 999 000-00-09'], api_token='unit-test-token'))
    plugin.playbook = 'site.yml'
    return plugin


def test_summary_names_playbook_hosts_and_first_task(callback):
    callback.first_failure = ('Restart nginx', 'web01')
    text = callback.summary(['web02', 'web01'], ['db01'])
    assert text == ('Ansible: site.yml FAILED. Failed: web01, web02. Unreachable: db01. '
                    'First failure: "Restart nginx" on web01.')


def test_many_hosts_are_counted_not_listed(callback):
    text = callback.summary([f'h{i:02d}' for i in range(12)], [])
    assert 'and 7 more' in text


def test_a_clean_run_sends_nothing(callback):
    with mock.patch('gosms.Client') as client:
        callback.v2_playbook_on_stats(Stats(failures={'web01': 0}))
    client.assert_not_called()


def test_a_failed_run_sends_a_text_that_always_fits(callback):
    with mock.patch('gosms.Client') as factory:
        client = factory.return_value.__enter__.return_value
        client.send.return_value = BulkResult([RecipientResult('79990000009')])
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    args, kwargs = client.send.call_args
    assert args[0] == ['+7 999 000-00-09']
    assert kwargs['invalid_chars'] == 'replace'
    assert kwargs['long_message'] == 'truncate'
    assert kwargs['normalize'] is True
    assert factory.call_args.args[0] == 'unit-test-token'
    callback._display.warning.assert_not_called()
    assert '79990000009' in callback._display.display.call_args.args[0]


def test_a_refused_text_is_a_warning(callback):
    failed = RecipientResult('79990000009')
    failed.error = APIError(next(code for code, info in TABLE.items() if info.category is Category.QUOTA))
    with mock.patch('gosms.Client') as factory:
        factory.return_value.__enter__.return_value.send.return_value = BulkResult([failed])
        callback.v2_playbook_on_stats(Stats(dark={'db01': 1}))
    warning = callback._display.warning.call_args.args[0]
    assert failed.error.remedy in warning


def test_an_unexpected_error_is_a_warning_without_the_token(callback):
    with mock.patch('gosms.Client', side_effect=RuntimeError('boom near unit-test-token')):
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    warning = callback._display.warning.call_args.args[0]
    assert 'boom near' in warning
    assert 'unit-test-token' not in warning


def test_a_configuration_problem_never_breaks_the_run(callback):
    with mock.patch('gosms.Client', side_effect=ConfigError('No GoSMS token')):
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    assert 'No GoSMS token' in callback._display.warning.call_args.args[0]
    assert 'unit-test-token' not in callback._display.warning.call_args.args[0]


def test_no_number_configured_is_a_warning(callback):
    callback.set_options(direct=dict(to=[]))
    with mock.patch('gosms.Client') as client:
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    client.assert_not_called()
    callback._display.warning.assert_called_once()
