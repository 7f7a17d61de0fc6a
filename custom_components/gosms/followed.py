"""Alerts followed to the handset: the events automations trigger on, and the log of undelivered ones.

The core decides (``AsyncClient.deliver``: read statuses, cancel a stuck copy, resend through the
next phone); this module only tells Home Assistant what it decided. Each recipient's verdict fires
``gosms_message_delivered`` or ``gosms_message_undelivered``, so an automation can fall back to a
push notification or a call when the SMS did not reach the person; the undelivered ones are also
counted for the account's "Undelivered alerts" sensor, which keeps its count across restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from gosms.wire.routes import DELIVERED, Followed, Leg

EVENT_DELIVERED: Final = "gosms_message_delivered"
EVENT_UNDELIVERED: Final = "gosms_message_undelivered"


def route_data(leg: Leg) -> dict[str, Any]:
    """One route's try as events and the action's response carry it."""
    return {
        "route": leg.route.label,
        "device_id": leg.route.device_id,
        "to_sim": leg.route.to_sim,
        "outcome": leg.outcome or "in progress",
        "detail": leg.detail,
        "cancel": leg.cancel,
        "message_ids": list(leg.ids),
    }


def event_data(entry_id: str, record: Followed) -> dict[str, Any]:
    """What an automation reads from the event: the number, the message id (the copy that was
    delivered, else the last one sent), the routes tried in order and the story in words."""
    sent = [leg for leg in record.legs if leg.ids]
    carried = next((leg for leg in sent if leg.outcome == "delivered"), sent[-1] if sent else None)
    return {
        "config_entry_id": entry_id,
        "phone_number": record.phone_number,
        "message_id": carried.ids[0] if carried else None,
        "message_ids": [i for leg in record.legs for i in leg.ids],
        "verdict": record.verdict,
        "routes": [route_data(leg) for leg in record.legs],
        "story": record.story(),
        "possible_double": record.possible_double,
    }


@dataclass
class UndeliveredLog:
    """How many alerts of the entry ended undelivered, and the last one, for the sensor."""

    count: int = 0
    last: dict[str, Any] | None = None
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    @callback
    def add(self, data: dict[str, Any]) -> None:
        self.count += 1
        self.last = {**data, "time": dt_util.utcnow().isoformat()}
        for listener in list(self._listeners):
            listener()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)


@callback
def async_report(hass: HomeAssistant, entry_id: str, log: UndeliveredLog, records: list[Followed]) -> None:
    """Fire each recipient's event; count the undelivered ones (a verdict still open when the time
    ran out counts as undelivered: nobody knows the person got it)."""
    for record in records:
        data = event_data(entry_id, record)
        if record.verdict == DELIVERED:
            hass.bus.async_fire(EVENT_DELIVERED, data)
        else:
            hass.bus.async_fire(EVENT_UNDELIVERED, data)
            log.add(data)
