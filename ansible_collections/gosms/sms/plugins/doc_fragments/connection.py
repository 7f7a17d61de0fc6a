# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations


class ModuleDocFragment:

    # The connection options every gosms.sms module takes.
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - The GoSMS API token, from API Integration in the GoSMS control panel.
      - If not set, the E(GOSMS_TOKEN) environment variable is used; failing that, the gosms library
        also reads a token file named by E(GOSMS_TOKEN_FILE).
      - Never logged or returned.
    type: str
  api_url:
    description:
      - Base URL of the GoSMS API.
      - If not set, the E(GOSMS_API_URL) environment variable is used; failing that, the public GoSMS API.
      - Plain C(http://) is accepted only for an address on the same machine (such as the gosms emulator),
        so the token never crosses a network unencrypted.
    type: str
  timeout:
    description:
      - Seconds to wait for each HTTP request to connect and to answer.
      - If not set, the gosms library's own connect and read timeouts apply.
    type: float
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
      - Set to V(false) only for a test server with a self-signed certificate.
    type: bool
    default: true
requirements:
  - gosms-ops (the gosms Python library, installed on the host that runs the module)
"""

    # Attributes every gosms.sms module shares: it runs anywhere and belongs to the action group
    # group/gosms.sms.gosms, so module_defaults can set the token once for all of them. Modules list
    # this fragment before ansible.builtin.action_common_attributes, whose descriptions it keeps:
    # when fragments merge, an earlier fragment's values win.
    ATTRIBUTES = r"""
attributes:
  platform:
    platforms: all
  action_group:
    support: full
    membership:
      - gosms.sms.gosms
"""

    # Modules that only read from GoSMS.
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    details: Read-only; reads the same in check mode.
  diff_mode:
    support: none
"""
