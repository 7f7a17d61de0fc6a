# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The collection's HTTP transport: one request over Ansible's own client, and a sleep.

Modules run on managed hosts that have neither gosms-ops nor ``requests``, so requests go through
``ansible.module_utils.urls`` — the client ``ansible.builtin.uri`` uses, with the proxies,
``validate_certs``, ``ca_path`` and client certificates users already know from it.  Everything
else (retries, de-duplicated sends, the account's rate budget, what an answer means) is the core's,
in the generated copy under ``_gosms``: this file only performs what a flow asks for.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
from urllib.parse import urlsplit

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import Request as HTTPClient
from ansible_collections.gosms.sms.plugins.module_utils._gosms import flows
from ansible_collections.gosms.sms.plugins.module_utils._gosms.budget import NO_TURN, for_account, wait_for_turn
from ansible_collections.gosms.sms.plugins.module_utils._gosms.config import redact_error
from ansible_collections.gosms.sms.plugins.module_utils._gosms.errors import GoSMSError
from ansible_collections.gosms.sms.plugins.module_utils._gosms.http_stdlib import read_answer, urllib_failure
from ansible_collections.gosms.sms.plugins.module_utils._gosms.protocol import USER_AGENT, Response

DEFAULT_TIMEOUT = 20.0
"""Seconds for each connect and each read: finite, so a dead gateway never hangs a play."""


def _failure(exc, host):
    """A transport failure, and whether the request may have reached the server: the core's reading
    of urllib's failures, with Ansible's own errors and its certificate options worded here."""
    if isinstance(exc, UrlsConnectionError):  # proxy or TLS set-up, before anything was sent
        return flows.Failure(f'Could not connect to {host}: {exc}', sent=False)
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, ssl.SSLCertVerificationError):
        return flows.Failure(f'The TLS certificate of {host} is not trusted ({exc.reason.verify_message}): set '
                             'ca_path to the CA that signed it, or validate_certs to false for a test server.',
                             sent=False)
    return urllib_failure(exc, host)


class Transport:
    """Performs the calls and sleeps of the core's flows for one account (API address and token)."""

    def __init__(self, api_url, token, policy, timeout=None, validate_certs=True, ca_path=None,
                 client_cert=None, client_key=None, use_proxy=True):
        self.api_url = api_url
        self.token = token
        self.policy = policy
        self._host = urlsplit(api_url).netloc
        # The account's budget on this host, shared with every other fork and process using it.
        self._budget = for_account(api_url, token)
        # The token travels in the request's own Authorization header: no netrc, no cookies kept.
        self._http = HTTPClient(timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                                validate_certs=validate_certs, ca_path=ca_path, client_cert=client_cert,
                                client_key=client_key, use_proxy=use_proxy, http_agent=USER_AGENT,
                                follow_redirects='none', use_netrc=False)

    def perform(self, request, not_after=None):
        """One request in the account's turn: the core's Response, or a Failure saying whether it may
        have been sent (``not_after``: the latest start worth waiting for, on the budget's clock)."""
        if not wait_for_turn(self._budget, request.endpoint.name, not_after):
            return flows.Failure(NO_TURN, sent=False, rate_limited=True)
        answer = self._exchange(request)
        if isinstance(answer, Response):
            self._budget.observe(request.endpoint.name, answer.status, answer.headers)
        return answer

    def _exchange(self, request):
        return read_answer(lambda: self._http.open(request.method, request.url, data=request.body,
                                                   headers=dict(request.headers)),
                           self._host, _failure, (UrlsConnectionError,))

    def run(self, flow):
        """Drive a flow to its result; errors leave with the token masked in their text."""
        try:
            return flows.drive(flow, self.perform, time.sleep)
        except GoSMSError as exc:
            redact_error(exc, self.token)
            raise
