#!/usr/bin/python
# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

DOCUMENTATION = r"""
module: device
short_description: Activate, deactivate or remove a phone in GoSMS
version_added: 0.1.0
description:
  - Makes a phone registered with GoSMS active (it sends messages), inactive (it does not),
    or removes it from the account.
  - Reads the phone first and changes it only when it is not already as asked.
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
  diff_mode:
    support: full
options:
  id:
    description:
      - The phone's device id, as shown under its name in My Devices in the control panel, such as
        V(6622a8bbd963898821ebf934) (a 24-hex id, as the English device page gives it; a lowercase UUID,
        as the Russian page shows, is accepted too).
    type: str
    required: true
  state:
    description:
      - V(active) lets the phone send messages; V(inactive) stops it.
      - V(absent) removes the phone from the account; a phone already gone is not an error.
    type: str
    choices: [active, inactive, absent]
    default: active
seealso:
  - module: gosms.sms.device_info
"""

EXAMPLES = r"""
# The token comes from api_token, module_defaults for group/gosms.sms.gosms, or GOSMS_TOKEN where the task runs.
- name: Take the spare phone out of rotation
  gosms.sms.device:
    id: 6622a8bbd963898821ebf934
    state: inactive
  run_once: true

- name: Remove a phone that was given away
  gosms.sms.device:
    id: 65bbdaba833da513a46d3622
    state: absent
  run_once: true
"""

RETURN = r"""
device:
  description:
    - The phone as read before the change, with C(is_active) as it is after it.
    - See M(gosms.sms.device_info) for the keys.
  returned: unless O(state=absent)
  type: dict
  sample: {"device_id": "6622a8bbd963898821ebf934", "is_active": false, "battery": 57}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api as api


def describe(device):
    """The view of a phone that diffs compare."""
    if device is None:
        return dict(state='absent')
    return dict(state='active' if device['is_active'] else 'inactive', is_active=device['is_active'])


def main():
    module = AnsibleModule(
        argument_spec=api.argument_spec(
            id=dict(type='str', required=True),
            state=dict(type='str', default='active', choices=['active', 'inactive', 'absent']),
        ),
        supports_check_mode=True,
    )
    client = api.connect(module)
    device_id, state = module.params['id'], module.params['state']
    try:
        try:
            before = client.device(device_id).as_dict()
        except api.GoSMSError as exc:
            if not (state == 'absent' and api.is_not_found(exc)):
                raise
            before = None

        after = None if state == 'absent' else dict(before, is_active=(state == 'active'))
        changed = describe(before) != describe(after)

        if changed and not module.check_mode:
            if after is None:
                client.delete_device(device_id)
            else:
                client.set_device_active(device_id, after['is_active'])
    except api.GoSMSError as exc:
        api.fail(module, exc, changed=False)

    result = dict(changed=changed, diff=dict(before=describe(before), after=describe(after)))
    if after is not None:
        result['device'] = after
    module.exit_json(**result)


if __name__ == '__main__':
    main()
