# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The documentation a user pastes from: examples are tasks, with ids the API accepts."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.yaml import yaml_load
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import validation
from ansible_collections.gosms.sms.plugins.module_utils.gosms_api import parse_routes
from ansible_collections.gosms.sms.plugins.modules import device, device_info, message_info, send

MODULES = [send, message_info, device, device_info]


def tasks(tree):
    """Every task of an example list, blocks opened."""
    for task in tree:
        yield task
        yield from tasks(task.get('block', []))


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_examples_are_named_tasks_not_plays(module):
    examples = yaml_load(module.EXAMPLES)
    assert isinstance(examples, list) and examples
    for task in examples:
        assert 'hosts' not in task and 'tasks' not in task
        assert task.get('name')


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_examples_use_ids_the_api_accepts(module):
    checked = 0
    for task in tasks(yaml_load(module.EXAMPLES)):
        for name in ('gosms.sms.device', 'gosms.sms.device_info'):
            if name in task:
                # The English device page reads the phone from "id": a 24-hex ObjectID.
                assert validation.check_message_id(task[name]['id']) == task[name]['id']
                checked += 1
        if 'device_id' in task.get('gosms.sms.send', {}):
            assert validation.check_device_id(task['gosms.sms.send']['device_id'])
            checked += 1
        if 'routes' in task.get('gosms.sms.send', {}):
            assert len(parse_routes(task['gosms.sms.send']['routes'])) == len(task['gosms.sms.send']['routes'])
            checked += 1
    assert checked or module in (message_info,)


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_authors_are_traceable(module):
    assert all('!UNKNOWN' not in author for author in yaml_load(module.DOCUMENTATION)['author'])
