# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)

from __future__ import annotations

import pytest
from ansible.module_utils.common.yaml import yaml_load
from ansible_collections.gosms.sms.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.gosms.sms.plugins.module_utils import gosms_api
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import validation
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.errors import (
    TABLE,
    APIError,
    ProtocolError,
    RateLimitError,
    TransportError,
    ValidationError,
)
from ansible_collections.gosms.sms.plugins.modules import send


@pytest.mark.parametrize('option, core', [
    ('invalid_chars', validation.INVALID_CHARS_CHOICES),
    ('long_message', validation.LONG_MESSAGE_CHOICES),
])
def test_documented_choices_are_the_cores(option, core):
    documented = yaml_load(send.DOCUMENTATION)['options'][option]['choices']
    assert documented == list(core) == gosms_api.CHOICES[option]


def test_connection_options_are_documented():
    documented = yaml_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = gosms_api.connection_argument_spec()
    assert set(spec) == set(documented)
    assert spec['api_token']['no_log'] is True
    for name, option in spec.items():
        assert option.get('default') == documented[name].get('default'), name
        assert option['type'] == documented[name]['type'], name


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


@pytest.mark.parametrize('error, code, maybe_sent', [
    (RateLimitError('GoSMS rate limit hit (HTTP 429 Too Many Requests).'), 429, False),
    (TransportError('The connection broke before an answer arrived.', sent=True), None, True),
    (ProtocolError('GoSMS answered HTTP 502 with a non-GoSMS body: <html>', http_status=502), 502, None),
])
def test_every_failure_has_a_description_and_a_remedy(error, code, maybe_sent):
    details = gosms_api.error_details(error)
    assert details.get('error_code') == code
    assert details['description'] == str(error)
    assert details['remedy']
    assert details.get('maybe_sent') is maybe_sent
    assert details['error_type'] == type(error).__name__
