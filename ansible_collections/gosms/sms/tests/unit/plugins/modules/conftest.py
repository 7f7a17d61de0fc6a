# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""Run a module's main() in-process with given arguments, against the emulator."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


def _exit_json(self, **result):
    raise ModuleExit(result, failed=False)


def _fail_json(self, msg, **result):
    raise ModuleExit(dict(result, msg=msg), failed=True)


@pytest.fixture
def run_module(monkeypatch, emulator):
    """``run_module(module, args, check_mode=False, connect=True) -> ModuleExit``.

    exit_json/fail_json would end the process (they print JSON and exit, which is how a module
    answers Ansible); they are replaced by an exception that carries the result.
    """
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)

    def run(module, args, check_mode=False, connect=True):
        args = dict(args)
        if connect:
            args.setdefault('api_token', emulator.token)
            args.setdefault('api_url', emulator.url)
        if check_mode:
            args['_ansible_check_mode'] = True
        with patch_module_args(args), pytest.raises(ModuleExit) as caught:
            module.main()
        assert emulator.token not in repr(caught.value.result)
        return caught.value

    return run
