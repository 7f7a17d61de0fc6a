# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

from unittest import mock

import pytest
from ansible.plugins.loader import callback_loader
from ansible_collections.gosms.sms.plugins.callback import notify
from ansible_collections.gosms.sms.plugins.module_utils._gosms.delivery import handoff
from ansible_collections.gosms.sms.plugins.module_utils._gosms.delivery.outbox import Outbox
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.config import Token
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import TABLE

QUOTA = 1006


class Stats:
    def __init__(self, failures=None, dark=None):
        self.failures = failures or {}
        self.dark = dark or {}


def _options(emulator, **folding):
    """The fixture's options and the folding ones (set_options starts over from what it is given)."""
    return dict(to=['+7 999 000-00-09'], api_token=emulator.token, api_url=emulator.url, **folding)


@pytest.fixture
def callback(emulator):
    # Ansible's display stands in for the terminal: the mock records what the user would read.
    plugin = callback_loader.get('gosms.sms.notify', display=mock.Mock(verbosity=0))
    assert isinstance(plugin, notify.CallbackModule)
    plugin.set_options(direct=_options(emulator))
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


# -- folding: the summary handed to the outbox's runner ----------------------------------------------
# The runner is stood in for by what makes one alive to a sender: its lock held (the kernel's, real)
# and its account advertised, in this process; the folding itself is the runner's, tested with
# real ansible-playbook runs and a real `gosms outbox run` in tests/ansible/test_notify_fold.py.


def test_with_fold_a_live_runner_gets_the_summary_and_nothing_is_sent_here(callback, emulator, tmp_path):
    outbox = Outbox(str(tmp_path / 'outbox'))
    with outbox.as_runner() as alive:
        assert alive
        handoff.advertise(outbox, emulator.url, Token(emulator.token))
        callback.set_options(direct=_options(emulator, fold='2/5m', outbox=str(outbox.directory)))
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}, dark={'db01': 1}))
    assert emulator.requests() == []
    (entry,) = outbox.entries(['new'])
    assert (entry.phone_number, entry.source, entry.kind, entry.host, entry.service, entry.severity) == (
        '79990000009', 'ansible', 'PROBLEM', 'site.yml', 'db01, web01', 'FAILED')
    assert (entry.fold_burst, entry.fold_window) == (2, 300.0)
    assert 'handed to the outbox runner' in shown(callback)
    assert emulator.token not in ''.join(path.read_text() for path in outbox.directory.rglob('*') if path.is_file())


@pytest.mark.parametrize('runner', ['none', 'another account'])
def test_with_fold_and_no_runner_for_this_account_the_summary_is_sent_at_once(callback, emulator, tmp_path, runner):
    outbox = Outbox(str(tmp_path / 'outbox'))
    with outbox.as_runner() as alive:
        assert alive
        if runner == 'another account':
            handoff.advertise(outbox, emulator.url, Token('another-token'))
            callback.set_options(direct=_options(emulator, fold='on', outbox=str(outbox.directory)))
            callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    if runner == 'none':  # the lock released: no runner alive
        callback.set_options(direct=_options(emulator, fold='on', outbox=str(outbox.directory)))
        callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    (message,) = emulator.messages()
    assert message['message'].startswith('Ansible: site.yml FAILED.')
    assert outbox.entries(['new']) == []


def test_a_fold_setting_that_cannot_be_read_is_a_warning_and_the_summary_still_goes(callback, emulator):
    callback.set_options(direct=_options(emulator, fold='every minute'))
    callback.v2_playbook_on_stats(Stats(failures={'web01': 1}))
    assert len(emulator.messages()) == 1
    warning = callback._display.warning.call_args.args[0]
    assert 'GOSMS_NOTIFY_FOLD' in warning and 'BURST/WINDOW' in warning
