# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""Run a module's main() in-process with given arguments and a stand-in gosms client."""

from __future__ import annotations

from unittest import mock

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
def run_module(monkeypatch):
    """``run_module(module, args, client=..., check_mode=False) -> ModuleExit``."""
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)

    def run(module, args, client=None, check_mode=False):
        args = dict(args)
        args.setdefault('api_token', 'unit-test-token')
        if check_mode:
            args['_ansible_check_mode'] = True
        factory = mock.Mock(return_value=client if client is not None else mock.Mock())
        with patch_module_args(args), mock.patch('gosms.Client', factory), pytest.raises(ModuleExit) as caught:
            module.main()
        caught.value.client_factory = factory
        return caught.value

    return run
