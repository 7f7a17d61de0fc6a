# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""What every gosms.sms module shares: connection options, the core's client, and failures worded for Ansible.

All GoSMS knowledge (codes, texts, remedies, input rules, retries, the rate budget) comes from the
core's generated copy under ``_gosms``; this file translates between it and Ansible's idioms,
including words: a failure names the module option that fixes it, never a CLI flag.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback
from ansible_collections.gosms.sms.plugins.module_utils import transport
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import config, errors, outcomes, validation

# Modules, not names: AnsiballZ probes every name imported from a module as a possible sub-module.
GoSMSError = errors.GoSMSError
plan_send = outcomes.plan_send

__all__ = [
    'CHOICES',
    'GoSMSError',
    'RouteError',
    'argument_spec',
    'connect',
    'connection_argument_spec',
    'error_details',
    'fail',
    'failure_message',
    'hint_text',
    'is_not_found',
    'parse_routes',
    'plan_send',
    'sentence',
]

CHOICES = dict(invalid_chars=list(validation.INVALID_CHARS_CHOICES), long_message=list(validation.LONG_MESSAGE_CHOICES))
"""The choices of send's text options, from the core (a unit test keeps the documentation equal)."""

NO_TOKEN = ('No GoSMS token: set the api_token option (for every gosms.sms task of a play at once with '
            'module_defaults for group/gosms.sms.gosms), or GOSMS_TOKEN in the environment of the host that '
            'runs the task. The token is under API Integration in the GoSMS control panel.')

# What to do about failures that carry no GoSMS code, in the words of a playbook.
REMEDIES = (
    (errors.RateLimitError, 'Fewer requests at once from this account: send to many numbers in one task, or '
                            'limit the hosts sending at once with throttle on the task or serial on the play.'),
    (errors.TransportError, 'Check that the host running the task reaches the API (DNS, firewall, the proxy '
                            'named by https_proxy), and api_url.'),
    (errors.ProtocolError, 'Something other than the GoSMS API answered (a proxy, a captive portal or a wrong '
                           'address): check api_url.'),
)


# The options that set each of the core's settings (by the names of gosms.wire.hints.Setting, so the
# hints load only when one is worded), in order of preference: a hint names the first one the module
# (or plugin) has, and nothing where it has none.
SETTING_OPTIONS = {
    'TOKEN': ('api_token',),
    'API_URL': ('api_url',),
    'ALLOW_INSECURE_HTTP': ('allow_insecure_http',),
    'RECIPIENT': ('to',),
    'NORMALIZE': ('normalize',),
    'MESSAGE': ('msg',),
    'INVALID_CHARS': ('invalid_chars',),
    'LONG_MESSAGE': ('long_message',),
    'DEVICE_ID': ('device_id', 'id'),
    'TO_SIM': ('to_sim',),
    'CALLBACK_ID': ('callback_id',),
    'MESSAGE_ID': ('id',),
    'LIMIT': ('limit',),
    'OFFSET': ('offset',),
    'IS_ACTIVE': ('state',),
    'TIMEOUT': ('timeout',),
}


def hint_text(hint, options):
    """The core's hint as a sentence naming one of ``options`` (a module's or plugin's option names)."""
    if hint is None:
        return ''
    option = next((name for name in SETTING_OPTIONS.get(hint.setting.name, ()) if name in options), None)
    if option is None:
        return ''
    if hint.value is None:
        return f'Check the {option} option.'
    from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.hints import ON

    return f"Or set {option}: {'true' if hint.value == ON else hint.value}."


def connection_argument_spec():
    """The options of the gosms.sms.connection doc fragment."""
    return dict(
        api_token=dict(type='str', no_log=True, fallback=(env_fallback, ['GOSMS_TOKEN'])),
        api_url=dict(type='str', fallback=(env_fallback, ['GOSMS_API_URL'])),
        allow_insecure_http=dict(type='bool', default=False),
        timeout=dict(type='float'),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        client_cert=dict(type='path'),
        client_key=dict(type='path'),
        use_proxy=dict(type='bool', default=True),
    )


def argument_spec(**options):
    """The connection options plus the module's own."""
    spec = connection_argument_spec()
    spec.update(options)
    return spec


def connect(module):
    """The core's client for the connection options; a configuration problem fails the task."""
    params = module.params
    if not params['api_token'] and not os.environ.get(config.ENV_TOKEN_FILE):
        module.fail_json(msg=NO_TOKEN, error_type='ConfigError')
    try:
        return transport.open_client(**dict((name, params[name]) for name in connection_argument_spec()))
    except errors.GoSMSError as exc:
        fail(module, exc)


