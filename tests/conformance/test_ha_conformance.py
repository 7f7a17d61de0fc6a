"""The Home Assistant integration against the independent fake (needs HA's pytest plugin).

Run on its own, with the HA plugin on:
``.venv/bin/python -m pytest -p no:sugar tests/conformance/test_ha_conformance.py``.

Why: the integration watches an ObjectID phone in the English device shape, sends through a
recipient subentry's notify entity, and turns API codes into translated errors and repairs; here
every one of those meets a server that shares no code with the product.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fake_api import FakeGoSMS
from homeassistant.components.notify import ATTR_MESSAGE, SERVICE_SEND_MESSAGE
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gosms.const import (
    CONF_API_TOKEN,
    CONF_API_URL,
    CONF_DEVICE_IDS,
    CONF_PHONE_NUMBER,
    DOMAIN,
    SERVICE_SEND_SMS,
    SUBENTRY_RECIPIENT,
)
from custom_components.gosms.issues import issue_id
from custom_components.gosms.util import token_fingerprint

RECIPIENT = "79991234567"
ENTITY = "notify.on_call"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/gosms from this checkout."""


@pytest.fixture
def ha_fake(socket_enabled: None, token: str) -> Iterator[FakeGoSMS]:
    """The fake with sockets allowed; its connection threads are joined so HA's harness sees none left."""
    with FakeGoSMS(token) as api:
        yield api
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)


@pytest.fixture
async def entry(hass: HomeAssistant, ha_fake: FakeGoSMS, token: str) -> MockConfigEntry:
    """An entry for the fake's account watching its ObjectID phone, with one recipient."""
    config_entry = MockConfigEntry(
        domain=DOMAIN, title="GoSMS",
        data={CONF_API_TOKEN: token, CONF_API_URL: ha_fake.url},
        options={CONF_DEVICE_IDS: [ha_fake.device_ids[0]]},
        unique_id=token_fingerprint(token),
        subentries_data=[{"data": {CONF_PHONE_NUMBER: RECIPIENT}, "subentry_type": SUBENTRY_RECIPIENT,
                          "title": "On-call", "unique_id": RECIPIENT}],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


async def send_sms(hass: HomeAssistant, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(DOMAIN, SERVICE_SEND_SMS, data, blocking=True, return_response=True)


async def test_setup_and_notify(hass: HomeAssistant, ha_fake: FakeGoSMS, entry: MockConfigEntry) -> None:
    """Set up against the fake; the recipient's notify entity reaches it with the right number and text."""
    assert entry.state.value == "loaded"
    assert ha_fake.requests("/devices/get/info")[0].body["id"] == ha_fake.device_ids[0]
    await hass.services.async_call(NOTIFY_DOMAIN, SERVICE_SEND_MESSAGE,
                                   {ATTR_ENTITY_ID: ENTITY, ATTR_MESSAGE: "Door open"}, blocking=True)
    assert [(m["phone_number"], m["message"]) for m in ha_fake.messages()] == [(RECIPIENT, "Door open")]


async def test_quota_error_is_translated(hass: HomeAssistant, ha_fake: FakeGoSMS, entry: MockConfigEntry,
                                         error_table: dict[int, dict[str, Any]]) -> None:
    """1006 from the fake (unusual status, Russian message) becomes the table's English text."""
    ha_fake.set_quota(0)
    with pytest.raises(HomeAssistantError) as caught:
        await send_sms(hass, {"phone_number": RECIPIENT, "message": "hi"})
    assert caught.value.translation_key is not None
    assert "1006" in str(caught.value)
    assert error_table[1006]["description"] in str(caught.value)
    assert ha_fake.message_count() == 0


async def test_blocked_account_opens_repair(hass: HomeAssistant, ha_fake: FakeGoSMS, entry: MockConfigEntry) -> None:
    """3000 on a send opens the account's repair issue."""
    ha_fake.block_account()
    with pytest.raises(HomeAssistantError):
        await send_sms(hass, {"phone_number": RECIPIENT, "message": "hi"})
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "account_blocked")) is not None
