"""A webhook's notification group, read from its JSON and said in one SMS.

No I/O here: the server hands in the decoded body and gets back a :class:`Notification`, or a
:class:`PayloadError` whose sentence the sender's log shows (Alertmanager logs the answer's body).

One group is one SMS: Alertmanager has grouped the alerts already (``group_by``), and a person paged
at night wants one message that says how many alerts fire and which, not one per instance.  The text
fits the core's limit (:data:`gosms.wire.validation.MAX_MESSAGE_LENGTH`) by listing alert names and
instances while they fit and counting the rest as ``+N more``; characters the API refuses are
replaced with readable spellings (:func:`gosms.wire.validation.replace_invalid_chars`) before the
length is measured, so the replacement cannot push the text over the limit.  Firing and resolved
groups start with different words (``FIRING`` / ``RESOLVED``), so the two read apart at a glance.

Payload formats, as documented by their projects:

- Alertmanager's ``webhook_config`` body, ``version: "4"``: ``receiver``, ``status``, ``alerts`` (each
  with ``status``, ``labels``, ``annotations``, ``startsAt``, ``endsAt``, ``fingerprint``),
  ``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``groupKey``, ``truncatedAlerts``;
- Grafana's webhook contact point: the same shape with ``version: "1"`` and Grafana's additions
  (``orgId``, ``title``, ``state``, ``message``, per alert ``values``, ``silenceURL``, ...), which the
  text does not need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..wire.validation import MAX_MESSAGE_LENGTH, check_message, replace_invalid_chars, truncate_message

__all__ = ["Alert", "Notification", "PayloadError", "compose", "folding_subject", "parse_alertmanager",
           "parse_grafana"]

ALERTMANAGER_VERSION = "4"
INSTANCE_LABELS = ("instance", "pod", "host", "hostname", "service", "job")
"""Labels that name where an alert fires, the first one present wins: ``instance`` is Prometheus's."""
SEVERITY_ORDER = ("emergency", "page", "critical", "alert", "error", "high", "major", "warning", "minor",
                  "medium", "low", "info", "none")
"""``severity`` label values from the most to the least pressing; others rank below them, by name."""
_MORE_ROOM = len(" +99999 more")
_BREAKS = re.compile(r"[\r\n\t\v\f]+")


class PayloadError(ValueError):
    """The body is not the webhook it claims to be; the message says which field is wrong."""


@dataclass(frozen=True)
class Alert:
    status: str
    name: str
    instance: str
    summary: str
    severity: str = ""
    """The alert's ``severity`` label, as its rules wrote it (``critical``, ``warning``, ...)."""


@dataclass(frozen=True)
class Notification:
    """One notification group as the relay needs it."""

    source: str
    status: str
    receiver: str
    alerts: tuple[Alert, ...]
    common_labels: Mapping[str, str] = field(default_factory=dict)
    group_labels: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    truncated: int = 0
    """Alerts the sender left out of the body (Alertmanager's ``max_alerts``)."""

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.alerts if a.status != "resolved"]

    @property
    def resolved(self) -> list[Alert]:
        return [a for a in self.alerts if a.status == "resolved"]

    @property
    def labels(self) -> dict[str, str]:
        """The labels every alert of the group shares, for routes: group labels, then common ones."""
        return {**self.group_labels, **self.common_labels}


# -- reading ------------------------------------------------------------------------------------------


def parse_alertmanager(body: Any) -> Notification:
    """Alertmanager's webhook (``version: "4"``) as a :class:`Notification`, or :class:`PayloadError`."""
    doc = _object(body, "the body")
    version = doc.get("version")
    if version != ALERTMANAGER_VERSION:
        raise PayloadError(f"unsupported Alertmanager webhook version {version!r}: this relay reads version "
                           f"{ALERTMANAGER_VERSION!r} (Alertmanager 0.16 and later); send Grafana's webhook to "
                           "/grafana instead")
    return _notification("alertmanager", doc)


def parse_grafana(body: Any) -> Notification:
    """Grafana's webhook contact point's body as a :class:`Notification`, or :class:`PayloadError`."""
    return _notification("grafana", _object(body, "the body"))


def _notification(source: str, doc: Mapping[str, Any]) -> Notification:
    status = _text(doc.get("status", "firing"), "status")
    if status not in ("firing", "resolved"):
        raise PayloadError(f"'status' is {status!r}: a notification is 'firing' or 'resolved'")
    raw_alerts = doc.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        raise PayloadError("'alerts' must be a list of at least one alert")
    common_annotations = _labels(doc.get("commonAnnotations"), "commonAnnotations")
    alerts = tuple(_alert(item, i, status) for i, item in enumerate(raw_alerts))
    truncated = doc.get("truncatedAlerts", 0)
    if not isinstance(truncated, int) or isinstance(truncated, bool) or truncated < 0:
        raise PayloadError("'truncatedAlerts' must be a whole number of 0 or more")
    return Notification(
        source=source, status=status, receiver=_text(doc.get("receiver", ""), "receiver"), alerts=alerts,
        common_labels=_labels(doc.get("commonLabels"), "commonLabels"),
        group_labels=_labels(doc.get("groupLabels"), "groupLabels"),
        summary=common_annotations.get("summary") or common_annotations.get("description", ""),
        truncated=truncated)