def is_not_found(exc):
    """True when the API said the thing asked about does not exist."""
    return isinstance(exc, errors.APIError) and exc.info.category is errors.Category.NOT_FOUND


def error_details(exc):
    """Result keys describing a gosms error: code, description and remedy, whatever failed.

    API errors take theirs from the core's one table.  A failure without a GoSMS code (the rate
    limit outlasting the deadline, an unreachable API, a proxy answering) carries its HTTP status
    as ``error_code`` where there is one, its sentence as ``description`` and what to do as ``remedy``.
    """
    if isinstance(exc, errors.APIError):
        details = exc.as_dict()
        if isinstance(exc, errors.ValidationError):
            details['field'] = exc.field
        return details
    details = dict(error_type=type(exc).__name__, description=str(exc))
    if isinstance(exc, errors.RateLimitError):
        details['http_status'] = 429
    http_status = getattr(exc, 'http_status', None)
    if http_status is not None:
        details['http_status'] = http_status
    if 'http_status' in details:
        details['error_code'] = details['http_status']
    if isinstance(exc, errors.TransportError):
        details['maybe_sent'] = bool(exc.sent)
    remedy = next((text for kind, text in REMEDIES if isinstance(exc, kind)), None)
    if remedy is not None:
        details['remedy'] = remedy
    return details


def sentence(exc, options):
    """The error's sentence, ending in what to do, its hint naming one of ``options``."""
    hint = hint_text(getattr(exc, 'hint', None), options)
    if isinstance(exc, errors.APIError):
        return exc.sentence(hint)
    text = str(exc)
    remedy = error_details(exc).get('remedy')
    if remedy:
        text = f"{text if text.endswith('.') else text + '.'} Fix: {remedy}"
    return f'{text} {hint}' if hint else text


def failure_message(bulk, options):
    """The msg of a send that failed for some numbers: each refusal said once, with who got the text.

    A refusal every number shares (a dead token, a blocked account, the quota) is the whole story,
    told like any other failure; numbers refused for the same reason are named together.
    """
    refusals = {}
    for recipient in bulk.failed:
        refusals.setdefault(sentence(recipient.error, options), []).append(recipient.phone_number)
    if not bulk.sent and len(refusals) == 1 and outcomes.refused_for_all(bulk.failed[0].error):
        return next(iter(refusals))
    said = ' '.join(f"{', '.join(numbers)}: {text if text.endswith('.') else text + '.'}"
                    for text, numbers in refusals.items())
    if not bulk.sent:
        return f'Not sent to: {said}'
    return f"Sent to: {', '.join(r.phone_number for r in bulk.sent)}. Not sent to: {said}"


def fail(module, exc, msg=None, **result):
    """Fail the task with a gosms error's sentence (or ``msg``) and its decoded details."""
    details = error_details(exc)
    details.update(result)
    module.fail_json(msg=msg or sentence(exc, module.argument_spec), **details)


ROUTE_FORMS = 'each entry is DEVICE or DEVICE:SIM, or a dictionary with device_id and optionally to_sim'


class RouteError(Exception):
    """A routes entry refused before any request: which one, and why (the core's error, with the
    API's own code, when the device id or SIM is at fault)."""

    def __init__(self, position, value, error=None, reason=''):
        super().__init__(f'Entry {position} of routes ({value!r}): ' + (
            error.sentence(f'Check the routes option: {ROUTE_FORMS}.') if error is not None
            else f'{reason}; {ROUTE_FORMS}.'))
        self.error = error


def parse_routes(values):
    """The ``routes`` option as the core's routes, in order, each checked with the API's own codes.

    An entry is a string (``DEVICE`` or ``DEVICE:SIM``, as ``gosms send --via`` takes it) or a
    dictionary with ``device_id`` and optionally ``to_sim``; Ansible's argument_spec declares the
    list (elements raw, since it holds both forms) and the core decides what a route is.
    """
    if not values:
        return []
    # Loaded only when routes are given: a module compiles every file it imports on each run.
    from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire.routes import Route, parse_route

    routes = []
    for position, value in enumerate(values, start=1):
        if isinstance(value, dict):
            unknown = sorted(set(value) - {'device_id', 'to_sim'})
            if unknown:
                raise RouteError(position, value, reason=f"unknown key {', '.join(unknown)}")
        elif not isinstance(value, str):
            raise RouteError(position, value, reason='neither text nor a dictionary')
        try:
            if isinstance(value, dict):
                device_id = validation.check_device_id(value.get('device_id'))
                sim = value.get('to_sim')
                routes.append(Route(device_id, None if sim is None else validation.check_to_sim(sim, device_id)))
            else:
                routes.append(parse_route(value))
        except errors.ValidationError as exc:
            raise RouteError(position, value, exc) from None
    return routes
