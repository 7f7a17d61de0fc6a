# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

DOCUMENTATION = r"""
name: notify
type: notification
short_description: Text a summary through GoSMS when a playbook fails
version_added: 0.1.0
description:
  - At the end of a playbook run that had failed or unreachable hosts, sends one SMS through GoSMS
    naming the playbook, the failed and unreachable hosts and the first task that failed.
  - The text is adapted so it always goes out (characters the API refuses are replaced, a long
    summary is shortened).
  - A run without failures sends nothing. Problems sending the text are shown as a warning and never
    change the outcome of the run.
  - With O(fold) set, the runs of a storm (many playbooks failing at once, from cron or a job
    scheduler) fold per recipient as the other gosms-ops tools fold alerts - the first summaries go
    alone, the rest of the window in one digest SMS - provided C(gosms outbox run) is alive for the
    outbox. Without a live runner each summary is sent at once, as when O(fold=off).
  - This callback must be enabled, for example with C(callbacks_enabled = gosms.sms.notify) in the
    C([defaults]) section of C(ansible.cfg), or E(ANSIBLE_CALLBACKS_ENABLED=gosms.sms.notify).
author:
  - gosms-ops contributors (@gosms-ops)
options:
  to:
    description:
      - The phone number or numbers to text, as people write them (they are reduced to digits).
      - Nothing is sent when empty.
    type: list
    elements: str
    env:
      - name: GOSMS_NOTIFY_TO
    ini:
      - section: callback_gosms_notify
        key: to
    vars:
      - name: gosms_notify_to
  api_token:
    description:
      - The GoSMS API token, from API Integration in the GoSMS control panel.
      - Never displayed.
    type: str
    env:
      - name: GOSMS_TOKEN
    ini:
      - section: callback_gosms_notify
        key: api_token
    vars:
      - name: gosms_api_token
  api_url:
    description:
      - Base URL of the GoSMS API; the public GoSMS API when not set.
    type: str
    env:
      - name: GOSMS_API_URL
    ini:
      - section: callback_gosms_notify
        key: api_url
    vars:
      - name: gosms_api_url
  device_id:
    description:
      - The phone that sends the text; any connected phone when not set.
    type: str
    env:
      - name: GOSMS_NOTIFY_DEVICE_ID
    ini:
      - section: callback_gosms_notify
        key: device_id
    vars:
      - name: gosms_notify_device_id
  timeout:
    description:
      - Seconds to wait for each HTTP request to connect, and then for each read of its answer; 20 when not set.
    type: float
    env:
      - name: GOSMS_NOTIFY_TIMEOUT
    ini:
      - section: callback_gosms_notify
        key: timeout
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
    type: bool
    default: true
    env:
      - name: GOSMS_NOTIFY_VALIDATE_CERTS
    ini:
      - section: callback_gosms_notify
        key: validate_certs
  fold:
    description:
      - Whether the summaries of runs failing in a storm fold into one digest SMS per recipient, as
        C(notify_gosms --fold) and C(gosms relay --fold) fold alerts.
      - V(off) sends every summary alone. V(on) lets 3 summaries to a number go alone within 60
        seconds and folds the rest of each 60 seconds into one digest. V(BURST/WINDOW), such as
        V(3/60s) or V(1/5m), sets both.
      - Folding is done by C(gosms outbox run), the outbox's runner from gosms-ops, kept alive on
        the controller with the same token; the callback only writes the summary into the outbox
        (the collection carries the code, nothing else is installed for it). When no runner is alive
        for the outbox, or it sends for another account, the summary is sent at once.
    type: str
    default: 'off'
    env:
      - name: GOSMS_NOTIFY_FOLD
    ini:
      - section: callback_gosms_notify
        key: fold
    vars:
      - name: gosms_notify_fold
    version_added: 0.2.0
  outbox:
    description:
      - The folder of the outbox whose runner folds the summaries (see O(fold)); the same folder
        C(gosms outbox run) uses. The gosms-ops default when not set (E(GOSMS_OUTBOX), else
        C($XDG_STATE_HOME/gosms-ops/outbox)).
      - Only this user may write it, as for every gosms-ops outbox; the token is never written there.
    type: path
    env:
      - name: GOSMS_OUTBOX
    ini:
      - section: callback_gosms_notify
        key: outbox
    version_added: 0.2.0
notes:
  - Options given as variables are read from the play (play vars and extra vars) when each play starts.
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = gosms.sms.notify
#
# [callback_gosms_notify]
# to = 79991234567, 79997654321
#
# and the token in the GOSMS_TOKEN environment variable, or:
#
# ansible-playbook site.yml -e gosms_notify_to=79991234567
#
# Many runs failing at once (cron, a job scheduler) text each number a few summaries and a digest:
# [callback_gosms_notify]
# to = 79991234567
# fold = 3/60s
#
# with the outbox's runner alive on the controller, e.g. `gosms outbox run` as a service.
"""

