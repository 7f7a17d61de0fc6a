"""The integration in a real, running Home Assistant, set up as a user does it, against the emulator.

``hass`` runs as its own process (config folder in a temporary directory, the integration linked
into its custom_components, HTTP on a free loopback port); the test creates the owner through the
onboarding API, adds the entry and a recipient through the config flow REST API, sends through
``notify.send_message``, sets both phones in the options as the failover order, kills both and
sends with the action's ``wait``: the automation triggered by ``gosms_message_undelivered`` pages
a deputy and the undelivered sensor counts the alert. Then it switches off every entity of the
account (the API status sensor among them), blocks the account and waits for the repair the next
polls open, with only a recipient configured and no send. Home Assistant's coordinator polls only
while something listens: with the account's entities off, only the integration's own keep-polling
listener keeps the polls going, and that is what the last part is about. Polls keep Home Assistant's
idiom (a fixed 60 s interval, no user setting), so the wait is budgeted: three polls plus slack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests

from gosms.emulator import Emulator

from .hass_process import DEPUTY_NUMBER, HassProcess, running_hass

POLL_SECONDS = 60
RECIPIENT_NUMBER = "79991234567"
ALERT_NUMBER = "79991000001"
WITHIN = 2
"""Seconds each phone gets to deliver (the action's ``wait``)."""


@pytest.fixture
def hass_live(tmp_path: Path) -> Iterator[HassProcess]:
    with running_hass(tmp_path) as hass:
        try:
            yield hass
        except BaseException:
            print(hass.log_tail())
            raise


async def _websocket(hass: HassProcess, command: dict[str, Any]) -> Any:
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{hass.url}/api/websocket") as ws:
        assert (await ws.receive_json(timeout=60))["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": hass.token})
        assert (await ws.receive_json(timeout=60))["type"] == "auth_ok"
        await ws.send_json({"id": 1, **command})
        answer = await ws.receive_json(timeout=60)
        assert answer["success"], answer
        return answer["result"]


def switch_off_account_entities(hass: HassProcess, entry_id: str) -> list[str]:
    """Disable every entity of the entry but its notify ones, as a user does in the entity settings.

    A disabled entity removes itself at once, and with it its listener on the coordinator; its state
    goes away after that, so once no state of them is left, none of them keeps the polls going.
    """
    entities = asyncio.run(_websocket(hass, {"type": "config/entity_registry/list"}))
    switched_off = [entity["entity_id"] for entity in entities
                    if entity["config_entry_id"] == entry_id and not entity["entity_id"].startswith("notify.")]
    for entity_id in switched_off:
        asyncio.run(_websocket(hass, {"type": "config/entity_registry/update", "entity_id": entity_id,
                                      "disabled_by": "user"}))
    wait_for("the switched-off entities to go", lambda: not {
        state["entity_id"] for state in hass.get("/api/states")} & set(switched_off), timeout=60)
    return switched_off


def gosms_issues(hass: HassProcess) -> list[dict[str, Any]]:
    result = asyncio.run(_websocket(hass, {"type": "repairs/list_issues"}))
    return [issue for issue in result["issues"] if issue["domain"] == "gosms"]


