"""What a send to several numbers planned and what became of each number.

Alerting tools need both halves: a plan validated in full before anything goes out, and a result
that says exactly who got the alert and who did not, so a partial failure is never reported as
either success or total failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from . import flows
from . import validation as v
from .config import Token, redact_error
from .errors import APIError, GoSMSError, TransportError, ValidationError
from .flows import SendResult
from .retry import RetryPolicy

__all__ = [
    "BulkResult", "RecipientResult", "SendPlan", "StopSending", "plan_send", "refused_for_all", "send_recipient",
]


@dataclass(frozen=True)
class SendPlan:
    """A send checked in full: the numbers, the text's parts and the optional fields, all valid."""

    recipients: tuple[str, ...]
    parts: tuple[str, ...]
    device_id: Optional[str]
    to_sim: Optional[int]
    callback_id: Optional[str]


def plan_send(
    to: Union[str, Sequence[str]],
    message: Any,
    *,
    device_id: Optional[str] = None,
    to_sim: Optional[int] = None,
    callback_id: Optional[str] = None,
    invalid_chars: str = "fail",
    long_message: str = "fail",
    normalize: bool = False,
) -> SendPlan:
    """Every field checked with the API's own codes; raises before any request on the first problem.

    Duplicate numbers are sent to once: an alert texted twice to the same phone is noise.
    """
    numbers = [to] if isinstance(to, (str, int)) else list(to)
    if not numbers:
        from .hints import Hint, Setting  # the words of a refusal load only when there is one

        raise ValidationError(2001, reason="no_recipient", hint=Hint(Setting.RECIPIENT))
    check = v.normalize_phone if normalize else v.check_phone
    recipients: list[str] = []
    for number in numbers:
        phone = check(number)
        if phone not in recipients:
            recipients.append(phone)
    parts = v.prepare_message(message, invalid_chars=invalid_chars, long_message=long_message)
    device = v.check_device_id(device_id) if device_id else None
    sim = v.check_to_sim(to_sim, device) if to_sim is not None else None
    callback = v.check_callback_id(callback_id) if callback_id else None
    return SendPlan(tuple(recipients), tuple(parts), device, sim, callback)


def refused_for_all(error: GoSMSError) -> bool:
    """Whether the API's refusal of one number of a send is its answer for every other number too.

    Only a refused phone number is about that number.  The token, the account, the plan's quota,
    the phone chosen and the text are shared by all of them, so once one of those is refused the
    other numbers would collect the same refusal: a caller stops there and says it once.  Failures
    that may pass on a retry (the rate limit, an unreachable API) are not final for anyone.
    """
    return isinstance(error, APIError) and not error.info.retryable and error.info.field != "phone_number"


class StopSending:
    """The numbers of one send stop being tried once an answer holds for all of them.

    That is a refusal of what every number shares (:func:`refused_for_all`: the token, the
    account, the phone, the text), or an API not reached for a whole deadline without a doubt
    that the request arrived (refused connections, no turn in the rate budget).  A number not yet
    tried then gets that error without a request: one refusal, not one per number, and a task
    that fails after one deadline, not one per number.  Shared by the sync and async clients,
    whose sends to several numbers run side by side.
    """

    def __init__(self) -> None:
        self.error: Optional[GoSMSError] = None

    def stopped(self, result: RecipientResult) -> bool:
        """True (and the result holds the shared error) when ``result``'s number is not to be tried."""
        if self.error is None:
            return False
        result.error = self.error
        return True

    def failed(self, error: GoSMSError) -> None:
        """One number's send failed with ``error``: stop the others if it holds for them too."""
        if refused_for_all(error) or (isinstance(error, TransportError) and not error.maybe_sent):
            self.error = error


