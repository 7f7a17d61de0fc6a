"""The short-lived commands' HTTP transport: one request over the standard library's ``urllib``.

``gosms send``, ``check_gosms`` and ``notify_gosms`` live for one request or a few.  Loading
requests costs such a process more CPU than everything else it does (≈0.1 s, and a CA bundle
read); in an alert storm, 200 notification commands at once would spend 20 CPU-seconds on it
while their turns to send go by.  ``urllib.request`` is what Ansible's ``open_url`` wraps too: it
honours the usual ``https_proxy``/``no_proxy`` variables and verifies certificates against the
system's CA store (``SSL_CERT_FILE`` overrides it, as for OpenSSL).  Redirects are not followed:
an API address that redirects is a misconfiguration to report, not to chase with the token.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from typing import IO, Any, Callable, Optional, Union

from ..wire.flows import Failure
from ..wire.protocol import Request, Response

__all__ = ["StdlibHTTP", "read_answer", "urllib_failure", "urllib_timeout"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx comes back as the answer it is (the flows report it), never followed."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


def urllib_failure(exc: BaseException, host: str) -> Failure:
    """A failure of urllib, and whether the request may have reached the server.

    urllib wraps what fails while connecting and sending in ``URLError``; what fails while waiting
    for the answer (a timeout, a reset) comes through as it is, after the request went out.  The
    gosms.sms collection's transport (over Ansible's urllib client) reads its failures here too,
    and words only the certificate case with its own options.
    """
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            return Failure(f"The TLS certificate of {host} is not trusted ({reason.verify_message}).", sent=False)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return Failure(f"Timed out connecting to {host}.", sent=False)
        return Failure(f"Could not connect to {host} ({reason}).", sent=False)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return Failure(f"{host} did not answer in time.", sent=True)
    return Failure(f"The connection to {host} broke before an answer arrived ({type(exc).__name__}).", sent=True)


def urllib_timeout(timeout: Union[float, tuple[float, float]]) -> float:
    """urllib has one timeout, for the connect and each read: the client's read timeout, which
    bounds how long an answer is waited for (a connect is the shorter wait anyway)."""
    return timeout[1] if isinstance(timeout, tuple) else timeout


def read_answer(open_answer: Callable[[], Any], host: str,
                failure: Callable[[BaseException, str], Failure] = urllib_failure,
                errors: tuple[type[BaseException], ...] = ()) -> Union[Response, Failure]:
    """What a urllib request opened by ``open_answer`` got: the core's Response, or its Failure.

    A 3xx-5xx status is an answer too (the API's errors come so).  ``failure`` reads what went
    wrong, and ``errors`` adds the opener's own exceptions to urllib's: the collection's transport
    (Ansible's urllib client) passes its own.
    """
    caught: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException, *errors)
    try:
        with open_answer() as answer:
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read() if exc.fp is not None else b""
        except caught as lost:
            return failure(lost, host)
        return Response(exc.code, dict(exc.headers or {}), body)
    except caught as exc:
        return failure(exc, host)


class StdlibHTTP:
    """``exchange`` one request; ``verify`` as in requests (False, or a CA file), the system's CAs by default."""

    def __init__(self, *, verify: Union[bool, str] = True) -> None:
        context: Optional[ssl.SSLContext] = None
        if verify is False:  # asked for: a test server with a certificate of its own
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(verify, str):
            context = ssl.create_default_context(cafile=verify)
        self._use(context)

    def _use(self, context: Optional[ssl.SSLContext]) -> None:
        self._context = context
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)

    def exchange(self, request: Request, host: str, timeout: Union[float, tuple[float, float]]
                 ) -> Union[Response, Failure]:
        """One request.  The system's CAs are read once, at the first https request, and kept:
        urllib's default would read them again for every connection (about 20 ms of CPU each)."""
        if self._context is None and request.url.lower().startswith("https:"):
            self._use(ssl.create_default_context())
        wire = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers),
                                      method=request.method)
        seconds = urllib_timeout(timeout)
        return read_answer(lambda: self._opener.open(wire, timeout=seconds), host)

    def close(self) -> None:
        """Nothing kept open: each exchange has its own connection."""
