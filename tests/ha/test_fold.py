"""Folding bursts into digests: off by default, offered in the options and by the action's ``fold``.

Sends go to the emulator over real HTTP; the waiting notifications live in Home Assistant's own
storage and the digest leaves on Home Assistant's timer.  The one stand-in is the folding clock
(``custom_components.gosms.folding._now``): whether a message falls inside a burst's window is
judged by seconds the test advances, not by how fast this shared machine happens to run, and the
timer is fired at the same moment with the harness's ``async_fire_time_changed``.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from typing import Any
from unittest.mock import patch

from custom_components.gosms.const import (
    CONF_DEVICE_IDS,
    CONF_FOLD,
    CONF_FOLD_BURST,
    CONF_FOLD_WINDOW,
    CONF_MONTHLY_QUOTA,
    DOMAIN,
    SERVICE_SEND_SMS,
)
from custom_components.gosms.folding import storage_key
from gosms.emulator import Emulator
from homeassistant.components.notify import ATTR_MESSAGE, ATTR_TITLE, DOMAIN as NOTIFY_DOMAIN, SERVICE_SEND_MESSAGE
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import RECIPIENT_PHONE

ENTITY = "notify.on_call"
OTHER = "79991234500"


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = dt_util.utcnow().timestamp()

    def __call__(self) -> float:
        return self.now

    async def advance(self, hass: HomeAssistant, seconds: float) -> None:
        """Move on and let Home Assistant's timers due by then run (the digest's among them)."""
        self.now += seconds
        async_fire_time_changed(hass, dt_util.utc_from_timestamp(self.now))
        await hass.async_block_till_done()


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with patch("custom_components.gosms.folding._now", fake):
        yield fake


@pytest.fixture
def entry_options(emulator: Emulator) -> dict[str, Any]:
    return {CONF_DEVICE_IDS: [emulator.device_id], CONF_FOLD: True, CONF_FOLD_BURST: 3, CONF_FOLD_WINDOW: 60}


async def notify(hass: HomeAssistant, message: str, title: str | None = None) -> None:
    data = {ATTR_ENTITY_ID: ENTITY, ATTR_MESSAGE: message} | ({ATTR_TITLE: title} if title else {})
    await hass.services.async_call(NOTIFY_DOMAIN, SERVICE_SEND_MESSAGE, data, blocking=True)


def texts(emulator: Emulator) -> list[str]:
    return [m["message"] for m in emulator.messages()]


async def test_a_burst_of_10_is_3_alone_and_one_digest(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry
) -> None:
    for n in range(10):
        await notify(hass, f"Leak under sink {n}", title="Water")
        await clock.advance(hass, 1)
    assert texts(emulator) == [f"Water\nLeak under sink {n}" for n in range(3)]
    assert init_integration.runtime_data.folder is not None
    assert init_integration.runtime_data.folder.waiting() == {RECIPIENT_PHONE: 7}

    await clock.advance(hass, 50)  # 60 s after the first: the window closes
    sent = texts(emulator)
    assert len(sent) == 4, sent
    digest = sent[3]
    assert digest.startswith("Digest ") and "7 alerts" in digest and "Water: Leak under sink 3" in digest, digest
    assert len(digest) <= 300
    assert init_integration.runtime_data.folder.waiting() == {}

    # A quiet window later the next message goes alone again.
    await clock.advance(hass, 120)
    await notify(hass, "Dry again")
    assert texts(emulator)[-1] == "Dry again" and len(emulator.messages()) == 5


@pytest.mark.parametrize("entry_options", [{}], ids=["no folding options"])
async def test_off_by_default_every_notification_is_an_sms(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry
) -> None:
    for n in range(10):
        await notify(hass, f"Motion {n}")
    assert texts(emulator) == [f"Motion {n}" for n in range(10)]


async def test_what_waits_survives_a_restart_and_still_goes_out(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    for n in range(5):
        await notify(hass, f"Door {n} open")
    assert len(emulator.messages()) == 3
    saved = hass_storage[storage_key(init_integration.entry_id)]["data"]["recipients"][RECIPIENT_PHONE]
    assert [w["text"] for w in saved["held"]] == ["Door 3 open", "Door 4 open"]

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await clock.advance(hass, 61)
    sent = texts(emulator)
    assert len(sent) == 4 and sent[3].startswith("Digest ") and "2 alerts" in sent[3], sent


@pytest.mark.parametrize("entry_options", [{}], ids=["folding off in the options"])
async def test_the_action_folds_when_asked_and_says_which_numbers_wait(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry
) -> None:
    answers = []
    for n in range(4):
        answers.append(await hass.services.async_call(
            DOMAIN, SERVICE_SEND_SMS,
            {"phone_number": [RECIPIENT_PHONE, OTHER], "message": f"Boiler fault {n}", "fold": True},
            blocking=True, return_response=True,
        ))
    assert len(emulator.messages()) == 6  # 3 alone to each number
    last = answers[-1]
    assert last is not None
    assert last["message_ids"] == []
    assert last["recipients"] == [
        {"phone_number": RECIPIENT_PHONE, "message_ids": [], "held_for_digest": True},
        {"phone_number": OTHER, "message_ids": [], "held_for_digest": True},
    ]
    await clock.advance(hass, 61)
    digests = [m for m in emulator.messages() if m["message"].startswith("Digest ")]
    assert sorted(m["phone_number"] for m in digests) == sorted([RECIPIENT_PHONE, OTHER])

    # The notify entity still follows the options: off.
    for n in range(5):
        await notify(hass, f"Entity {n}")
    assert sum(1 for m in emulator.messages() if m["message"].startswith("Entity")) == 5


async def test_fold_false_sends_alone_and_bad_input_holds_nothing(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry
) -> None:
    for n in range(5):
        await hass.services.async_call(
            DOMAIN, SERVICE_SEND_SMS, {"phone_number": RECIPIENT_PHONE, "message": f"Alone {n}", "fold": False},
            blocking=True,
        )
    assert len(emulator.messages()) == 5
    with pytest.raises(ServiceValidationError) as caught:
        await notify(hass, "Fire 🔥")
    assert caught.value.translation_key == "invalid_input_2002"
    assert init_integration.runtime_data.folder is not None
    assert init_integration.runtime_data.folder.waiting() == {}
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, SERVICE_SEND_SMS, {"phone_number": RECIPIENT_PHONE, "message": "x", "fold": True, "wait": 60},
            blocking=True,
        )
    assert caught.value.translation_key == "fold_and_wait"
    assert len(emulator.messages()) == 5


@pytest.mark.parametrize("entry_options", [{}], ids=["folding off"])
async def test_the_options_flow_offers_folding(
    hass: HomeAssistant, emulator: Emulator, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert {CONF_FOLD, CONF_FOLD_BURST, CONF_FOLD_WINDOW} <= {str(k) for k in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_FOLD: True, CONF_FOLD_BURST: 2, CONF_FOLD_WINDOW: 300}
    )
    await hass.async_block_till_done()
    assert init_integration.options == {CONF_DEVICE_IDS: [], CONF_FOLD: True, CONF_FOLD_BURST: 2, CONF_FOLD_WINDOW: 300}



async def test_a_digest_the_api_refuses_is_kept_and_tried_again_a_window_later(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for n in range(5):
        await notify(hass, f"Freezer {n} warm")
    emulator.add_fault("error", "send", count=None, code=1006)
    await clock.advance(hass, 61)
    assert len(emulator.messages()) == 3
    assert "GoSMS digest of 2 notifications" in caplog.text and "1006" in caplog.text
    assert init_integration.runtime_data.folder is not None
    assert init_integration.runtime_data.folder.waiting() == {RECIPIENT_PHONE: 2}

    emulator.clear_faults()
    await clock.advance(hass, 61)
    sent = texts(emulator)
    assert len(sent) == 4 and sent[3].startswith("Digest ") and "2 alerts" in sent[3], sent
    assert init_integration.runtime_data.folder.waiting() == {}


async def test_deleting_the_entry_deletes_what_waited(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    for n in range(4):
        await notify(hass, f"Gate {n}")
    assert storage_key(init_integration.entry_id) in hass_storage
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert storage_key(init_integration.entry_id) not in hass_storage


@pytest.mark.parametrize("entry_options", [{CONF_FOLD: True, CONF_MONTHLY_QUOTA: 100}], ids=["quota 100"])
async def test_with_the_quota_down_to_its_reserve_every_message_folds(
    hass: HomeAssistant, emulator: Emulator, clock: Clock, init_integration: MockConfigEntry
) -> None:
    emulator.seed_messages(95)  # 5 % left, under the core's 10 % reserve
    await init_integration.runtime_data.coordinator.async_refresh()
    assert init_integration.runtime_data.coordinator.data.month_count == 95
    await notify(hass, "Garage open")
    await notify(hass, "Garage still open")
    assert len(emulator.messages()) == 95  # not even the first goes alone
    await clock.advance(hass, 61)
    new = [m["message"] for m in emulator.messages()[95:]]
    assert len(new) == 1 and new[0].startswith("Digest ") and "2 alerts" in new[0], new


async def test_diagnostics_show_what_waits_without_numbers_or_texts(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    emulator: Emulator,
    clock: Clock,
    init_integration: MockConfigEntry,
) -> None:
    for n in range(5):
        await notify(hass, f"disk full on web0{n}")
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    folding = result["folding"]
    assert folding["on"] is True and folding["burst"] == 3 and folding["window"] == 60
    assert folding["numbers_waiting"] == 1 and folding["messages_waiting"] == 2
    assert 0 < folding["next_digest_in"] <= 60
    text = json.dumps(result)
    assert RECIPIENT_PHONE not in text and "disk full" not in text

    await clock.advance(hass, 61)
    folding = (await get_diagnostics_for_config_entry(hass, hass_client, init_integration))["folding"]
    assert folding["messages_waiting"] == 0 and folding["next_digest_in"] is None
    assert len(emulator.messages()) == 4
