#!/usr/bin/python
# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

DOCUMENTATION = r"""
module: send
short_description: Send an SMS through GoSMS to one or more numbers
version_added: 0.1.0
description:
  - Sends one text through the GoSMS API (your own Android phones) to one or more phone numbers.
  - Every number and the text are checked before the first request, with the codes the API itself
    would answer; bad input sends nothing.
  - Each recipient then succeeds or fails on its own. When some fail, the task fails and says which
    numbers got the text (with their message ids) and which did not, each with the GoSMS error code,
    its description and its remedy.
  - Not idempotent. Every run sends again; use handlers or C(when) to send only when something happened.
  - Runs on the host the task targets and needs nothing installed there. For one alert per play rather
    than one per host, use C(run_once) (and C(delegate_to) to send from the controller); see the examples.
author:
  - gosms-ops contributors (@gosms-ops)
extends_documentation_fragment:
  - gosms.sms.connection
  - gosms.sms.connection.ATTRIBUTES
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details: Validates all input locally and reports what would be sent, without any request to GoSMS.
  diff_mode:
    support: none
options:
  to:
    description:
      - The phone number or numbers to send to.
      - Digits only with the country code first, for example V(79991234567), unless O(normalize=true).
      - A number given twice is sent to once.
    type: list
    elements: str
    required: true
  msg:
    description:
      - The text to send, 1 to 300 characters (the API's C(message) field; Ansible keeps the option name
        C(message) for itself).
      - O(text) is an alias.
      - See O(invalid_chars) and O(long_message) for text the API would refuse.
    type: str
    required: true
    aliases: [text]
  device_id:
    description:
      - The phone that sends the message, by the device id shown under its name in My Devices in the
        control panel, such as V(6622a8bbd963898821ebf934).
      - If not set, any of your connected phones sends it.
    type: str
  to_sim:
    description:
      - The SIM slot of O(device_id) to send from, counted from 0 as My Devices shows them (V(0) the
        first slot, V(1) the second); V(-1) a random SIM, V(-2) the phone's default.
      - Requires O(device_id).
    type: int
  callback_id:
    description:
      - The webhook that receives the status changes of these messages, by its id under Webhook in the
        control panel.
    type: str
  invalid_chars:
    description:
      - What to do with characters the API refuses (for example C(|), C(~) or emoji).
      - V(fail) refuses the text before anything is sent.
      - V(replace) swaps each one for an accepted spelling that keeps its meaning.
    type: str
    choices: [fail, replace]
    default: fail
  long_message:
    description:
      - What to do with a text longer than the API accepts in one message.
      - V(fail) refuses the text before anything is sent.
      - V(split) sends numbered parts cut at word boundaries, each part its own message.
      - V(truncate) cuts the text at a word boundary and ends it with an ellipsis.
    type: str
    choices: [fail, split, truncate]
    default: fail
  normalize:
    description:
      - Accept numbers the way people write them, such as V(+7 (999\) 123-45-67), and reduce them to digits.
    type: bool
    default: false
  wait:
    description:
      - Wait until every message sent is delivered or has failed for good.
      - The task fails when a message failed to deliver, or was not delivered within O(wait_timeout).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for delivery in all, when O(wait=true).
    type: float
    default: 120
  routes:
    description:
      - Phones (and SIM slots) to fail over between, in order, each as V(DEVICE) or V(DEVICE:SIM), for
        example V(6622a8bbd963898821ebf934:1).
      - The text goes out on the first route whose phone is not known to be offline or switched off;
        when it fails or makes no progress within O(wait_for_delivery) seconds, the copy still waiting
        on that phone is cancelled and the text goes out through the next route. Each route is tried once.
      - O(device_id) and O(to_sim), when set, are the first route.
      - Implies following to the handset for O(wait_for_delivery) seconds a route (300 when not set).
    type: list
    elements: str
  wait_for_delivery:
    description:
      - Follow every recipient's text to the handset, giving each route this many seconds to make
        progress, and fail the task when a recipient got it on no route, with each route's outcome in
        RV(results[].routes).
      - Without O(routes), the one route is O(device_id) (or any of your phones).
    type: float
notes:
  - The emulator that ships with gosms-ops (C(gosms-emulator)) answers like the GoSMS API, for trying
    playbooks without spending the SMS quota; point O(api_url) at it.
seealso:
  - module: gosms.sms.message_info
"""

