"""Entities of the watched phones and of the monthly quota, from the coordinator's polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from custom_components.gosms.const import CONF_API_TOKEN, CONF_DEVICE_IDS, CONF_MONTHLY_QUOTA, DOMAIN
from custom_components.gosms.issues import issue_id
from gosms import HEARTBEAT_SECONDS
from gosms.emulator import Emulator
from gosms.wire.models import OFFLINE_AFTER_SECONDS
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .rendered import assert_table_text, render

PHONE = "pixel_7_emulated"


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Run the coordinator's next poll now.

    Not by moving a frozen clock: the core paces requests and backs off with real monotonic
    time, which a frozen clock would stop.
    """
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_phone_entities(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    assert state(hass, f"sensor.{PHONE}_battery") == "87"
    assert hass.states.get(f"sensor.{PHONE}_battery").attributes["unit_of_measurement"] == "%"
    assert state(hass, f"sensor.{PHONE}_sim_cards") == "0: Emulator SIM"
    assert state(hass, f"binary_sensor.{PHONE}_charging") == STATE_ON
    assert state(hass, f"binary_sensor.{PHONE}_active") == STATE_ON
    assert state(hass, f"binary_sensor.{PHONE}_online") == STATE_ON
    seen = datetime.fromisoformat(state(hass, f"sensor.{PHONE}_last_seen"))
    assert abs(seen.timestamp() - emulator.now()) <= HEARTBEAT_SECONDS
    # Battery low duplicates the percentage for people; it is there, off, for automations.
    entry = er.async_get(hass).async_get(f"binary_sensor.{PHONE}_battery_low")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # The account is watched whatever is configured; the share of a quota needs a quota.
    assert state(hass, "sensor.gosms_api_status") == "ok"
    assert state(hass, "sensor.gosms_messages_this_month") == "0"
    assert hass.states.get("sensor.gosms_monthly_quota_used") is None


async def test_phone_changes(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    er.async_get(hass).async_update_entity(f"binary_sensor.{PHONE}_battery_low", disabled_by=None)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state(hass, f"binary_sensor.{PHONE}_battery_low") == STATE_OFF
    emulator.set_scenario(
        devices={
            emulator.device_id: {
                "battery": 9,
                "charging": False,
                "active": False,
                "last_seen_ago": OFFLINE_AFTER_SECONDS + 60,
            }
        }
    )
    await poll(hass, init_integration)
    assert state(hass, f"sensor.{PHONE}_battery") == "9"
    assert state(hass, f"binary_sensor.{PHONE}_charging") == STATE_OFF
    assert state(hass, f"binary_sensor.{PHONE}_active") == STATE_OFF
    assert state(hass, f"binary_sensor.{PHONE}_online") == STATE_OFF
    assert state(hass, f"binary_sensor.{PHONE}_battery_low") == STATE_ON


async def test_phone_gone_and_back(
    hass: HomeAssistant,
    emulator: Emulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = init_integration
    device_id = emulator.device_id
    snapshot: dict[str, Any] = next(d for d in emulator.snapshot()["devices"] if d["id"] == device_id)
    emulator.set_scenario(devices={device_id: None})
    await poll(hass, init_integration)
    await poll(hass, init_integration)

    assert state(hass, f"sensor.{PHONE}_battery") == STATE_UNAVAILABLE
    assert caplog.text.count(f"GoSMS phone {device_id} is unavailable") == 1
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "device_missing"))
    assert issue is not None
    assert issue.translation_placeholders["device_id"] == device_id
    assert issue.translation_placeholders["code"] == "1012"

    emulator.add_device(device_id, record_id=snapshot["record_id"])
    await poll(hass, init_integration)
    assert state(hass, f"sensor.{PHONE}_battery") == "87"
    assert f"GoSMS phone {device_id} is available again" in caplog.text
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "device_missing")) is None


