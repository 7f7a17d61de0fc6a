# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

import pytest
from ansible.module_utils.common.yaml import yaml_load
from ansible_collections.gosms.sms.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api
from ansible_collections.gosms.sms.plugins.modules import send
from gosms import validation
from gosms.errors import TABLE, APIError, TransportError, ValidationError


@pytest.mark.parametrize('option, core', [
    ('invalid_chars', validation.INVALID_CHARS_CHOICES),
    ('long_message', validation.LONG_MESSAGE_CHOICES),
])
def test_documented_choices_are_the_libraries(option, core):
    documented = yaml_load(send.DOCUMENTATION)['options'][option]['choices']
    assert documented == list(core)
    assert gosms_api.choices(option, send.DOCUMENTATION) == list(core)


def test_choices_fall_back_to_the_documentation_without_gosms(monkeypatch):
    monkeypatch.setattr(gosms_api, 'HAS_GOSMS', False)
    assert gosms_api.choices('long_message', send.DOCUMENTATION) == list(validation.LONG_MESSAGE_CHOICES)


def test_connection_options_are_documented():
    documented = yaml_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = gosms_api.connection_argument_spec()
    assert set(spec) == set(documented)
    assert spec['api_token']['no_log'] is True


@pytest.mark.parametrize('code', sorted(TABLE))
def test_api_error_details_come_from_the_table(code):
    details = gosms_api.error_details(APIError(code, 'server text'))
    assert details['error_code'] == code
    assert details['description'] == TABLE[code].description
    assert details['remedy'] == TABLE[code].remedy


def test_validation_error_names_its_field():
    with pytest.raises(ValidationError) as caught:
        validation.check_phone('12')
    details = gosms_api.error_details(caught.value)
    assert details['error_code'] == caught.value.code
    assert details['field'] == caught.value.field


def test_transport_error_says_whether_it_may_have_been_sent():
    details = gosms_api.error_details(TransportError('no answer', sent=True))
    assert details == {'error_type': 'TransportError', 'maybe_sent': True}
