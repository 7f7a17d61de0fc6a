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
      - To fail over to another phone as well, use O(wait_for_delivery) instead.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for delivery in all, when O(wait=true).
    type: float
    default: 120
  routes:
    description:
      - The phones to send through, in order of preference, for failover while the task follows each
        recipient to the handset (O(wait_for_delivery)).
      - Each entry is a phone's device id, optionally with its SIM slot after a colon (V(DEVICE:SIM), the
        slot counted as O(to_sim) counts it), or a dictionary with C(device_id) and optionally C(to_sim).
      - The text goes out through the first route; when that phone fails to send it, or the message
        makes no progress within O(wait_for_delivery) seconds, the stuck copy is cancelled and the text
        goes out through the next route. Each route is tried at most once. A phone known to be offline
        or switched off is skipped without sending.
      - O(device_id) and O(to_sim), when set, are the first route.
      - Routes imply following, with 300 seconds a route when O(wait_for_delivery) is not set.
    type: list
    elements: raw
    version_added: 0.2.0
  wait_for_delivery:
    description:
      - Follow each recipient's message until it is delivered to the handset, failing over along
        O(routes); the task fails when a recipient ends up undelivered on every route, and reports each
        route's try.
      - The seconds each route gets to make progress (taken by a phone, sent, delivered) before the
        next route is tried. The task takes at most this times the number of routes, plus a minute.
      - Not set (and no O(routes)), or V(0), sends without following, as before.
    type: float
    version_added: 0.2.0
notes:
  - The emulator that ships with gosms-ops (C(gosms-emulator)) answers like the GoSMS API, for trying
    playbooks without spending the SMS quota; point O(api_url) at it.
seealso:
  - module: gosms.sms.message_info
"""

EXAMPLES = r"""
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

- name: Page the on-call, failing over to the second phone when the first cannot deliver in 2 minutes
  gosms.sms.send:
    api_token: "{{ gosms_token }}"
    to: "79991234567"
    msg: "{{ inventory_hostname }} is down"
    routes:
      - 6622a8bbd963898821ebf934
      - device_id: 3baf9df0-d0e3-43d2-a58f-6d7c27143242
        to_sim: 1
    wait_for_delivery: 120
  register: page

- name: Say which phone carried it
  ansible.builtin.debug:
    msg: "{{ page.results[0].routes | map(attribute='outcome') | list }}"
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
    verdict:
      description:
        - V(delivered), V(undelivered) (every route tried and none delivered), or V(tracking) when the
          task's time ran out before a verdict.
      type: str
      returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
      sample: delivered
      version_added: 0.2.0
    possible_double:
      description:
        - True when a copy on an earlier route could not be cancelled and may reach the handset as well.
      type: bool
      returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
      version_added: 0.2.0
    story:
      description: Each route's try in a few words, in order.
      type: str
      returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
      sample: >-
        6622a8bbd963898821ebf934: still waiting after 120 s without progress, cancelled;
        3baf9df0-d0e3-43d2-a58f-6d7c27143242:1: delivered (status 4)
      version_added: 0.2.0
    routes:
      description: Each route's try, in the order tried.
      type: list
      elements: dict
      returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
      version_added: 0.2.0
      contains:
        route:
          description: The route as V(DEVICE) or V(DEVICE:SIM); V(any phone) when no route was given.
          type: str
        device_id:
          description: The phone of the route (null for any phone).
          type: str
        to_sim:
          description: The SIM slot of the route, when one was given.
          type: int
        outcome:
          description:
            - V(delivered), V(failed) (the phone or network reported an error), V(stuck) (no progress in
              time), V(skipped) (the phone was known offline or switched off, nothing sent), V(refused)
              (GoSMS refused the route itself), or V(in progress).
          type: str
        detail:
          description: What happened on this route, in a sentence.
          type: str
        ids:
          description: The message ids this route's copy got (one per part).
          type: list
          elements: str
        statuses:
          description: The last GoSMS status read of each id (0 waiting ... 4 delivered, 3 and 5 failed).
          type: dict
        cancel:
          description:
            - What became of the cancel of a stuck copy; V(cancelled), V(refused) (GoSMS refused the
              delete for now, so a second copy may arrive), V(too late) (a phone had taken it), or empty.
          type: str
delivered_to:
  description: The numbers the text was delivered to.
  returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
  type: list
  elements: str
  version_added: 0.2.0
undelivered_to:
  description: The numbers the text was not delivered to on any route (or not yet, when time ran out).
  returned: when the task follows delivery (O(wait_for_delivery) or O(routes))
  type: list
  elements: str
  version_added: 0.2.0
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
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api as api
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import retry

UNDELIVERED_REMEDY = ('Check the phones of routes in My Devices in the GoSMS control panel (last seen, app '
                      'running, SIM credit), add a route through another phone, or give each route more '
                      'time with wait_for_delivery.')


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
            except api.GoSMSError as exc:
                api.fail(module, exc, msg='Sent, but delivery could not be checked: '
                         + api.sentence(exc, module.argument_spec), **result)
        recipient['delivery'] = [m.as_dict() for m in messages]
        recipient['delivered'] = all(m.final and not m.failed for m in messages)
        if not recipient['delivered']:
            states = ', '.join(m.status_label for m in messages)
            undelivered.append(f"{recipient['phone_number']} ({states})")
    return undelivered


