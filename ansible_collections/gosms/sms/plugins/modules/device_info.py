#!/usr/bin/python
# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

DOCUMENTATION = r"""
module: device_info
short_description: Read the state of a phone registered with GoSMS
version_added: 0.1.0
description:
  - Reads one phone's battery, charging, active flag and last contact, and says whether it is online
    (its regular heartbeat is not overdue) and whether its battery is low while not charging.
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
      - The phone's device id, as shown under its name in My Devices in the control panel, such as
        V(6622a8bbd963898821ebf934) (a 24-hex id, as the English device page gives it; a lowercase UUID,
        as the Russian page shows, is accepted too).
    type: str
    required: true
seealso:
  - module: gosms.sms.device
"""

EXAMPLES = r"""
# The token comes from api_token, module_defaults for group/gosms.sms.gosms, or GOSMS_TOKEN where the task runs.
- name: Read the alerting phone
  gosms.sms.device_info:
    id: 6622a8bbd963898821ebf934
  register: phone

- name: Complain when it cannot send
  ansible.builtin.fail:
    msg: "The alerting phone is offline (last seen {{ phone.device.seconds_since_seen }} s ago)"
  when: not phone.device.online
"""

RETURN = r"""
device:
  description: The phone.
  returned: success
  type: dict
  contains:
    device_id:
      description: The phone's id.
      type: str
    name:
      description: The phone's name, as the app reports it.
      type: str
      sample: Poco M3
    battery:
      description: Battery charge in percent, if reported.
      type: int
      sample: 57
    is_active:
      description: Whether the phone is active (sends messages).
      type: bool
    is_charging:
      description: Whether the phone is charging.
      type: bool
    last_online:
      description: When the phone last reported to GoSMS, ISO 8601 in UTC.
      type: str
      sample: "2024-02-01T17:54:02.668000+00:00"
    seconds_since_seen:
      description: Seconds since RV(device.last_online).
      type: float
    online:
      description: Whether the phone reported recently enough to pick up a message now.
      type: bool
    battery_low:
      description: Whether the battery is low and the phone is not charging.
      type: bool
    name_type:
      description: The kind of name the app reports.
      type: str
    low_battery_alert:
      description: The phone's low battery alert setting, if reported.
      type: bool
    to_sim:
      description: The SIM slot the phone sends from by default, if reported.
      type: int
    sims:
      description: The phone's SIM cards, if reported.
      type: list
      elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api as api


def main():
    module = AnsibleModule(
        argument_spec=api.argument_spec(id=dict(type='str', required=True)),
        supports_check_mode=True,
    )
    client = api.connect(module)
    try:
        device = client.device(module.params['id'])
    except api.GoSMSError as exc:
        api.fail(module, exc, changed=False)
    module.exit_json(changed=False, device=device.as_dict())


if __name__ == '__main__':
    main()
