"""Folding a burst of notifications into a digest per recipient, when the entry's options ask for it.

Why: an automation that fires for every leak sensor of a flooded basement, or every device of a
dead Zigbee network, sends one SMS per notification; the phone buzzes twenty times and the month's
quota pays for it.  With folding on, the core's rules (:mod:`gosms.wire.folding`, the same that fold
``notify_gosms``, the relay and the Ansible callback in the outbox's runner) decide per number: the
first notifications of a burst go alone, the rest of the window wait and leave as one digest.

Home Assistant is the long-lived process here, so it keeps what waits itself: in its own storage
(``.storage``, written atomically and private to the installation), so a restart loses nothing, and
a timer sends each digest when its window closes.  Off by default: a notification is one SMS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
import uuid

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from gosms import BulkResult, GoSMSError
from gosms.wire.folding import DEFAULT_POLICY, Alert, FoldPolicy, digest_text, plan_folding, reserve_in_force
from gosms.wire.outcomes import plan_send

from .const import CONF_FOLD, CONF_FOLD_BURST, CONF_FOLD_WINDOW, DOMAIN, LOGGER
from .sender import async_send, text_options
from .util import ha_error

if TYPE_CHECKING:
    from .coordinator import GoSMSConfigEntry

STORAGE_VERSION: Final = 1


def _now() -> float:
    """Home Assistant's clock (the one its timers and tests keep), as the core's seconds."""
    return dt_util.utcnow().timestamp()


def fold_policy(options: Mapping[str, Any]) -> FoldPolicy:
    """The entry's burst and window (the core's default, 3 within 60 s, for what is not set)."""
    return FoldPolicy(
        int(options.get(CONF_FOLD_BURST, DEFAULT_POLICY.burst)),
        float(options.get(CONF_FOLD_WINDOW, DEFAULT_POLICY.window)),
    )


def storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.folding.{entry_id}"


@dataclass
class _Waiting:
    """A notification held for its number's digest, with the phone that was to send it."""

    alert: Alert
    reason: str
    device_id: str | None = None
    to_sim: int | None = None

    def as_dict(self) -> dict[str, Any]:
        a = self.alert
        return {"id": a.id, "created": a.created, "text": a.text, "host": a.host, "service": a.service,
                "reason": self.reason, "device_id": self.device_id, "to_sim": self.to_sim}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Waiting:
        alert = Alert(str(data["id"]), float(data["created"]), str(data.get("text", "")),
                      host=str(data.get("host", "")), service=str(data.get("service", "")))
        return cls(alert, str(data.get("reason", "held")), data.get("device_id"), data.get("to_sim"))


@dataclass
class _Recipient:
    """What the folding rules need to know of one number."""

    held: list[_Waiting] = field(default_factory=list)
    sent_alone: list[float] = field(default_factory=list)
    last_digest: float | None = None
    sending: list[_Waiting] = field(default_factory=list)
    """Held ones whose digest is on its way: still saved as held until the API took it."""
    retry_at: float = 0.0


@dataclass
class FoldedSend:
    """The outcome of a send with folding on: what went now, and the numbers whose text waits."""

    result: BulkResult | None
    held: list[str]


