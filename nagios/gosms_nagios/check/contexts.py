"""How each measurement is judged, worded and turned into performance data.

States of API errors are the core table's (``exc.severity``), with its description and remedy;
phone judgements use the core's own :meth:`~gosms.wire.models.Device.online` and
:meth:`~gosms.wire.models.Device.battery_low` with the thresholds given on the command line.
"""

from __future__ import annotations

from typing import Any, Optional

import nagiosplugin  # type: ignore[import-untyped]
from nagiosplugin import Critical, Ok, Performance, Range, Result, Unknown, Warn

from gosms.wire.errors import APIError, GoSMSError, RateLimitError, Severity

from ..common.hint_words import CHECK_FLAGS, hint_text

__all__ = [
    "ApiTimeContext",
    "DeliveryContext",
    "ErrorContext",
    "NoteContext",
    "PerfOnlyContext",
    "PhoneActiveContext",
    "PhoneBatteryContext",
    "PhoneSeenContext",
    "QuotaContext",
    "SkippedContext",
    "duration",
    "error_text",
    "nagios_state",
]

_STATES = {Severity.OK: Ok, Severity.WARNING: Warn, Severity.CRITICAL: Critical, Severity.UNKNOWN: Unknown}


def nagios_state(severity: Severity) -> Any:
    """The nagiosplugin state for a core severity (both are numbered as the plugin exit codes)."""
    return _STATES.get(Severity(int(severity)), Unknown)


def error_text(exc: GoSMSError) -> str:
    """One line for an operator: the table's description and remedy for API errors.

    A 429 that outlasted the retries means the account's requests (every program using it counts)
    are over the API's rate limit: the API works, so it is worded as rate limiting, not as an outage.
    """
    if isinstance(exc, APIError):
        hint = hint_text(exc.hint, CHECK_FLAGS)
        return f"GoSMS error {exc.code}: {exc.description} Fix: {exc.remedy}" + (f" {hint}" if hint else "")
    if isinstance(exc, RateLimitError):
        return ("rate limited: GoSMS kept answering 429 Too Many Requests until the check's time ran out "
                "(the limit counts every program using this account). The API is up, but alerts may be "
                "delayed. Fix: spread out what else uses the account, or raise -t.")
    return str(exc)


def duration(seconds: float) -> str:
    """``40 s``, ``6 min``, ``2 h 5 min``, ``3 d 4 h``."""
    total = round(seconds)
    if total < 120:
        return f"{total} s"
    minutes = total // 60
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _past(rng: Range, unit: str = "") -> str:
    """Where a range alerts, in words: ``past 80 %`` for the usual ``80``, ``inside 70 to 80 %`` for ``@70:80``.

    A plain range alerts outside start..end, an inverted one (``@``) inside it, ends included.
    """
    inf = float("inf")
    if rng.invert:
        if rng.start == -inf:
            return f"at {rng.end}{unit} or less"
        if rng.end == inf:
            return f"at {rng.start}{unit} or more"
        return f"inside {rng.start} to {rng.end}{unit}"
    if rng.start == -inf or (rng.start == 0 and rng.end != inf):
        return f"past {rng.end}{unit}"
    if rng.end == inf:
        return f"below {rng.start}{unit}"
    return f"outside {rng.start} to {rng.end}{unit}"


class ErrorContext(nagiosplugin.Context):  # type: ignore[misc]
    """A :class:`~gosms.wire.errors.GoSMSError` as the metric's value: state, description, remedy."""

    def __init__(self) -> None:
        super().__init__("gosms_error")

    def evaluate(self, metric: Any, resource: Any) -> Any:
        exc: GoSMSError = metric.value
        return Result(nagios_state(exc.severity), error_text(exc), metric)

    def describe(self, metric: Any) -> Optional[str]:
        return None


class SkippedContext(nagiosplugin.Context):  # type: ignore[misc]
    """A part not checked because the account check already failed (the same failure would repeat)."""

    def __init__(self) -> None:
        super().__init__("skipped")

    def evaluate(self, metric: Any, resource: Any) -> Any:
        return Result(Ok, f"not checked: {metric.value}", metric)

    def describe(self, metric: Any) -> Optional[str]:
        return None


class NoteContext(nagiosplugin.Context):  # type: ignore[misc]
    """A problem of the check's own set-up that does not stop it (an unwritable state file)."""

    def __init__(self, name: str, state: Any = Warn) -> None:
        super().__init__(name)
        self.state = state

    def evaluate(self, metric: Any, resource: Any) -> Any:
        return Result(self.state, str(metric.value), metric)

    def describe(self, metric: Any) -> Optional[str]:
        return None


class PerfOnlyContext(nagiosplugin.ScalarContext):  # type: ignore[misc]
    """Performance data without a judgement or a text of its own."""

    def __init__(self) -> None:
        super().__init__("perf_only", fmt_metric=None)