def route_result(leg):
    """One route's try as the task returns it (see RETURN)."""
    return dict(route=leg.route.label, device_id=leg.route.device_id, to_sim=leg.route.to_sim,
                outcome=leg.outcome or 'in progress', detail=leg.detail, ids=list(leg.ids),
                statuses=dict(leg.statuses), cancel=leg.cancel)


def recipient_result(record):
    """What became of one recipient followed to the handset."""
    ids = [i for leg in record.legs for i in leg.ids]
    sent = any(leg.ids and len(leg.ids) == len(record.parts) for leg in record.legs)
    return dict(phone_number=record.phone_number, ok=sent, ids=ids, status='sent' if sent else 'failed',
                notes=[], verdict=record.verdict, delivered=record.verdict == 'delivered',
                possible_double=record.possible_double, story=record.story(),
                routes=[route_result(leg) for leg in record.legs])


def deliver(module, client, routes, within, options):
    """Send and follow each recipient to the handset through the core, failing over along ``routes``;
    the task fails when any recipient is not delivered, naming each route's try."""
    p = module.params
    try:
        records = client.deliver(p['to'], p['msg'], routes=routes, deliver_within=within, **options)
    except api.GoSMSError as exc:  # input only: the core checks everything before the first request
        api.fail(module, exc, changed=False)
    recipients = [recipient_result(r) for r in records]
    result = dict(
        changed=any(r['ids'] for r in recipients),
        results=recipients,
        ids=[i for r in recipients for i in r['ids']],
        texts=list(records[0].parts) if records else [],
        sent_to=[r['phone_number'] for r in recipients if r['ok']],
        not_sent_to=[r['phone_number'] for r in recipients if not r['ok']],
        delivered_to=[r['phone_number'] for r in recipients if r['delivered']],
        undelivered_to=[r['phone_number'] for r in recipients if not r['delivered']],
    )
    for record in records:
        if record.possible_double:
            module.warn(f'{record.phone_number} may get the text twice: {record.story()}')
    lost = [r for r in records if r.verdict != 'delivered']
    if lost:
        said = '; '.join(f"{r.phone_number} ({'not yet, time ran out' if r.verdict == 'tracking' else 'undelivered'}"
                         f': {r.story()})' for r in lost)
        delivered = f" Delivered to: {', '.join(result['delivered_to'])}." if result['delivered_to'] else ''
        module.fail_json(msg=f'Not delivered to: {said}.{delivered} Fix: {UNDELIVERED_REMEDY}',
                         remedy=UNDELIVERED_REMEDY, **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=api.argument_spec(
            to=dict(type='list', elements='str', required=True),
            msg=dict(type='str', required=True, aliases=['text']),
            device_id=dict(type='str'),
            to_sim=dict(type='int'),
            callback_id=dict(type='str'),
            invalid_chars=dict(type='str', default='fail', choices=api.CHOICES['invalid_chars']),
            long_message=dict(type='str', default='fail', choices=api.CHOICES['long_message']),
            normalize=dict(type='bool', default=False),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='float', default=120),
            routes=dict(type='list', elements='raw'),
            wait_for_delivery=dict(type='float'),
        ),
        mutually_exclusive=[('wait', 'wait_for_delivery'), ('wait', 'routes')],
        supports_check_mode=True,
    )
    client = api.connect(module)
    p = module.params
    options = dict(device_id=p['device_id'], to_sim=p['to_sim'], callback_id=p['callback_id'],
                   invalid_chars=p['invalid_chars'], long_message=p['long_message'], normalize=p['normalize'])
    try:
        plan = api.plan_send(p['to'], p['msg'], **options)
    except api.GoSMSError as exc:
        api.fail(module, exc, changed=False)
    try:
        routes = api.parse_routes(p['routes'])
    except api.RouteError as exc:
        if exc.error is None:
            module.fail_json(msg=str(exc), changed=False)
        api.fail(module, exc.error, msg=str(exc), changed=False)
    within = p['wait_for_delivery']
    if within is None and routes:
        within = retry.DEFAULT_DELIVER_WITHIN  # routes only fail over while the task follows: the core's default time
    if within is not None and within < 0:
        module.fail_json(msg='wait_for_delivery must be 0 (send without following) or the seconds each route '
                             f'gets to deliver, not {within:g}.', changed=False)
    if routes and not within:
        module.fail_json(msg='routes fail over only while the task follows each message to the handset: '
                             'set wait_for_delivery to the seconds each route gets (for example 120), '
                             'not 0.', changed=False)
    if module.check_mode:
        module.exit_json(**would_send(plan))
    if within:
        deliver(module, client, routes, within, options)

    bulk = client.send_plan(plan)
    recipients = [r.as_dict() for r in bulk.results]
    for data, recipient in zip(recipients, bulk.results):
        if recipient.error is not None:  # every failure with its code and remedy, worded in the options
            data.update(api.error_details(recipient.error), error=api.sentence(recipient.error, module.argument_spec),
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
        api.fail(module, bulk.failed[0].error, msg=api.failure_message(bulk, module.argument_spec), **result)

    if p['wait']:
        undelivered = wait_for_delivery(module, client, result)
        if undelivered:
            module.fail_json(msg=f"Sent, but not delivered to: {'; '.join(undelivered)} "
                                 f"(waited up to {p['wait_timeout']}s).", **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