async def test_account_blocked_then_unblocked(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    entry = init_integration
    hass.config.language = "ru"  # raised in Russian, read later in English: the words follow the reader
    emulator.set_scenario(account_blocked=True)
    await poll(hass, init_integration)
    assert state(hass, f"sensor.{PHONE}_battery") == STATE_UNAVAILABLE
    assert state(hass, "sensor.gosms_api_status") == "account_blocked"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "account_blocked"))
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_key == "account_blocked_3000"
    assert set(issue.translation_placeholders or {}) == {"code", "entry_title"}
    assert_table_text("issues", issue.translation_key, issue.translation_placeholders, 3000)
    placeholders = issue.translation_placeholders
    assert render("issues", issue.translation_key, placeholders, "en", "title") == "Account blocked: GoSMS"
    assert render("issues", issue.translation_key, placeholders, "ru", "title") == "Аккаунт заблокирован: GoSMS"

    # Still failing, for another reason: the status follows, though the poll failed both times.
    emulator.set_scenario(tokens={"token0": {"active": False}})
    await poll(hass, init_integration)
    assert state(hass, "sensor.gosms_api_status") == "auth_failed"
    emulator.set_scenario(tokens={"token0": {"active": True}}, account_blocked=False)
    await poll(hass, init_integration)
    assert state(hass, f"sensor.{PHONE}_battery") == "87"
    assert state(hass, "sensor.gosms_api_status") == "ok"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, "account_blocked")) is None


async def test_outage_makes_entities_unavailable(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.add_fault("reset_before", count=None)
    await poll(hass, init_integration)
    assert state(hass, f"binary_sensor.{PHONE}_online") == STATE_UNAVAILABLE
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.last_exception is not None
    assert "Could not reach the GoSMS API" in str(coordinator.last_exception)

    emulator.clear_faults()
    await poll(hass, init_integration)
    assert state(hass, f"binary_sensor.{PHONE}_online") == STATE_ON


async def test_token_revoked_starts_reauth(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.set_scenario(tokens={"token0": {"deleted": True}})
    await poll(hass, init_integration)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert state(hass, "sensor.gosms_api_status") == "auth_failed"
    assert [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN] == []

    # The user answers the reauth flow with a working token: reloaded, polled, repair closed.
    new_token = emulator.add_token()
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {CONF_API_TOKEN: new_token})
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert state(hass, f"sensor.{PHONE}_battery") == "87"
    assert state(hass, "sensor.gosms_api_status") == "ok"


@pytest.mark.parametrize("entry_options", [{CONF_DEVICE_IDS: [], CONF_MONTHLY_QUOTA: 200}])
async def test_quota_sensors(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    assert state(hass, "sensor.gosms_messages_this_month") == "0"
    assert state(hass, "sensor.gosms_monthly_quota_used") == "0.0"

    for number in ("79990000001", "79990000002", "79990000003"):
        await hass.services.async_call(DOMAIN, "send_sms", {"phone_number": number, "message": "test"}, blocking=True)
    emulator.clear_requests()
    await poll(hass, init_integration)
    assert state(hass, "sensor.gosms_messages_this_month") == "3"
    assert state(hass, "sensor.gosms_monthly_quota_used") == "1.5"
    # The count went on from the kept state: one page read, not the whole month again.
    assert [r["endpoint"] for r in emulator.requests()] == ["list"]


@pytest.mark.parametrize("entry_options", [{CONF_DEVICE_IDS: [], CONF_MONTHLY_QUOTA: 200}])
async def test_quota_sensor_unavailable_on_failure(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    emulator.add_fault("http_500", endpoint="list", count=None)
    await poll(hass, init_integration)
    assert state(hass, "sensor.gosms_messages_this_month") == STATE_UNAVAILABLE
    # The server answered (HTTP 500): a GoSMS fault, not a network one.
    assert state(hass, "sensor.gosms_api_status") == "api_error"


async def test_account_error_on_a_phone_read(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    """An account-wide answer to a phone's read stops the whole poll, not just that phone."""
    emulator.add_fault("error", endpoint="device_info", code=3000, count=None)
    await poll(hass, init_integration)
    assert state(hass, f"binary_sensor.{PHONE}_online") == STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(init_integration, "account_blocked")) is not None


async def test_phone_read_refused(hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry) -> None:
    """A token that may not see devices leaves the phones unavailable, and a repair says which grant is missing."""
    emulator.add_fault("error", endpoint="device_info", code=1011, count=None)
    await poll(hass, init_integration)
    assert state(hass, f"sensor.{PHONE}_battery") == STATE_UNAVAILABLE
    assert init_integration.runtime_data.coordinator.last_update_success
    issues = [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
    assert [i.translation_key for i in issues] == ["permission_denied_1011"]
    assert issues[0].translation_placeholders is not None
    assert issues[0].translation_placeholders["code"] == "1011"
