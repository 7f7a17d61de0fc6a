"""The relay over real HTTP on loopback, writing a real outbox and sending to the emulator.

What each test proves: a post answered 200 is on disk in the outbox and reaches the emulator once;
a post the relay refuses (bad JSON, too large, no token off 127.0.0.1) queues nothing; neither token
shows in any answer or log line.
"""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from relay_helpers import AUTH, DATA, OTHER, PHONE, SECRET, alertmanager_payload, assert_no_secret, post, wait_for

from gosms import Outbox
from gosms.emulator import Emulator
from gosms.relay.routes import load_routes
from gosms.relay.server import needs_auth, parse_listen
from gosms.wire.config import Token
from gosms.wire.errors import ConfigError

FIRING = alertmanager_payload([{"alertname": "HighCPU", "instance": "web1:9100"},
                               {"alertname": "HighCPU", "instance": "web2:9100"}], summary="CPU above 90%")
TEXT = "FIRING 2: HighCPU on web1:9100, web2:9100 - CPU above 90%"


def delivered(emu: Emulator, text: str) -> list[dict]:
    return [m for m in emu.messages() if m["message"] == text]


def test_a_post_is_on_disk_when_answered_and_sent_once_promptly(emu, outbox, start_relay, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="gosms")
    relay = start_relay()
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", FIRING)
    assert (status, answer["queued"], answer["message"]) == (200, 1, TEXT)
    # On disk at the answer, whatever the runner has done since: new/, sending/ or sent/.
    assert [e.id for e in outbox.entries()] == answer["ids"]
    # The runner waits 60 s between rounds unless an entry arrives: well before proves it noticed the post.
    started = time.monotonic()
    wait_for(lambda: delivered(emu, TEXT), 45, "the SMS")
    assert time.monotonic() - started < 45
    wait_for(lambda: outbox.entries(("sent",)), 30, "the entry to be marked sent")
    time.sleep(0.5)
    assert len(delivered(emu, TEXT)) == 1
    assert delivered(emu, TEXT)[0]["phone_number"] == PHONE
    assert_no_secret(answer, caplog.text)


def test_every_to_gets_the_group_and_routes_serve_posts_without_to(emu, outbox, start_relay, tmp_path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"routes": [{"receiver": "db", "to": [OTHER]},
                                             {"labels": {"team": "web"}, "to": [PHONE, OTHER]}],
                                  "default": ["79990000000"]}))
    relay = start_relay(routes=load_routes(routes))
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}&to={OTHER}", FIRING)
    assert (status, answer["to"]) == (200, [PHONE, OTHER])
    body = alertmanager_payload([{"alertname": "Slow"}], receiver="db")
    assert post(f"{relay.url}/alertmanager", body)[1]["to"] == [OTHER]
    body = alertmanager_payload([{"alertname": "Slow"}], receiver="x", common={"team": "web"})
    assert post(f"{relay.url}/alertmanager", body)[1]["to"] == [PHONE, OTHER]
    body = alertmanager_payload([{"alertname": "Slow"}], receiver="x")
    assert post(f"{relay.url}/alertmanager", body)[1]["to"] == ["79990000000"]
    wait_for(lambda: len(emu.messages()) == 6, 60, "six messages")
    assert sorted(m["phone_number"] for m in emu.messages()) == sorted([PHONE, OTHER, OTHER, PHONE, OTHER,
                                                                         "79990000000"])


def test_grafanas_webhook_is_taken_at_its_own_path(emu, start_relay) -> None:
    # Grafana's documented body shape, posted as its webhook contact point would (no Grafana server here).
    relay = start_relay()
    body = (DATA / "grafana_webhook.json").read_bytes()
    status, answer, _ = post(f"{relay.url}/grafana?to={PHONE}", body)
    assert status == 200
    wait_for(lambda: delivered(emu, "FIRING 2: Memory pressure on app-1:9100; CPU saturation"), 45, "the SMS")
    # The same body at Alertmanager's path is refused: its version is Grafana's "1".
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", body)
    assert status == 400 and "unsupported Alertmanager webhook version '1'" in answer["error"]