class Folder:
    """One entry's notifications waiting for their digests, per number, kept in Home Assistant's storage."""

    def __init__(self, hass: HomeAssistant, entry: GoSMSConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, storage_key(entry.entry_id),
                                                   private=True, atomic_writes=True)
        self._numbers: dict[str, _Recipient] = {}
        self._unsub: Callable[[], None] | None = None

    @property
    def policy(self) -> FoldPolicy:
        return fold_policy(self.entry.options)

    def reserve(self) -> bool:
        """Whether the month's quota (the option) is down to the core's reserve, by the last poll's
        count: then every message folds, as alerts below CRITICAL do in the other tools."""
        coordinator = self.entry.runtime_data.coordinator
        count = coordinator.data.month_count if coordinator.data is not None else None
        return bool(coordinator.quota and count is not None and reserve_in_force(count, coordinator.quota))

    def waiting(self) -> dict[str, int]:
        """Notifications waiting for a digest, by number (for tests and troubleshooting)."""
        return {n: len(r.held) + len(r.sending) for n, r in self._numbers.items() if r.held or r.sending}

    def diagnostics(self) -> dict[str, Any]:
        """What waits and when it leaves, for the entry's diagnostics: counts and times, never a
        number or a text (a support request should show a stuck digest without leaking the on-call)."""
        now = _now()
        policy = self.policy
        dues = self._dues(now)
        waiting = self.waiting()
        return {
            "on": folds(self.entry),
            "burst": policy.burst,
            "window": policy.window,
            "quota_reserve": self.reserve(),
            "numbers_waiting": len(waiting),
            "messages_waiting": sum(waiting.values()),
            "digests_sending": sum(1 for rec in self._numbers.values() if rec.sending),
            "next_digest_in": round(max(0.0, min(dues) - now), 1) if dues else None,
        }

    async def async_load(self) -> None:
        """What waited when Home Assistant stopped; digests already due go out at once."""
        data = await self._store.async_load() or {}
        for number, saved in (data.get("recipients") or {}).items():
            self._numbers[number] = _Recipient(
                held=[_Waiting.from_dict(w) for w in saved.get("held", [])],
                sent_alone=[float(t) for t in saved.get("sent_alone", [])],
                last_digest=saved.get("last_digest"),
            )
        self._schedule(_now())

    @callback
    def async_stop(self) -> None:
        """The entry unloads: stop the timer (what waits stays saved for the next start)."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    async def _async_save(self, now: float) -> None:
        keep = now - 2 * max(self.policy.window, DEFAULT_POLICY.window)
        recipients = {}
        for number, rec in self._numbers.items():
            rec.sent_alone = [t for t in rec.sent_alone if t > keep]
            recipients[number] = {"held": [w.as_dict() for w in rec.sending + rec.held],
                                  "sent_alone": rec.sent_alone, "last_digest": rec.last_digest}
        await self._store.async_save({"recipients": recipients})

    def fold(self, numbers: Sequence[str], message: str, title: str | None, device_id: str | None,
             to_sim: int | None, now: float) -> list[str]:
        """The numbers that get the message alone now; the others hold it for their digest, which
        names it as ``title: message`` (the message's start when it has no title)."""
        text = f"{title}\n{message}" if title else message
        alone: list[str] = []
        reserve = self.reserve()
        for number in numbers:
            rec = self._numbers.setdefault(number, _Recipient())
            alert = Alert(uuid.uuid4().hex, now, text, host=title or "", service=message if title else "")
            plan = plan_folding([alert], [(w.alert, w.reason) for w in rec.held], rec.sent_alone,
                                rec.last_digest, self.policy, now, reserve)
            if alert.id in plan.alone:
                rec.sent_alone.append(now)
                alone.append(number)
            else:
                rec.held.append(_Waiting(alert, plan.held.get(alert.id, "held"), device_id, to_sim))
        self._schedule(now)
        return alone

    def _dues(self, now: float) -> list[float]:
        """When each number's digest is due (a number with nothing waiting, or its digest on its way, has none)."""
        return [d for rec in self._numbers.values() if (d := self._due(rec, now)) is not None]

    def _due(self, rec: _Recipient, now: float) -> float | None:
        if not rec.held or rec.sending:
            return None
        plan = plan_folding([], [(w.alert, w.reason) for w in rec.held], rec.sent_alone, rec.last_digest,
                            self.policy, now)
        return max(now if plan.digest else plan.due or now, rec.retry_at)

    @callback
    def _schedule(self, now: float) -> None:
        self.async_stop()
        dues = self._dues(now)
        if dues:
            moment = dt_util.utc_from_timestamp(min(dues))
            self._unsub = async_track_point_in_utc_time(self.hass, self._async_fire, moment)

    async def _async_fire(self, _moment: datetime) -> None:
        self._unsub = None
        now = _now()
        for number, rec in list(self._numbers.items()):
            due = self._due(rec, now)
            if due is not None and due <= now:
                await self._async_send_digest(number, rec, now)
        self._schedule(_now())

    async def _async_send_digest(self, number: str, rec: _Recipient, now: float) -> None:
        """One SMS carrying every notification that waits for this number."""
        rec.sending, rec.held = rec.held, []
        rec.last_digest = now
        first = rec.sending[0]
        text = digest_text([(w.alert, w.reason) for w in rec.sending])
        try:
            await async_send(self.hass, self.entry, [number], text, device_id=first.device_id, to_sim=first.to_sim)
        except HomeAssistantError as err:
            # Kept, and tried again a window later: the notifications it carries are not dropped.
            LOGGER.warning("GoSMS digest of %d notifications to %s not sent, tried again in %g s: %s",
                           len(rec.sending), number, self.policy.window, err)
            rec.held, rec.retry_at = rec.sending + rec.held, now + self.policy.window
        rec.sending = []
        await self._async_save(_now())

    async def async_send(
        self,
        to: Sequence[str],
        message: str,
        *,
        title: str | None = None,
        device_id: str | None = None,
        to_sim: int | None = None,
        invalid_chars: str | None = None,
        long_message: str | None = None,
    ) -> FoldedSend:
        """Send ``message`` to the numbers whose burst allows it now; hold it for the others' digests.

        Checked first as a send is (numbers normalised, the text, the phone): bad input raises before
        anything is sent or held.
        """
        text = f"{title}\n{message}" if title else message
        options = text_options(self.entry, invalid_chars, long_message)
        try:
            plan = plan_send(list(to), text, device_id=device_id or None, to_sim=to_sim, normalize=True, **options)
        except GoSMSError as err:
            raise ha_error(self.hass, err) from err
        now = _now()
        alone = self.fold(plan.recipients, message, title, plan.device_id, plan.to_sim, now)
        await self._async_save(now)
        held = [number for number in plan.recipients if number not in alone]
        if held:
            LOGGER.debug("GoSMS notification held for the digest to %s (%s)", ", ".join(held), self.policy.spec())
        result = None
        if alone:
            result = await async_send(self.hass, self.entry, alone, text, device_id=device_id, to_sim=to_sim,
                                      invalid_chars=invalid_chars, long_message=long_message)
        return FoldedSend(result, held)


def folder_of(entry: GoSMSConfigEntry) -> Folder:
    """The loaded entry's folder (made with its runtime data, before any entity or action can send)."""
    folder = entry.runtime_data.folder
    if folder is None:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="no_entry_loaded")
    return folder


def folds(entry: GoSMSConfigEntry, asked: bool | None = None) -> bool:
    """Whether a send folds: the action's ``fold`` when given, else the entry's option (off by default)."""
    return bool(entry.options.get(CONF_FOLD, False) if asked is None else asked)


async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
    """The entry is deleted: so is what waited for its digests."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()
