"""The standard-library transport the short-lived commands use: what it does that requests did for them.

The fault behaviour (lost answers, resets, garbage) runs for both transports in ``test_faults.py``;
here are the parts only this transport decides: a refused connection is known not to have been
sent, a redirect is reported and never followed with the token, and certificate settings reach
the TLS context.
"""

from __future__ import annotations

import socket
import ssl

import pytest
from core_helpers import FAST_RETRY, PHONE, SECRET, api_requests, stored

from gosms import Client, RetryPolicy
from gosms.emulator import Emulator
from gosms.transports.stdlib import StdlibHTTP
from gosms.wire.errors import ProtocolError, TransportError
from gosms.wire.flows import Failure
from gosms.wire.protocol import build_list


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sends_and_reads_like_the_default_transport(emu: Emulator) -> None:
    with Client(SECRET, api_url=emu.url, retry=FAST_RETRY, transport=StdlibHTTP()) as c:
        result = c.send(PHONE, "over urllib")
        assert result.ok and result.ids == [stored(emu, "over urllib")[0]["id"]]
        assert c.get(result.ids[0]).message == "over urllib"
    (request,) = api_requests(emu, "send")
    assert request["token"] == "token0" and request["content_type"].startswith("application/json"), request


def test_a_refused_connection_is_known_not_to_have_been_sent() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    answer = StdlibHTTP().exchange(build_list(url, Client(SECRET, api_url=url).token), "127.0.0.1", 2.0)
    assert isinstance(answer, Failure) and not answer.sent, answer
    with Client(SECRET, api_url=url, retry=RetryPolicy(attempts=2, deadline=0.5, base=0.05),
                transport=StdlibHTTP()) as c:
        result = c.send(PHONE, "nobody listens")
    error = result.failed[0].error
    assert isinstance(error, TransportError) and not error.maybe_sent, repr(error)


def test_a_redirect_is_reported_not_followed(emu: Emulator) -> None:
    emu.add_fault("status", endpoint="send", count=None, status=302, body="moved", execute=False)
    with Client(SECRET, api_url=emu.url, retry=RetryPolicy(attempts=2, deadline=0.5, base=0.05),
                transport=StdlibHTTP()) as c:
        result = c.send(PHONE, "not chased")
    assert not result.ok
    assert isinstance(result.failed[0].error, ProtocolError), repr(result.failed[0].error)
    assert stored(emu) == []
    assert {r["endpoint"] for r in emu.requests()} <= {"send", "list"}, "nothing but the API was asked"


@pytest.mark.parametrize("verify", [False, "missing-ca.pem"])
def test_certificate_settings_reach_the_tls_context(verify: object, tmp_path: object) -> None:
    if verify is False:
        http = StdlibHTTP(verify=False)
        (handler,) = [h for h in http._opener.handlers if hasattr(h, "_context")]
        assert handler._context.verify_mode == ssl.CERT_NONE
    else:
        with pytest.raises(FileNotFoundError):
            StdlibHTTP(verify=str(verify))  # a CA file that is not there is an error at once, not at send