import os

from ansible.plugins.callback import CallbackBase
from ansible.template import Templar
from ansible_collections.gosms.sms.plugins.module_utils._gosms.delivery.handoff import alert_fields, hand_over
from ansible_collections.gosms.sms.plugins.module_utils._gosms.delivery.outbox import Outbox
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.config import redact
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import ConfigError
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.folding import parse_fold
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.outcomes import plan_send
from ansible_collections.gosms.sms.plugins.module_utils.gosms_api import failure_message
from ansible_collections.gosms.sms.plugins.module_utils.transport import open_client

_OPTIONS = ('to', 'api_token', 'api_url', 'device_id', 'timeout', 'validate_certs', 'fold', 'outbox')
"""The options above: a hint in a warning names one of them."""
_VAR_OPTIONS = ('gosms_notify_to', 'gosms_api_token', 'gosms_api_url', 'gosms_notify_device_id', 'gosms_notify_fold')
_FOLD_WORDS = 'fold in [callback_gosms_notify], GOSMS_NOTIFY_FOLD or gosms_notify_fold'
SOURCE = 'ansible'
"""How the outbox names alerts from this callback (``gosms outbox log``)."""
_LIST_LIMIT = 5


def _names(hosts):
    """``a, b, c`` for a few hosts, ``a, b, c, d, e and 3 more`` for many."""
    hosts = sorted(hosts)
    shown = ', '.join(hosts[:_LIST_LIMIT])
    if len(hosts) > _LIST_LIMIT:
        shown += f' and {len(hosts) - _LIST_LIMIT} more'
    return shown


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'gosms.sms.notify'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.playbook = None
        self.first_failure = None

    # -- collecting ------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)

    def v2_playbook_on_play_start(self, play):
        # Callbacks load before any play: options given as play or extra vars are read here.
        try:
            play_vars = play.get_variable_manager().get_vars(play=play)
            names = [name for name in _VAR_OPTIONS if name in play_vars]
            if names:
                templar = Templar(loader=play._loader, variables=play_vars)
                self.set_options(var_options=dict((name, templar.template(play_vars[name])) for name in names))
        except Exception as exc:  # pylint: disable=broad-except
            self._display.warning(
                f'gosms.sms.notify: could not read its options from the play vars: {type(exc).__name__}')

    def _remember(self, result):
        if self.first_failure is None:
            task = getattr(result, 'task', None) or result._task
            host = getattr(result, 'host', None) or result._host
            self.first_failure = (task.get_name(), host.get_name())

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._remember(result)

    def v2_runner_on_unreachable(self, result):
        self._remember(result)

    # -- reporting -------------------------------------------------------------------------------

    def summary(self, failed, unreachable):
        """The text: playbook, what went wrong where, the first failed task."""
        parts = [f"Ansible: {self.playbook or 'playbook'} FAILED."]
        if failed:
            parts.append(f'Failed: {_names(failed)}.')
        if unreachable:
            parts.append(f'Unreachable: {_names(unreachable)}.')
        if self.first_failure is not None:
            task, host = self.first_failure
            parts.append(f'First failure: "{task}" on {host}.')
        return ' '.join(parts)

    def v2_playbook_on_stats(self, stats):
        failed = [host for host, count in stats.failures.items() if count]
        unreachable = [host for host, count in stats.dark.items() if count]
        if not failed and not unreachable:
            return
        try:
            self.notify(self.summary(failed, unreachable), failed, unreachable)
        except Exception as exc:  # pylint: disable=broad-except
            # Never let the notification break (or change the outcome of) the run.
            reason = redact(f'{type(exc).__name__}: {exc}', self.get_option('api_token'))
            self._display.warning(f'gosms.sms.notify: the failure summary was not sent: {reason}')

    def notify(self, text, failed=(), unreachable=()):
        to = [number for number in (self.get_option('to') or []) if number]
        if not to:
            self._display.warning('gosms.sms.notify: no number to text; set GOSMS_NOTIFY_TO, '
                                  '[callback_gosms_notify] to, or gosms_notify_to.')
            return
        if not self.get_option('api_token') and not os.environ.get('GOSMS_TOKEN_FILE'):
            raise ConfigError('No GoSMS token: set GOSMS_TOKEN, api_token in [callback_gosms_notify], or the '
                              'gosms_api_token variable.')
        client = open_client(self.get_option('api_token'), self.get_option('api_url'),
                             timeout=self.get_option('timeout'), validate_certs=self.get_option('validate_certs'))
        # The text is the run's own summary: adapted so that it always goes out.
        plan = plan_send(to, text, invalid_chars='replace', long_message='truncate', normalize=True,
                         device_id=self.get_option('device_id') or None)
        if self.hand_over(client, plan, failed, unreachable):
            return
        result = client.send_plan(plan)
        if result.ok:
            self._display.display(f'gosms.sms.notify: {result.summary()}')
        else:
            self._display.warning(f'gosms.sms.notify: {failure_message(result, _OPTIONS)}')

    # -- folding ---------------------------------------------------------------------------------

    def fold_policy(self):
        """The O(fold) setting read by the core's own rule; None for off (and, with a warning, when
        it cannot be read: the summary then goes alone rather than not at all)."""
        try:
            return parse_fold(self.get_option('fold') or 'off')
        except ValueError as exc:
            self._display.warning(f'gosms.sms.notify: {_FOLD_WORDS}: {exc}. The summary is sent alone.')
            return None

    def hand_over(self, client, plan, failed, unreachable):
        """Give the summary to the outbox's live runner, which folds storms per number; False when
        it must be sent here (folding off, no runner alive for this outbox and account).

        The hand-over is the core's (the generated copy under ``_gosms``), as notify_gosms and
        ``gosms send --queue`` hand alerts over: the runner reads the entry it writes.
        """
        policy = self.fold_policy()
        if policy is None:
            return False
        what = ', '.join(sorted(set(failed) | set(unreachable)))
        alert = alert_fields('PROBLEM', self.playbook or 'playbook', what, 'FAILED' if failed else 'UNREACHABLE',
                             policy)
        try:
            entries = hand_over(Outbox(self.get_option('outbox')), client.api_url, client.token,
                                plan.recipients, plan.parts, source=SOURCE, alert=alert, device_id=plan.device_id)
        except ConfigError as exc:
            self._display.warning(f'gosms.sms.notify: the outbox cannot take the summary ({exc}); it is sent alone. '
                                  'Set outbox in [callback_gosms_notify] or GOSMS_OUTBOX to the runner\'s folder.')
            return False
        if entries is None:
            self._display.vv('gosms.sms.notify: no `gosms outbox run` alive for this outbox and account: '
                             'the summary is sent alone.')
            return False
        self._display.display(f'gosms.sms.notify: handed to the outbox runner for {", ".join(plan.recipients)}, '
                              f'folding storms ({policy.spec()}).')
        return True