@dataclass
class RecipientResult:
    """What became of one number: the parts that went out, and the error that stopped the rest."""

    phone_number: str
    sent: list[SendResult] = field(default_factory=list)
    error: Optional[GoSMSError] = None

    def add(self, part: SendResult) -> None:
        """Record one message part the API accepted for this number."""
        self.sent.append(part)

    @property
    def ok(self) -> bool:
        """True when every part went out to this number."""
        return self.error is None

    @property
    def ids(self) -> list[str]:
        """Message ids of the parts that went out, in order."""
        return [part.id for part in self.sent]

    @property
    def notes(self) -> list[str]:
        """Warnings about this number's sends (a recovered answer, a possible duplicate)."""
        notes = [note for part in self.sent for note in part.notes]
        if self.error is not None:
            notes.extend(self.error.notes)
        return notes

    def as_dict(self) -> dict[str, Any]:
        """This number's outcome for JSON output, with the decoded error if it failed."""
        data: dict[str, Any] = {
            "phone_number": self.phone_number,
            "ok": self.ok,
            "ids": self.ids,
            "status": "sent" if self.ok else ("partly sent" if self.sent else "failed"),
            "notes": self.notes,
        }
        if self.error is not None:
            data["error"] = str(self.error)
            data["maybe_sent"] = self.error.maybe_sent
            if isinstance(self.error, APIError):
                data.update(self.error.as_dict())
            else:
                data["error_type"] = type(self.error).__name__
        return data


@dataclass
class BulkResult:
    """The outcome of one send to one or more numbers: who got the alert and who did not."""

    results: list[RecipientResult]
    parts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every recipient got every part."""
        return all(r.ok for r in self.results)

    @property
    def sent(self) -> list[RecipientResult]:
        """Recipients that got the whole alert."""
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[RecipientResult]:
        """Recipients that did not (possibly after some parts went out)."""
        return [r for r in self.results if not r.ok]

    @property
    def ids(self) -> list[str]:
        """Every message id created, recipient by recipient."""
        return [i for r in self.results for i in r.ids]

    def summary(self) -> str:
        """One sentence naming who got the alert and who did not, and why."""
        if self.ok:
            return f"Sent to {len(self.results)} number(s): " + ", ".join(
                f"{r.phone_number} ({', '.join(r.ids)})" for r in self.results)
        went = ", ".join(r.phone_number for r in self.sent) or "none"
        # Each error is a whole sentence ending in its remedy: joined as sentences, not with "; ".
        failed = " ".join(
            f"{r.phone_number}: {text if text.endswith('.') else text + '.'}"
            for r in self.failed
            for text in [str(r.error)]
        )
        return f"Sent to: {went}. Not sent to: {failed}"

    def as_dict(self) -> dict[str, Any]:
        """The outcome for JSON output: ``ok``, the number of parts, one entry per recipient."""
        return {"ok": self.ok, "parts": len(self.parts), "results": [r.as_dict() for r in self.results]}


def send_recipient(
    base_url: str, token: Token, phone: str, plan: SendPlan, *, policy: RetryPolicy, known_ids: set[str],
    stop: StopSending,
) -> flows.Flow:
    """Every part of ``plan`` to one number, as a flow: the one send loop both clients drive.

    A number whose send the shared :class:`StopSending` has stopped gets that answer without a
    request; a failed part stops this number's later parts (a half-sent alert says so) and tells
    ``stop`` whether the failure holds for the numbers not yet tried.  The clients only choose
    the order (the first number alone, then the rest side by side: threads or tasks).
    """
    result = RecipientResult(phone)
    if stop.stopped(result):
        return result
    for part in plan.parts:
        try:
            sent: SendResult = yield from flows.send(
                base_url, token, phone, part, device_id=plan.device_id, to_sim=plan.to_sim,
                callback_id=plan.callback_id, policy=policy, known_ids=known_ids)
        except GoSMSError as exc:
            redact_error(exc, token)  # kept in the result, not raised: masked here, as a raised one is
            result.error = exc
            stop.failed(exc)
            break
        result.add(sent)
    return result