@pytest.mark.parametrize(
    ("body", "query", "status", "words"),
    [
        (b"{not json", f"to={PHONE}", 400, "the body is not JSON"),
        (b"\xff\xfe", f"to={PHONE}", 400, "not UTF-8"),
        (json.dumps({"version": "4", "alerts": "many"}).encode(), f"to={PHONE}", 400, "'alerts' must be a list"),
        (json.dumps(FIRING).encode(), "to=%2B7%20999", 400, "2001"),
        (json.dumps(FIRING).encode(), "", 400, "no recipient: add ?to=NUMBER"),
    ],
    ids=["not-json", "not-utf8", "alerts-not-a-list", "bad-number", "no-recipient"],
)
def test_a_bad_post_gets_400_with_the_reason_and_queues_nothing(emu, outbox, start_relay, body, query, status,
                                                                words) -> None:
    relay = start_relay()
    got, answer, _ = post(f"{relay.url}/alertmanager?{query}", body)
    assert got == status and answer["ok"] is False
    assert words in answer["error"]
    assert outbox.entries() == []


def test_an_oversized_body_gets_413_unread_and_queues_nothing(outbox, start_relay) -> None:
    relay = start_relay(max_body=10_000)
    big = alertmanager_payload([{"alertname": "A" * 100, "instance": str(i)} for i in range(200)])
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", big)
    assert status == 413 and "more than the relay takes (10000)" in answer["error"]
    assert outbox.entries() == []


def test_a_body_without_a_length_or_chunked_gets_411(outbox, start_relay) -> None:
    relay = start_relay()
    with socket.create_connection((relay.host, relay.port), timeout=30) as sock:
        sock.sendall(b"POST /alertmanager?to=79991234567 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"2\r\n{}\r\n0\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 411 ")
    assert outbox.entries() == []


def test_a_stalled_sender_is_dropped_after_the_read_timeout(outbox, start_relay) -> None:
    relay = start_relay(read_timeout=0.5)
    with socket.create_connection((relay.host, relay.port), timeout=60) as sock:
        sock.sendall(b"POST /alertmanager?to=79991234567 HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"ver")
        started = time.monotonic()
        reply = sock.recv(4096)
        # The relay gave up on the body long before the client's own 60 s: it answered 408 or closed.
        assert reply == b"" or reply.startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < 60
    assert outbox.entries() == []


def test_off_127_0_0_1_a_bearer_token_is_required(emu, outbox, start_relay, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="gosms")
    with pytest.raises(ConfigError, match="without a token: give --auth-token-file"):
        start_relay("127.0.0.2:0")
    # 127.0.0.2 is a loopback address other than 127.0.0.1: "elsewhere" to the relay, on this machine.
    relay = start_relay("127.0.0.2:0", auth=Token(AUTH))
    url = f"{relay.url}/alertmanager?to={PHONE}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {AUTH}"},
                    {"Authorization": f"Bearer {AUTH}x"}):
        status, answer, got = post(url, FIRING, headers=headers)
        assert status == 401, headers
        assert got.get("WWW-Authenticate", "").startswith("Bearer")
        assert_no_secret(answer, got)
    assert outbox.entries() == []
    status, answer, _ = post(url, FIRING, headers={"Authorization": f"Bearer {AUTH}"})
    assert status == 200
    wait_for(lambda: delivered(emu, TEXT), 45, "the SMS")
    assert_no_secret(caplog.text)