def _alert(item: Any, index: int, group_status: str) -> Alert:
    where = f"alerts[{index}]"
    alert = _object(item, where)
    labels = _labels(alert.get("labels"), f"{where}.labels")
    annotations = _labels(alert.get("annotations"), f"{where}.annotations")
    status = _text(alert.get("status", group_status), f"{where}.status")
    if status not in ("firing", "resolved"):
        raise PayloadError(f"'{where}.status' is {status!r}: an alert is 'firing' or 'resolved'")
    instance = next((labels[k] for k in INSTANCE_LABELS if labels.get(k)), "")
    return Alert(status=status, name=labels.get("alertname") or "alert", instance=instance,
                 summary=annotations.get("summary") or annotations.get("description", ""),
                 severity=labels.get("severity", ""))


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be a JSON object, not {_kind(value)}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"'{where}' must be a string, not {_kind(value)}")
    return value


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise PayloadError(f"'{where}' must be an object of names to strings")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


# -- folding ------------------------------------------------------------------------------------------


def folding_subject(note: Notification) -> tuple[str, str, str, str]:
    """The group as the outbox's folding sees an alert: ``(kind, host, service, severity)``.

    A firing group is a PROBLEM at its most pressing ``severity`` label (upper-cased: Prometheus's
    ``critical`` is then as urgent as Nagios's CRITICAL when the quota's reserve holds the rest); a
    resolved one is a RECOVERY, state OK.  Host and service name the group the same way in both, so
    that a group resolved within the folding window is a flap: the common instance label (else the
    receiver), and the common alert name (else the group labels).
    """
    labels = note.labels
    host = next((labels[k] for k in INSTANCE_LABELS if labels.get(k)), "") or note.receiver or note.source
    service = labels.get("alertname") or ",".join(f"{k}={v}" for k, v in sorted(note.group_labels.items()))
    service = service or ",".join(sorted({a.name for a in note.alerts}))
    if not note.firing:
        return "RECOVERY", _clean(host), _clean(service), "OK"
    known = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}
    found = {a.severity.strip().lower() for a in note.firing if a.severity.strip()}
    found |= {labels["severity"].strip().lower()} if labels.get("severity", "").strip() else set()
    top = min(found, key=lambda s: (known.get(s, len(known)), s), default="")
    return "PROBLEM", _clean(host), _clean(service), _clean(top.upper())


# -- writing ------------------------------------------------------------------------------------------


def compose(note: Notification, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """The SMS for one group: what fires (or resolved), by alert name and instance, within ``limit``.

    ``FIRING 2 critical: HighCPU on web1:9100, web2:9100; DiskFull on db1 +3 more``, or
    ``RESOLVED 2: HighCPU on web1:9100, web2:9100``; a group of one alert name adds its summary
    when it fits.
    """
    firing, resolved = note.firing, note.resolved
    if firing:
        head = f"FIRING {len(firing) + note.truncated}" + (f", resolved {len(resolved)}" if resolved else "")
        severity = note.common_labels.get("severity", "")
        sections: list[tuple[str, list[Alert]]] = [("", firing), ("resolved: ", resolved)]
    else:
        head = f"RESOLVED {len(resolved) + note.truncated}"
        severity = ""
        sections = [("", resolved)]
    text = _clean(head + (f" {severity}" if severity else "") + ":")
    room = limit - _MORE_ROOM
    left_out = note.truncated
    full = True
    first = True
    for title, alerts in sections:
        for name, instances in _by_name(alerts):
            if not full:
                left_out += len(instances)
                continue
            piece = _clean(f"{'' if first else ';'} {title if title and _starts(alerts, name) else ''}{name}")
            if len(text) + len(piece) > room:
                full = False
                left_out += len(instances)
                continue
            text += piece
            first = False
            named = [i for i in instances if i]
            for n, instance in enumerate(named):
                part = _clean(f"{' on ' if n == 0 else ', '}{instance}")
                if len(text) + len(part) > room:
                    full = False
                    left_out += len(named) - n
                    break
                text += part
    names = {a.name for a in note.alerts}
    summary = note.summary or (note.alerts[0].summary if len(note.alerts) == 1 else "")
    if full and len(names) == 1 and summary and not left_out:
        space = limit - len(text) - len(" - ")
        if space >= 20:
            text += " - " + truncate_message(_clean(summary), space)
    if left_out:
        text += f" +{left_out} more"
    return check_message(text)


def _by_name(alerts: Sequence[Alert]) -> list[tuple[str, list[str]]]:
    """Alert names in the order they first appear, each with its instances (duplicates dropped)."""
    grouped: dict[str, list[str]] = {}
    for alert in alerts:
        instances = grouped.setdefault(alert.name, [])
        if not alert.instance or alert.instance not in instances:
            instances.append(alert.instance)
    return list(grouped.items())


def _starts(alerts: Sequence[Alert], name: str) -> bool:
    return bool(alerts) and alerts[0].name == name


def _clean(text: str) -> str:
    """One line of accepted characters: label values may hold newlines, ``|`` or emoji."""
    return replace_invalid_chars(_BREAKS.sub(" ", text))
