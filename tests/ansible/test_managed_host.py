"""The installed tarball on a managed host whose Python has neither gosms-ops nor requests.

The play targets an inventory host (connection local, so no SSH is needed, but its
``ansible_python_interpreter`` is a bare venv) with no ``delegate_to``: the modules run in that
Python, bundled with the core's generated copy, as on any server of a real inventory.  The token
reaches them only through ``module_defaults``, never the environment, as on a remote host.
"""

from __future__ import annotations

BARE_HOST_PLAY = """\
- name: Alert from a managed host
  hosts: vm
  gather_facts: false
  module_defaults:
    group/gosms.sms.gosms:
      api_url: "{{ lookup('ansible.builtin.env', 'GOSMS_TEST_URL') }}"
      api_token: "{{ lookup('ansible.builtin.env', 'GOSMS_TEST_SECRET') }}"
  tasks:
    - name: Text from the host
      gosms.sms.send:
        to: "79990000042"
        msg: "{{ inventory_hostname }}: sent with nothing installed"
        wait: true
        wait_timeout: 30
      register: alert

    - name: Read it back
      gosms.sms.message_info:
        id: "{{ alert.ids[0] }}"

    - name: Take the phone out of rotation
      gosms.sms.device:
        id: "{{ device_id }}"
        state: inactive

    - name: Read the phone
      gosms.sms.device_info:
        id: "{{ device_id }}"
"""


def test_modules_run_on_a_bare_python_from_the_installed_tarball(emulator, ansible, installed_collection,
                                                                  bare_python, tmp_path):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text(f"vm ansible_connection=local ansible_python_interpreter={bare_python}\n", encoding="utf-8")
    run = ansible(BARE_HOST_PLAY, "-e", f"device_id={emulator.device_id}", hosts=inventory, env={
        "ANSIBLE_COLLECTIONS_PATH": str(installed_collection.path),
        "GOSMS_TOKEN": "", "GOSMS_API_URL": "",
        "GOSMS_TEST_URL": emulator.url, "GOSMS_TEST_SECRET": emulator.token,
    })
    assert run.rc == 0, run.output
    (message,) = emulator.messages()
    assert (message["phone_number"], message["message"]) == ("79990000042", "vm: sent with nothing installed")
    alert = run.task("Text from the host")
    assert alert["host"] == "vm"
    assert alert["result"]["results"][0]["delivered"] is True
    assert run.task("Read it back")["result"]["messages"][0]["id"] == message["id"]
    assert run.task("Take the phone out of rotation")["result"]["changed"] is True
    assert run.task("Read the phone")["result"]["device"]["is_active"] is False
    assert emulator.snapshot()["devices"][0]["active"] is False
    assert emulator.token not in run.output
