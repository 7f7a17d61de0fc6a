"""The library's HTTP transport: one request over a ``requests.Session``.

:class:`gosms.Client` uses it unless told otherwise: a long-lived program (a script, a service,
an outbox runner) gets keep-alive connections and requests' own settings (``REQUESTS_CA_BUNDLE``,
proxies, ``verify``).  Everything else (budget, retries, what an answer means) is the client's and
the flows'; this file only turns one :class:`~gosms.wire.protocol.Request` into a
:class:`~gosms.wire.protocol.Response` or a :class:`~gosms.wire.flows.Failure`.
"""

from __future__ import annotations

from typing import Optional, Union

import requests

from ..wire.flows import Failure
from ..wire.protocol import Request, Response

__all__ = ["RequestsHTTP", "classify_requests_error"]


def classify_requests_error(exc: requests.RequestException, host: str) -> Failure:
    """A transport failure, and whether the request may have reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return Failure(f"Timed out connecting to {host}.", sent=False)
    if isinstance(exc, requests.ReadTimeout):
        return Failure(f"{host} did not answer in time.", sent=True)
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "NewConnectionError" in text or "Connection refused" in text or "Name or service" in text:
            return Failure(f"Could not connect to {host} (connection refused or host unknown).", sent=False)
        return Failure(f"The connection to {host} broke before an answer arrived.", sent=True)
    return Failure(f"Request to {host} failed: {type(exc).__name__}.", sent=True)


class RequestsHTTP:
    """``exchange`` one request over a session (this one's own, closed by :meth:`close`, or the caller's)."""

    def __init__(self, *, session: Optional[requests.Session] = None, verify: Union[bool, str] = True) -> None:
        self.verify = verify
        self._own_session = session is None
        self._session = session or requests.Session()

    def exchange(self, request: Request, host: str, timeout: Union[float, tuple[float, float]]
                 ) -> Union[Response, Failure]:
        try:
            answer = self._session.request(request.method, request.url, headers=dict(request.headers),
                                           data=request.body, timeout=timeout, verify=self.verify,
                                           allow_redirects=False)
        except requests.RequestException as exc:
            return classify_requests_error(exc, host)
        return Response(answer.status_code, dict(answer.headers), answer.content)

    def close(self) -> None:
        if self._own_session:
            self._session.close()