EXAMPLES = r"""
- name: Page the on-call through the first phone, failing over to the second phone's SIM 1
  gosms.sms.send:
    api_token: "{{ gosms_token }}"
    to: "79991234567"
    msg: "{{ inventory_hostname }}: database down"
    routes:
      - 6622a8bbd963898821ebf934
      - 6622a8bbd963898821ebf935:1
    wait_for_delivery: 120
- name: Text the on-call phone from the host that has the problem
  gosms.sms.send:
    api_token: "{{ gosms_token }}"
    to: "79991234567"
    msg: "{{ inventory_hostname }}: disk /var is 95% full"

- name: Text several people, adapting the text so it always goes out
  gosms.sms.send:
    api_token: "{{ gosms_token }}"
    to:
      - "+7 (999) 123-45-67"
      - "79997654321"
    msg: "{{ alert_text }}"
    normalize: true
    invalid_chars: replace
    long_message: split

- name: One text for the whole play, sent once from the controller
  gosms.sms.send:
    api_token: "{{ gosms_token }}"
    to: "79991234567"
    msg: "Deployment of {{ app_version }} finished on {{ ansible_play_hosts | length }} hosts"
  delegate_to: localhost
  run_once: true

- name: Set the connection once for every gosms.sms task of a block
  module_defaults:
    group/gosms.sms.gosms:
      api_token: "{{ gosms_token }}"
      api_url: https://api.gosms.ru/v1
  block:
    - name: Send from one phone's second SIM and wait for delivery
      gosms.sms.send:
        to: "79991234567"
        msg: Backup finished
        device_id: 6622a8bbd963898821ebf934
        to_sim: 1
        wait: true
        wait_timeout: 60
      register: alert

    - name: Show what became of it
      ansible.builtin.debug:
        msg: "{{ alert.results[0].delivered }}"
"""

