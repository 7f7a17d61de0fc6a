"""What can be wrong with a gateway phone, how bad it is for alerting, and what to do about it.

The API reports a phone's state (active, battery, charging, last heartbeat) but no verdict.  The
verdict is product knowledge shared by every adapter: the Nagios check turns it into states, Home
Assistant into entities and texts.  Like the error table, it lives here once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from .errors import Severity
from .models import HEARTBEAT_SECONDS, LOW_BATTERY_PERCENT, OFFLINE_AFTER_SECONDS, Device

__all__ = [
    "OFFLINE_CRITICAL_AFTER_SECONDS",
    "PHONE_PROBLEMS",
    "PhoneProblem",
    "ProblemInfo",
    "phone_problems",
]

OFFLINE_CRITICAL_AFTER_SECONDS = OFFLINE_AFTER_SECONDS + 2 * HEARTBEAT_SECONDS
"""Three heartbeats missed: past a passing network gap, the phone is gone until someone acts."""

_DEVICES = "https://cms.gosms.ru/devices"


class PhoneProblem(str, enum.Enum):
    INACTIVE = "inactive"
    NEVER_SEEN = "never_seen"
    OFFLINE = "offline"
    BATTERY_LOW = "battery_low"


@dataclass(frozen=True)
class ProblemInfo:
    problem: PhoneProblem
    severity: Severity
    """The state when the problem is met at its default threshold."""
    description: str
    remedy: str
    description_ru: str
    remedy_ru: str


PHONE_PROBLEMS: Mapping[PhoneProblem, ProblemInfo] = {
    info.problem: info
    for info in (
        # A phone switched off in the control panel takes no message, however healthy it is.
        ProblemInfo(PhoneProblem.INACTIVE, Severity.CRITICAL,
                    "The phone is not allowed to send SMS.",
                    f"switch it on under My Devices: {_DEVICES}",
                    "Телефону не разрешена отправка SMS.",
                    f"Включите телефон в разделе «Мои устройства» ({_DEVICES})."),
        ProblemInfo(PhoneProblem.NEVER_SEEN, Severity.CRITICAL,
                    "The phone has never reported to GoSMS.",
                    "Open the GoSMS app on the phone and connect it to the account.",
                    "Телефон ни разу не выходил на связь с GoSMS.",
                    "Откройте приложение GoSMS на телефоне и подключите его к аккаунту."),
        # Late by one heartbeat is a warning; the critical threshold is OFFLINE_CRITICAL_AFTER_SECONDS.
        ProblemInfo(PhoneProblem.OFFLINE, Severity.WARNING,
                    "The phone's heartbeat is overdue: messages wait until it is back.",
                    "Check that the phone is on, has mobile data or Wi-Fi, and that the GoSMS app runs "
                    "(exempt it from battery optimisation).",
                    "Телефон давно не выходил на связь: сообщения ждут его возвращения.",
                    "Проверьте, что телефон включён, есть мобильный интернет или Wi-Fi и приложение GoSMS "
                    "работает (отключите для него оптимизацию батареи)."),
        ProblemInfo(PhoneProblem.BATTERY_LOW, Severity.WARNING,
                    "The phone's battery is low and it is not charging.",
                    "Plug the phone in.",
                    "Батарея телефона разряжается, и он не заряжается.",
                    "Подключите телефон к зарядке."),
    )
}


def phone_problems(
    device: Device,
    now: Optional[datetime] = None,
    *,
    offline_warning: float = OFFLINE_AFTER_SECONDS,
    offline_critical: float = OFFLINE_CRITICAL_AFTER_SECONDS,
    battery_warning: int = LOW_BATTERY_PERCENT,
    battery_critical: Optional[int] = None,
) -> list[tuple[ProblemInfo, Severity]]:
    """Every problem the phone has now, each with the state it earns at these thresholds."""
    found: list[tuple[ProblemInfo, Severity]] = []
    if not device.is_active:
        info = PHONE_PROBLEMS[PhoneProblem.INACTIVE]
        found.append((info, info.severity))
    if device.last_online is None:
        info = PHONE_PROBLEMS[PhoneProblem.NEVER_SEEN]
        found.append((info, info.severity))
    elif not device.online(now, offline_after=offline_critical):
        found.append((PHONE_PROBLEMS[PhoneProblem.OFFLINE], Severity.CRITICAL))
    elif not device.online(now, offline_after=offline_warning):
        info = PHONE_PROBLEMS[PhoneProblem.OFFLINE]
        found.append((info, info.severity))
    if battery_critical is not None and device.battery_low(battery_critical):
        found.append((PHONE_PROBLEMS[PhoneProblem.BATTERY_LOW], Severity.CRITICAL))
    elif device.battery_low(battery_warning):
        info = PHONE_PROBLEMS[PhoneProblem.BATTERY_LOW]
        found.append((info, info.severity))
    return found
