"""The synchronous client: :class:`~gosms.clients.base.BaseClient` over requests by default.

By default requests travel over a ``requests.Session`` (:mod:`gosms.transports.requests_session`: keep-alive,
requests' own settings); a short-lived command passes the standard library's transport
(:mod:`gosms.transports.stdlib`) to start faster.  Everything else (the account's budget, retries,
de-duplication) is in the base class and the flows, the same whichever transport carries them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional, Union

from ..wire.config import Token
from ..wire.retry import DEFAULT_RATE, RetryPolicy
from .base import DEFAULT_TIMEOUT, BaseClient, HTTPTransport

if TYPE_CHECKING:
    import requests

__all__ = ["DEFAULT_TIMEOUT", "Client", "HTTPTransport"]


class Client(BaseClient):
    """GoSMS over HTTP with keep-alive, rate limiting, retries and de-duplicated sends.

    The token comes from ``token``, ``token_file``, ``GOSMS_TOKEN`` or ``GOSMS_TOKEN_FILE``; the
    address from ``api_url`` or ``GOSMS_API_URL``.  Safe to share between threads.

    Requests travel over a ``requests.Session`` (``session`` and ``verify`` are its),
    unless ``transport`` gives another :class:`HTTPTransport`, such as
    :class:`gosms.transports.stdlib.StdlibHTTP` for a process that sends one alert and exits.
    """

    def __init__(
        self,
        token: Union[Token, str, None] = None,
        *,
        api_url: Optional[str] = None,
        token_file: Union[str, os.PathLike[str], None] = None,
        timeout: Union[float, tuple[float, float]] = DEFAULT_TIMEOUT,
        retry: Optional[RetryPolicy] = None,
        rate_limit: float = DEFAULT_RATE,
        session: Optional[requests.Session] = None,
        verify: Union[bool, str] = True,
        allow_insecure_http: bool = False,
        transport: Optional[HTTPTransport] = None,
    ) -> None:
        self.verify = verify
        own = transport is None
        if transport is None:
            from ..transports.requests_session import RequestsHTTP  # loaded only when no lighter transport was given

            transport = RequestsHTTP(session=session, verify=verify)
        try:
            super().__init__(token, transport=transport, api_url=api_url, token_file=token_file, timeout=timeout,
                             retry=retry, rate_limit=rate_limit, allow_insecure_http=allow_insecure_http)
        except BaseException:  # no token, an unsafe address: the session opened here is closed here
            if own:
                transport.close()
            raise

    def __enter__(self) -> Client:
        """The client itself; leaving the ``with`` block closes it."""
        return self
