# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""What every gosms.sms module shares: connection options, the client, and error reporting.

All GoSMS knowledge (codes, texts, remedies, input rules) comes from the ``gosms`` library
(``pip install gosms-ops``); this file only translates between it and Ansible's idioms.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

try:
    import gosms
    from gosms.errors import APIError, Category, GoSMSError, TransportError, ValidationError
    from gosms.outcomes import plan_send
    from gosms.validation import INVALID_CHARS_CHOICES, LONG_MESSAGE_CHOICES
except ImportError:
    HAS_GOSMS = False
    GOSMS_IMPORT_ERROR = traceback.format_exc()
    gosms = None
    # The module stops with missing_required_lib() before using any of these; they only let
    # tools that read the argument spec without gosms installed (ansible-test) build it.
    APIError = Category = GoSMSError = TransportError = ValidationError = plan_send = None
    INVALID_CHARS_CHOICES = LONG_MESSAGE_CHOICES = None
else:
    HAS_GOSMS = True
    GOSMS_IMPORT_ERROR = None

REQUIREMENT = 'gosms-ops'

__all__ = [
    'HAS_GOSMS',
    'GoSMSError',
    'argument_spec',
    'choices',
    'client',
    'connection_argument_spec',
    'error_details',
    'fail',
    'is_not_found',
    'plan_send',
    'require_gosms',
]


def connection_argument_spec():
    """The options of the gosms.sms.connection doc fragment."""
    return dict(
        api_token=dict(type='str', no_log=True, fallback=(env_fallback, ['GOSMS_TOKEN'])),
        api_url=dict(type='str', fallback=(env_fallback, ['GOSMS_API_URL'])),
        timeout=dict(type='float'),
        validate_certs=dict(type='bool', default=True),
    )


def argument_spec(**options):
    """The connection options plus the module's own."""
    spec = connection_argument_spec()
    spec.update(options)
    return spec


def choices(option, documentation):
    """The choices of a send option, from the gosms library.

    Without gosms the module can only report missing_required_lib(); the choices it documents then
    stand in, so that tools reading the argument spec there (ansible-test) see the real one. A unit
    test keeps the documented choices equal to the library's.
    """
    if HAS_GOSMS:
        return list(dict(invalid_chars=INVALID_CHARS_CHOICES, long_message=LONG_MESSAGE_CHOICES)[option])
    try:
        from ansible.module_utils.common.yaml import yaml_load

        return yaml_load(documentation)['options'][option]['choices']
    except Exception:  # pylint: disable=broad-except
        return None  # no YAML parser either: only the missing library will be reported


def require_gosms(module):
    """Stop the module with the standard message when the gosms library is missing."""
    if not HAS_GOSMS:
        module.fail_json(msg=missing_required_lib(REQUIREMENT), exception=GOSMS_IMPORT_ERROR)


def client(module):
    """A gosms Client from the connection options; configuration problems fail the module."""
    require_gosms(module)
    params = module.params
    kwargs = dict(api_url=params['api_url'] or None, verify=params['validate_certs'])
    if params['timeout'] is not None:
        kwargs['timeout'] = params['timeout']
    try:
        return gosms.Client(params['api_token'] or None, **kwargs)
    except GoSMSError as exc:
        fail(module, exc)


def is_not_found(exc):
    """True when the API said the thing asked about does not exist."""
    return isinstance(exc, APIError) and exc.info.category is Category.NOT_FOUND


def error_details(exc):
    """Result keys describing a gosms error: code, description and remedy from the one table."""
    if isinstance(exc, APIError):
        details = exc.as_dict()
        if isinstance(exc, ValidationError):
            details['field'] = exc.field
        return details
    details = dict(error_type=type(exc).__name__)
    if isinstance(exc, TransportError):
        details['maybe_sent'] = bool(exc.sent)
    http_status = getattr(exc, 'http_status', None)
    if http_status is not None:
        details['http_status'] = http_status
    return details


def fail(module, exc, msg=None, **result):
    """Fail the task with a gosms error's sentence (or ``msg``) and its decoded details."""
    details = error_details(exc)
    details.update(result)
    module.fail_json(msg=msg or str(exc), **details)