RETURN = r"""
ids:
  description: The message ids of every part sent, all recipients together.
  returned: always
  type: list
  elements: str
  sample: [6654a4e8f1527149588c89f2]
texts:
  description: The text as sent (or as it would be sent in check mode), one entry per part.
  returned: always
  type: list
  elements: str
  sample: ["web01: disk /var is 95% full"]
sent_to:
  description: The numbers that got the text.
  returned: always
  type: list
  elements: str
  sample: ["79991234567"]
not_sent_to:
  description: The numbers that did not get the text (all of it, or some of its parts).
  returned: always
  type: list
  elements: str
  sample: []
results:
  description: What became of each recipient, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    phone_number:
      description: The number, as sent to.
      type: str
      sample: "79991234567"
    ok:
      description: Whether every part reached GoSMS for this number.
      type: bool
    ids:
      description: The message ids of the parts sent to this number.
      type: list
      elements: str
    status:
      description:
        - C(sent), C(partly sent), C(failed), or C(would send) in check mode.
        - With O(routes) or O(wait_for_delivery), C(delivered), C(undelivered), or C(tracking) when
          the wait ran out first.
      type: str
    notes:
      description: What happened on the way, such as an answer lost and the message found on the server.
      type: list
      elements: str
    error:
      description: The full sentence of the error for this number.
      type: str
      returned: when this number failed
    error_code:
      description:
        - The GoSMS error code for this number.
        - For a failure without one, the HTTP status that ended it (V(429) for the rate limit outlasting
          the deadline, V(502) for a proxy's error page); not returned when the API could not be reached.
      type: int
      returned: when this number failed
    description:
      description: What the error code means, or the sentence of a failure without a code.
      type: str
      returned: when this number failed
    remedy:
      description: What to do about it.
      type: str
      returned: when this number failed
    maybe_sent:
      description: True when the request may have reached GoSMS although no answer arrived.
      type: bool
      returned: when this number failed
    delivered:
      description: Whether every part was delivered.
      type: bool
      returned: when O(wait=true)
    delivery:
      description: The last known state of each part, as returned by M(gosms.sms.message_info).
      type: list
      elements: dict
      returned: when O(wait=true)
    routes:
      description:
        - Each route tried, in order, with C(label), C(outcome) (V(delivered), V(failed), V(stuck),
          V(skipped), V(refused)), C(detail), C(cancel) and the C(ids) of the copy it sent.
      type: list
      elements: dict
      returned: when O(routes) or O(wait_for_delivery) is set
    possible_double:
      description: True when a copy on an earlier route could not be cancelled and may arrive as well.
      type: bool
      returned: when O(routes) or O(wait_for_delivery) is set
error_code:
  description:
    - The GoSMS error code of the failure (the first failed recipient's when several failed).
    - Also set for input refused locally, with the code the API would have answered.
    - For a failure without a GoSMS code, the HTTP status that ended it, such as V(429) when the rate
      limit outlasted the deadline.
  returned: on failure with a GoSMS error code or an HTTP status
  type: int
  sample: 1006
description:
  description: What RV(error_code) means, or the sentence of a failure without a code.
  returned: on failure
  type: str
  sample: Maximum number of SMS on your tariff plan reached.
remedy:
  description: What to do about the failure.
  returned: on failure, except for a configuration problem
  type: str
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.following import prepare
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.routes import DEFAULT_DELIVER_WITHIN
from ansible_collections.gosms.sms.plugins.module_utils.gosms_api import (
    CHOICES,
    GoSMSError,
    argument_spec,
    connect,
    error_details,
    fail,
    failure_message,
    plan_send,
    sentence,
)


def would_send(plan):
    """The result of check mode: every recipient as it would be sent to."""
    results = [dict(phone_number=phone, ok=True, ids=[], status='would send', notes=[])
               for phone in plan.recipients]
    return dict(changed=True, results=results, ids=[], texts=list(plan.parts),
                sent_to=list(plan.recipients), not_sent_to=[])


def wait_for_delivery(module, client, result):
    """Poll every part sent until it is final or the wait runs out; the numbers not delivered to."""
    deadline = time.monotonic() + module.params['wait_timeout']
    undelivered = []
    for recipient in result['results']:
        messages = []
        for message_id in recipient['ids']:
            try:
                messages.append(client.wait_for_delivery(message_id, timeout=max(0.0, deadline - time.monotonic())))
            except GoSMSError as exc:
                fail(module, exc, msg='Sent, but delivery could not be checked: '
                     + sentence(exc, module.argument_spec), **result)
        recipient['delivery'] = [m.as_dict() for m in messages]
        recipient['delivered'] = all(m.final and not m.failed for m in messages)
        if not recipient['delivered']:
            states = ', '.join(m.status_label for m in messages)
            undelivered.append(f"{recipient['phone_number']} ({states})")
    return undelivered


def follow(module, client, plan, options):
    """Send and follow every recipient to the handset over the routes; exits the module."""
    p = module.params
    within = p['wait_for_delivery'] if p['wait_for_delivery'] is not None else DEFAULT_DELIVER_WITHIN
    if within <= 0:
        module.fail_json(msg='wait_for_delivery must be more than 0 seconds: the time each route gets.')
    try:
        prepare(plan.recipients, p['msg'], p['routes'] or [], within, None, **options)
    except GoSMSError as exc:
        fail(module, exc, changed=False)
    if module.check_mode:
        module.exit_json(**would_send(plan))
    records = client.deliver(list(plan.recipients), p['msg'], routes=p['routes'] or [], deliver_within=within,
                             **options)
    results = []
    for record in records:
        ids = [i for leg in record.legs for i in leg.ids]
        results.append(dict(phone_number=record.phone_number, ok=record.verdict == 'delivered', ids=ids,
                            status=record.verdict, notes=[record.story()], delivered=record.verdict == 'delivered',
                            routes=[leg.as_dict() for leg in record.legs], possible_double=record.possible_double))
    result = dict(changed=any(r['ids'] for r in results), results=results,
                  ids=[i for r in results for i in r['ids']], texts=list(plan.parts),
                  sent_to=[r['phone_number'] for r in results if r['delivered']],
                  not_sent_to=[r['phone_number'] for r in results if not r['delivered']])
    missed = [f"{r['phone_number']} ({r['notes'][0]})" for r in results if not r['delivered']]
    if missed:
        module.fail_json(msg=f"Not delivered to: {'; '.join(missed)}.", **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            to=dict(type='list', elements='str', required=True),
            msg=dict(type='str', required=True, aliases=['text']),
            device_id=dict(type='str'),
            to_sim=dict(type='int'),
            callback_id=dict(type='str'),
            invalid_chars=dict(type='str', default='fail', choices=CHOICES['invalid_chars']),
            long_message=dict(type='str', default='fail', choices=CHOICES['long_message']),
            normalize=dict(type='bool', default=False),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='float', default=120),
            routes=dict(type='list', elements='str'),
            wait_for_delivery=dict(type='float'),
        ),
        supports_check_mode=True,
    )
    client = connect(module)
    p = module.params
    options = dict(device_id=p['device_id'], to_sim=p['to_sim'], callback_id=p['callback_id'],
                   invalid_chars=p['invalid_chars'], long_message=p['long_message'], normalize=p['normalize'])
    try:
        plan = plan_send(p['to'], p['msg'], **options)
    except GoSMSError as exc:
        fail(module, exc, changed=False)
    if p['routes'] or p['wait_for_delivery'] is not None:
        follow(module, client, plan, options)
    if module.check_mode:
        module.exit_json(**would_send(plan))

    bulk = client.send_plan(plan)
    recipients = [r.as_dict() for r in bulk.results]
    for data, recipient in zip(recipients, bulk.results):
        if recipient.error is not None:  # every failure with its code and remedy, worded in the options
            data.update(error_details(recipient.error), error=sentence(recipient.error, module.argument_spec),
                        maybe_sent=data['maybe_sent'])
    result = dict(
        changed=bool(bulk.ids) or any(r.get('maybe_sent') for r in recipients),
        results=recipients,
        ids=bulk.ids,
        texts=list(bulk.parts),
        sent_to=[r.phone_number for r in bulk.sent],
        not_sent_to=[r.phone_number for r in bulk.failed],
    )
    if not bulk.ok:
        fail(module, bulk.failed[0].error, msg=failure_message(bulk, module.argument_spec), **result)

    if p['wait']:
        undelivered = wait_for_delivery(module, client, result)
        if undelivered:
            module.fail_json(msg=f"Sent, but not delivered to: {'; '.join(undelivered)} "
                                 f"(waited up to {p['wait_timeout']}s).", **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