class ApiTimeContext(nagiosplugin.ScalarContext):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__("api_time", fmt_metric=lambda metric, context: f"answered in {metric.value:.3f} s")


class _PercentContext(nagiosplugin.ScalarContext):  # type: ignore[misc]
    """A percentage against Nagios ranges, saying in words where the range starts to alert."""

    def evaluate(self, metric: Any, resource: Any) -> Any:
        if not self.critical.match(metric.value):
            return Result(Critical, f"critical {_past(self.critical, ' %')}", metric)
        if not self.warning.match(metric.value):
            return Result(Warn, f"warning {_past(self.warning, ' %')}", metric)
        return Result(Ok, None, metric)


class QuotaContext(_PercentContext):
    """Per cent of the monthly quota used."""

    def __init__(self, warning: Optional[str], critical: Optional[str]) -> None:
        super().__init__("quota", warning, critical)

    def describe(self, metric: Any) -> Optional[str]:
        resource = metric.resource
        return f"{metric.value:.1f} % used this month, {resource.used} of {resource.quota} SMS"


class DeliveryContext(_PercentContext):
    """Per cent of the last N messages that failed to send or to be delivered."""

    def __init__(self, warning: Optional[str], critical: Optional[str]) -> None:
        super().__init__("delivery", warning, critical)

    def describe(self, metric: Any) -> Optional[str]:
        resource = metric.resource
        if not resource.total:
            return "no messages yet to judge delivery by"
        return f"{metric.value:.1f} % failed, {resource.failed_count} of the last {resource.total} messages"


class PhoneActiveContext(nagiosplugin.Context):  # type: ignore[misc]
    """A phone switched off in the control panel sends nothing, however healthy it is."""

    def __init__(self) -> None:
        super().__init__("phone_active")

    def evaluate(self, metric: Any, resource: Any) -> Any:
        if metric.value:
            return Result(Ok, None, metric)
        from gosms.wire.health import PHONE_PROBLEMS, PhoneProblem

        info = PHONE_PROBLEMS[PhoneProblem.INACTIVE]
        return Result(nagios_state(info.severity), f"it sends no SMS, {info.remedy}", metric)

    def describe(self, metric: Any) -> Optional[str]:
        return "active" if metric.value else "inactive"


class PhoneSeenContext(nagiosplugin.Context):  # type: ignore[misc]
    """Seconds since the phone's last heartbeat, judged by the core's ``Device.online()``."""

    def __init__(self, warning: float, critical: float) -> None:
        super().__init__("phone_seen")
        self.warning = warning
        self.critical = critical

    def evaluate(self, metric: Any, resource: Any) -> Any:
        device = resource.device
        if metric.value is None:
            from gosms.wire.health import PHONE_PROBLEMS, PhoneProblem

            info = PHONE_PROBLEMS[PhoneProblem.NEVER_SEEN]
            return Result(nagios_state(info.severity), "it has never reported to GoSMS", metric)
        if not device.online(offline_after=self.critical):
            return Result(Critical, f"critical after {duration(self.critical)}", metric)
        if not device.online(offline_after=self.warning):
            return Result(Warn, f"warning after {duration(self.warning)}", metric)
        return Result(Ok, None, metric)

    def describe(self, metric: Any) -> Optional[str]:
        if metric.value is None:
            return "never seen"
        return f"last seen {duration(metric.value)} ago"

    def performance(self, metric: Any, resource: Any) -> Any:
        if metric.value is None:
            return None
        return Performance(metric.name, metric.value, "s", Range(f"{self.warning:g}"),
                           Range(f"{self.critical:g}"), 0)


class PhoneBatteryContext(nagiosplugin.Context):  # type: ignore[misc]
    """Battery low while not charging, judged by the core's ``Device.battery_low()``."""

    def __init__(self, warning: int, critical: Optional[int]) -> None:
        super().__init__("phone_battery")
        self.warning = warning
        self.critical = critical

    def evaluate(self, metric: Any, resource: Any) -> Any:
        device = resource.device
        if metric.value is None:
            return Result(Ok, "the phone does not report it", metric)
        if self.critical is not None and device.battery_low(self.critical):
            return Result(Critical, f"not charging, critical below {self.critical} %", metric)
        if device.battery_low(self.warning):
            return Result(Warn, f"not charging, warning below {self.warning} %", metric)
        return Result(Ok, None, metric)

    def describe(self, metric: Any) -> Optional[str]:
        if metric.value is None:
            return "battery n/a"
        charging = metric.resource.device.is_charging
        return f"battery {metric.value} %" + (" (charging)" if charging else "")

    def performance(self, metric: Any, resource: Any) -> Any:
        critical = Range(f"{self.critical}:") if self.critical is not None else None
        if metric.value is None:  # the guidelines' "U": the value could not be determined
            return Performance(metric.name, "U", "", Range(f"{self.warning}:"), critical, 0, 100)
        return Performance(metric.name, metric.value, "%", Range(f"{self.warning}:"), critical, 0, 100)
