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
      - If not set, the E(GOSMS_TOKEN) environment variable of the host that runs the task is used;
        failing that, a file named by E(GOSMS_TOKEN_FILE) there.
      - Set it once for every gosms.sms task of a play with C(module_defaults) for the action group
        C(group/gosms.sms.gosms).
      - Never logged or returned.
    type: str
  api_url:
    description:
      - Base URL of the GoSMS API.
      - If not set, the E(GOSMS_API_URL) environment variable is used; failing that, the public GoSMS API.
      - Plain C(http://) is accepted only for an address on the host that runs the task (such as the
        gosms emulator) unless O(allow_insecure_http=true), so the token never crosses a network unencrypted.
    type: str
  allow_insecure_http:
    description:
      - Accept a plain C(http://) O(api_url) on another machine, sending the token unencrypted.
      - Only for a trusted network, such as a TLS-terminating proxy next to the host.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for each HTTP request to connect, and then for each read of its answer.
      - If not set, 20 seconds.
    type: float
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate.
      - Set to V(false) only for a test server with a self-signed certificate; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of the certificate authority that signed the API's certificate, for a server or
        TLS-inspecting proxy that the system's trust store does not know.
    type: path
  client_cert:
    description:
      - A PEM file with the client certificate to present, for a proxy that asks for one.
      - It may include the private key; otherwise set O(client_key) too.
    type: path
  client_key:
    description:
      - A PEM file with the private key of O(client_cert).
    type: path
  use_proxy:
    description:
      - Whether to use the proxy named by the E(https_proxy) and E(http_proxy) environment variables
        of the host that runs the task (and to honour E(no_proxy)).
    type: bool
    default: true
notes:
  - Nothing needs to be installed on the host that runs the task. The modules bring what they need and
    use the Python Ansible uses there, as M(ansible.builtin.uri) does.
  - All tasks of one account on one host share its rate budget (10 requests per second per endpoint), so
    many forks sending at once are paced instead of refused.
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
