# Copyright (c) gosms-ops contributors
# MIT License (see https://opensource.org/licenses/MIT)
"""The collection's HTTP transport: one request over Ansible's own client.

Modules run on managed hosts that have neither gosms-ops nor ``requests``, so requests go through
``ansible.module_utils.urls``, the client ``ansible.builtin.uri`` uses, with the proxies,
``validate_certs``, ``ca_path`` and client certificates users already know from it.  Everything
else (retries, de-duplicated sends, the account's rate budget, what an answer means, the token
masked in errors) is the core's client, in the generated copy under ``_gosms``: this file only
carries one request and words Ansible's own failures.
"""

from __future__ import annotations

import ssl
import urllib.error

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import Request

try:
    from ansible.module_utils.urls import make_context
except ImportError:  # pragma: no cover - an ansible-core without it: each request builds its own
    make_context = None
from ansible_collections.gosms.sms.plugins.module_utils._gosms.clients import base
from ansible_collections.gosms.sms.plugins.module_utils._gosms.transports import stdlib
from ansible_collections.gosms.sms.plugins.module_utils._gosms.wire import flows, protocol, retry

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
    return stdlib.urllib_failure(exc, host)


class OpenURL:
    """The core client's transport (``exchange`` and ``close``) over ``ansible.module_utils.urls``."""

    def __init__(self, validate_certs=True, ca_path=None, client_cert=None, client_key=None, use_proxy=True):
        # The token travels in the request's own Authorization header: no netrc, no cookies kept.
        options = dict(validate_certs=validate_certs, ca_path=ca_path, client_cert=client_cert,
                       client_key=client_key, use_proxy=use_proxy, http_agent=protocol.USER_AGENT,
                       follow_redirects='none', use_netrc=False)
        # One TLS context for every request of the task, made before the first one claims its
        # start in the account's rate budget.  Left to Request, each request loads the system's CAs
        # anew (about 15 ms of CPU) between its turn and the moment it leaves: fifty recipients
        # spent 0.7 s on it, and a late first request let the eleventh arrive within the same
        # second at the server (429, then the budget's rate is cut).  Where this ansible-core
        # cannot take the context, or the options fail to make one, Request does as before (and
        # reports any certificate problem per request, in the task's words).
        self._http = None
        if make_context is not None:
            try:
                context = make_context(cafile=ca_path, validate_certs=validate_certs, client_cert=client_cert,
                                       client_key=client_key)
                self._http = Request(context=context, **options)
            except Exception:  # pylint: disable=broad-except  # the per-request path reports it
                pass
        if self._http is None:
            self._http = Request(**options)

    def exchange(self, request, host, timeout):
        """The server's answer, or a Failure saying whether the request may have arrived."""
        seconds = stdlib.urllib_timeout(timeout)
        return stdlib.read_answer(lambda: self._http.open(request.method, request.url, data=request.body,
                                                          headers=dict(request.headers), timeout=seconds),
                                  host, _failure, (UrlsConnectionError,))

    def close(self):
        """Nothing is kept open between requests."""


def open_client(api_token, api_url=None, allow_insecure_http=False, timeout=None, **http):
    """The core's client for a token and an address, over Ansible's HTTP client.

    The core's defaults and environment variables apply; ``http`` goes to :class:`OpenURL`
    (certificates, proxy).  Raises the core's ConfigError for a missing token or an unsafe
    address, before any request.
    """
    return base.BaseClient(api_token or None, api_url=api_url or None, allow_insecure_http=allow_insecure_http,
                           timeout=DEFAULT_TIMEOUT if timeout is None else timeout, retry=retry.RetryPolicy(),
                           transport=OpenURL(**http))