def wait_for(what: str, check: Any, timeout: float, interval: float = 2.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def run_flow(hass: HassProcess, path: str, handler: Any, user_input: dict[str, Any]) -> dict[str, Any]:
    """Start a flow and answer its one form, as the frontend does."""
    form = hass.post(path, {"handler": handler, "show_advanced_options": False})
    assert form["type"] == "form", form
    result: dict[str, Any] = hass.post(f"{path}/{form['flow_id']}", user_input)
    return result


def fail_over_and_page_the_deputy(hass: HassProcess, emulator: Emulator, entry_id: str) -> None:
    """Both phones watched (A first: the failover order, set in the options as a user does), both
    die, and the action with ``wait`` follows the alert through A, then B, and gives up loudly: the
    automation of the live configuration, triggered by ``gosms_message_undelivered``, pages a
    deputy, and the account's undelivered sensor counts the alert."""
    a, b = emulator.phones
    options = run_flow(hass, "/api/config/config_entries/options/flow", entry_id, {"device_ids": [a, b]})
    assert options["type"] == "create_entry", options
    wait_for("phone B's entities after the reload", lambda: hass.get("/api/states/binary_sensor.phone_b_online"), 120)
    assert hass.get("/api/states/sensor.gosms_undelivered_alerts")["state"] == "0"

    emulator.set_phone(a, "offline")
    emulator.set_phone(b, "offline")
    answer = requests.post(
        f"{hass.url}/api/services/gosms/send_sms",
        json={"phone_number": ALERT_NUMBER, "message": "db1 down", "wait": WITHIN},
        headers={"Authorization": f"Bearer {hass.token}"},
        timeout=300,
    )
    assert not answer.ok, answer.text  # the action failed: the alert reached nobody
    paged = wait_for(
        "the automation to page the deputy",
        lambda: [m for m in emulator.messages() if m["phone_number"] == DEPUTY_NUMBER],
        timeout=60,
    )
    assert [m["message"] for m in paged] == [f"Not delivered to {ALERT_NUMBER} (2 phones tried)"]
    undelivered = hass.get("/api/states/sensor.gosms_undelivered_alerts")
    assert undelivered["state"] == "1"
    assert [r["device_id"] for r in undelivered["attributes"]["last"]["routes"]] == [a, b]
    assert [m["device_id"] for m in emulator.messages() if m["phone_number"] == ALERT_NUMBER] == [a, b]


@pytest.mark.timeout(900)
def test_live_home_assistant(gosms_phones: Emulator, hass_live: HassProcess) -> None:
    hass, emulator = hass_live, gosms_phones
    hass.onboard()

    entry = run_flow(
        hass,
        "/api/config/config_entries/flow",
        "gosms",
        {"api_token": emulator.token, "api_url": emulator.url},
    )
    assert entry["type"] == "create_entry", entry
    entry_id = entry["result"]["entry_id"]
    assert entry["result"]["state"] == "loaded"

    recipient = run_flow(
        hass,
        "/api/config/config_entries/subentries/flow",
        [entry_id, "recipient"],
        {"name": "On call", "phone_number": "+7 999 123-45-67"},
    )
    assert recipient["type"] == "create_entry", recipient
    # Adding a recipient reloads the entry; its notify entity appears once the reload is done.
    wait_for("notify.on_call to appear", lambda: hass.get("/api/states/notify.on_call"), timeout=120)

    hass.post("/api/services/notify/send_message", {"entity_id": "notify.on_call", "message": "live test"})
    sent = [m for m in emulator.messages() if m["phone_number"] == RECIPIENT_NUMBER]
    assert [m["message"] for m in sent] == ["live test"]
    fail_over_and_page_the_deputy(hass, emulator, entry_id)
    status = wait_for("the API status sensor", lambda: hass.get("/api/states/sensor.gosms_api_status"), 60)
    assert status["state"] == "ok"
    assert gosms_issues(hass) == []

    # The account's entities off (the API status sensor would keep the polls going by itself):
    # only a recipient is left, and nothing is sent from here on. The polls must find it.
    switched_off = switch_off_account_entities(hass, entry_id)
    assert "sensor.gosms_api_status" in switched_off, switched_off
    emulator.clear_requests()
    emulator.set_scenario(account_blocked=True)
    issues = wait_for(
        "a repair for the blocked account",
        lambda: gosms_issues(hass),
        timeout=3 * POLL_SECONDS + 30,
        interval=5,
    )
    assert [issue["translation_key"] for issue in issues] == ["account_blocked_3000"]
    assert issues[0]["issue_id"] == f"{entry_id}_account_blocked"
    assert issues[0]["severity"] == "error"
    requests_made = emulator.requests()
    assert requests_made, "no poll reached the emulator"
    assert all(r["endpoint"] != "send" for r in requests_made), requests_made
    # The token reached neither the emulator's log nor Home Assistant's.
    assert emulator.token not in str(requests_made)
    assert emulator.token not in hass.log_path.read_text(errors="replace")
