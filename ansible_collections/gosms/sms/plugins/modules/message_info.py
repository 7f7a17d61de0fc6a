#!/usr/bin/python
# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

DOCUMENTATION = r"""
module: message_info
short_description: Read GoSMS messages and their delivery status
version_added: 0.1.0
description:
  - Reads one message by its id, or the list of messages (newest first), one page or all of them.
  - Read-only; runs the same in check mode.
author:
  - gosms-ops contributors (@gosms-ops)
extends_documentation_fragment:
  - gosms.sms.connection
  - gosms.sms.connection.ATTRIBUTES
  - gosms.sms.connection.READ_ONLY
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
options:
  id:
    description:
      - The id of one message, as returned by M(gosms.sms.send).
      - Mutually exclusive with O(search), O(limit), O(offset) and O(all_pages).
    type: str
  search:
    description:
      - Only messages whose text, status text or phone number contains this, ignoring case.
    type: str
  limit:
    description:
      - Messages per page.
    type: int
    default: 100
  offset:
    description:
      - The page to read, V(1) being the first (newest) page.
      - Mutually exclusive with O(all_pages).
    type: int
    default: 1
  all_pages:
    description:
      - Read every page, O(limit) messages at a time, instead of a single page.
    type: bool
    default: false
seealso:
  - module: gosms.sms.send
"""

EXAMPLES = r"""
# The token comes from api_token, module_defaults for group/gosms.sms.gosms, or GOSMS_TOKEN where the task runs.
- name: Send an alert
  gosms.sms.send:
    to: "79991234567"
    msg: backup failed on db01
  register: sent

- name: Read its status
  gosms.sms.message_info:
    id: "{{ sent.ids[0] }}"
  register: info

- name: Show it
  ansible.builtin.debug:
    msg: "{{ info.messages[0].status_label }}"

- name: Every message to one number
  gosms.sms.message_info:
    search: "79991234567"
    all_pages: true
"""

RETURN = r"""
messages:
  description: The messages found, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The message id.
      type: str
      sample: 6654a4e8f1527149588c89f2
    phone_number:
      description: The number it was sent to.
      type: str
    message:
      description: The text.
      type: str
    status:
      description: The numeric status the API reports.
      type: int
    status_label:
      description: The status in words, such as C(delivered) or C(delivery error).
      type: str
    message_status:
      description: The status text exactly as the API gives it.
      type: str
    device_id:
      description: The phone that handles it, if one was chosen.
      type: str
    callback_id:
      description: The webhook that gets its status changes, if one was chosen.
      type: str
    time_create:
      description: When it was created, in Unix time.
      type: int
    to_sim:
      description: The SIM slot chosen, if any.
      type: int
total_records:
  description:
    - How many messages the account holds in all (matching O(search) where given).
    - With O(all_pages=true), how many were read.
  returned: when O(id) is not given
  type: int
  sample: 95
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api as api


def main():
    module = AnsibleModule(
        argument_spec=api.argument_spec(
            id=dict(type='str'),
            search=dict(type='str'),
            limit=dict(type='int', default=100),
            offset=dict(type='int', default=1),
            all_pages=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('id', 'search'), ('id', 'all_pages'), ('offset', 'all_pages')],
        supports_check_mode=True,
    )
    client = api.connect(module)
    p = module.params
    try:
        if p['id'] is not None:
            module.exit_json(changed=False, messages=[client.get(p['id']).as_dict()])
        if p['all_pages']:
            messages = list(client.iter_messages(search=p['search'], page_size=p['limit']))
            total = len(messages)
        else:
            page = client.list(limit=p['limit'], offset=p['offset'], search=p['search'])
            messages, total = page.items, page.total_records
    except api.GoSMSError as exc:
        api.fail(module, exc, changed=False)
    module.exit_json(changed=False, messages=[m.as_dict() for m in messages], total_records=total)


if __name__ == '__main__':
    main()