def test_an_outbox_that_cannot_be_written_gets_503_so_the_sender_retries(client, start_relay, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    relay = start_relay(outbox=Outbox(blocker / "outbox"))
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", FIRING)
    assert status == 503 and "could not be kept in the outbox" in answer["error"]
    assert_no_secret(answer)


def test_a_post_of_a_batch_whose_file_cannot_be_put_in_place_gets_503_and_the_others_are_kept(outbox,
                                                                                                client) -> None:
    # The writer thread writes the posts waiting as one batch (the files' fsyncs at once, the folder once).
    # A file that cannot be put in place (a folder squats its name in new/: a real EISDIR from the rename)
    # costs its own post a 5xx, which the sender retries; the others of the batch are kept and answered.
    from gosms.relay.server import Relay

    relay = Relay(outbox, client)
    bodies = [json.dumps(alertmanager_payload([{"alertname": f"Batch{n}"}])).encode() for n in range(3)]
    posts = [relay.check("/alertmanager", f"to={PHONE}", body) for body in bodies]
    squatter = outbox.directory / "new" / f"{posts[1].entries[0].id}.json"
    squatter.mkdir(parents=True)
    outcomes = relay.queue_all(posts)
    assert [getattr(outcome, "status", 200) for outcome in outcomes] == [200, 503, 200]
    assert "could not be kept in the outbox" in outcomes[1].message
    assert [outcome["queued"] for outcome in (outcomes[0], outcomes[2])] == [1, 1]
    assert list((outbox.directory / "tmp").iterdir()) == []  # the unplaced file was not left behind
    squatter.rmdir()
    assert sorted(entry.message for entry in outbox.entries()) == ["FIRING 1: Batch0", "FIRING 1: Batch2"]
    retried = relay.check("/alertmanager", f"to={PHONE}", bodies[1])  # taken again: not a repeat of a kept post
    assert relay.queue_all([retried])[0]["queued"] == 1
    assert sorted(entry.message for entry in outbox.entries()) == [f"FIRING 1: Batch{n}" for n in range(3)]


def test_alerts_posted_while_gosms_is_down_are_answered_200_and_sent_when_it_is_back(emu, outbox,
                                                                                     start_relay) -> None:
    emu.outage(None)
    relay = start_relay()
    assert post(f"{relay.url}/alertmanager?to={PHONE}", FIRING)[0] == 200
    wait_for(lambda: any(e.attempts for e in outbox.entries()), 60, "a first attempt during the outage")
    assert delivered(emu, TEXT) == []
    emu.end_outage()
    wait_for(lambda: delivered(emu, TEXT), 60, "the SMS after the outage")
    wait_for(lambda: outbox.entries(("sent",)), 30, "the entry to be marked sent")
    assert len(delivered(emu, TEXT)) == 1


def test_a_token_quoted_in_a_label_reaches_neither_the_answer_the_outbox_nor_the_sms(emu, outbox,
                                                                                     start_relay) -> None:
    relay = start_relay(auth=Token(AUTH))
    body = alertmanager_payload([{"alertname": f"leak {SECRET}", "instance": AUTH}])
    status, answer, _ = post(f"{relay.url}/alertmanager?to={PHONE}", body, headers={"Authorization": f"Bearer {AUTH}"})
    assert status == 200 and answer["message"] == "FIRING 1: leak *** on ***"
    wait_for(lambda: delivered(emu, "FIRING 1: leak *** on ***"), 45, "the SMS")
    assert_no_secret(answer, emu.messages(), *(p.read_text() for p in outbox.directory.rglob("*.json")))


def test_connections_beyond_the_limit_are_closed_and_the_relay_serves_again_after(emu, start_relay,
                                                                                  monkeypatch) -> None:
    import gosms.relay.server as server

    monkeypatch.setattr(server, "MAX_CONNECTIONS", 2)
    relay = start_relay(read_timeout=30.0)
    idle = [socket.create_connection((relay.host, relay.port), timeout=30) for _ in range(2)]
    try:
        # Both accepted, each counted while it sends nothing (the relay's own count of open connections).
        wait_for(lambda: relay.connections == 2, 30, "both idle connections to be served")
        with socket.create_connection((relay.host, relay.port), timeout=30) as third:
            third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert third.recv(4096) == b""  # closed unread, long before the 30 s read timeout
    finally:
        for sock in idle:
            sock.close()
    wait_for(lambda: relay.connections == 0, 30, "the idle connections to be closed")
    assert post(f"{relay.url}/alertmanager?to={PHONE}", FIRING)[0] == 200


def test_a_post_the_sender_retries_is_queued_once_even_across_a_restart(emu, outbox, client, start_relay) -> None:
    # Alertmanager re-posts a group whose answer it did not read: the same body, within minutes.
    relay = start_relay()
    url = f"{relay.url}/alertmanager?to={PHONE}&to={OTHER}"
    first = post(url, FIRING)[1]
    assert (first["queued"], first["repeated"]) == (2, [])
    again = post(url, FIRING)[1]
    assert (again["ok"], again["queued"], again["repeated"]) == (True, 0, [PHONE, OTHER])
    relay.stop()
    restarted = start_relay()  # a new process would read the same outbox: the key is in the entries
    assert post(f"{restarted.url}/alertmanager?to={PHONE}", FIRING)[1]["repeated"] == [PHONE]
    # A changed group (here: resolved) is a new page.
    resolved = dict(FIRING, status="resolved", alerts=[dict(a, status="resolved") for a in FIRING["alerts"]])
    assert post(f"{restarted.url}/alertmanager?to={PHONE}", resolved)[1]["queued"] == 1
    wait_for(lambda: len(emu.messages()) == 3, 60, "three messages")
    time.sleep(1)
    assert sorted((m["phone_number"], m["message"][:6]) for m in emu.messages()) == sorted(
        [(PHONE, "FIRING"), (PHONE, "RESOLV"), (OTHER, "FIRING")])


@pytest.mark.parametrize(
    ("listen", "host", "port", "token_needed"),
    [("127.0.0.1:9797", "127.0.0.1", 9797, False), ("[::1]:0", "::1", 0, False),
     ("localhost:80", "localhost", 80, False),
     ("127.0.0.2:9797", "127.0.0.2", 9797, True), ("0.0.0.0:9797", "0.0.0.0", 9797, True),
     ("[::]:9797", "::", 9797, True), ("relay.example:9797", "relay.example", 9797, True)],
)
def test_listen_addresses_and_where_a_token_is_required(listen, host, port, token_needed) -> None:
    assert parse_listen(listen) == (host, port)
    assert needs_auth(host) is token_needed


@pytest.mark.parametrize("listen", ["9797", "127.0.0.1", "127.0.0.1:http", ":9797", "127.0.0.1:70000"])
def test_a_listen_address_without_a_usable_port_is_refused(listen) -> None:
    with pytest.raises(ValueError, match="is not HOST:PORT"):
        parse_listen(listen)


def test_repeat_claims_are_forgotten_once_the_window_passes(outbox, monkeypatch):
    """A storm keeps thousands of posts within the repeat window; each post forgets only the claims
    the window has passed (oldest first), and what it still holds is refused as a sender's retry."""
    from gosms.relay import server

    monkeypatch.setattr(server, "REPEAT_WINDOW", 0.5)  # real time, shortened: the default is 10 minutes
    seen = server._Seen(outbox)
    assert [seen.claim(f"post-{n}", PHONE) for n in range(3)] == [True, True, True]
    assert not seen.claim("post-1", PHONE)  # a retry within the window
    seen.release("post-1", PHONE)  # a post that could not be written may come again
    assert seen.claim("post-1", PHONE)
    time.sleep(0.6)
    assert seen.claim("post-9", PHONE)
    assert list(seen._claimed) == [("post-9", PHONE)]  # the three older ones are gone
    assert seen.claim("post-0", PHONE)  # the same post after the window is a new page
