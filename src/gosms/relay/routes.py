"""Who gets a notification group: ``?to=`` numbers in the webhook URL, or a routes file.

The routes file is JSON (the standard library reads it on every Python the core supports; YAML is
not in the standard library, and ``tomllib`` only came with 3.11)::

    {
      "default": ["79990000000"],
      "routes": [
        {"receiver": "db-oncall", "to": ["79991111111"]},
        {"labels": {"severity": "critical"}, "to": ["79992222222", "79993333333"]}
      ]
    }

A route matches a group when its ``receiver`` (if given) is the receiver Alertmanager or Grafana
named, and each of its ``labels`` (if given) has that value among the group's common labels.  Every
matching route adds its numbers; a group no route matches goes to ``default``.  The file is read and
every number checked when the relay starts, so a typo stops the relay at once instead of losing the
first page of the night.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ..wire.errors import ConfigError, ValidationError
from ..wire.validation import check_phone

__all__ = ["Route", "Routes", "check_numbers", "load_routes"]


@dataclass(frozen=True)
class Route:
    to: tuple[str, ...]
    receiver: Optional[str] = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def matches(self, receiver: str, labels: Mapping[str, str]) -> bool:
        if self.receiver is not None and self.receiver != receiver:
            return False
        return all(labels.get(name) == value for name, value in self.labels.items())


@dataclass(frozen=True)
class Routes:
    routes: tuple[Route, ...] = ()
    default: tuple[str, ...] = ()

    def recipients(self, receiver: str, labels: Mapping[str, str]) -> list[str]:
        """The numbers for a group, each once, in the order the file names them."""
        found: list[str] = []
        for route in self.routes:
            if route.matches(receiver, labels):
                found.extend(n for n in route.to if n not in found)
        return found or list(self.default)


def check_numbers(numbers: Sequence[str]) -> tuple[str, ...]:
    """Each number once, by the API's rule (a ``ValidationError`` names the API's code and the fix)."""
    checked: list[str] = []
    for number in numbers:
        phone = check_phone(number)
        if phone not in checked:
            checked.append(phone)
    return tuple(checked)


def load_routes(path: Union[str, os.PathLike[str]]) -> Routes:
    """Read and check a routes file; a :class:`ConfigError` names the file and what to fix."""
    where = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except OSError as exc:
        raise ConfigError(f"Cannot read the routes file {where!r} ({exc.strerror or exc}).") from None
    except ValueError as exc:
        raise ConfigError(f"The routes file {where!r} is not valid JSON ({exc}).") from None
    return _routes(doc, where)


def _routes(doc: Any, where: str) -> Routes:
    if not isinstance(doc, dict) or set(doc) - {"default", "routes"}:
        raise ConfigError(f"The routes file {where!r} must be a JSON object with 'routes' and/or 'default'.")
    routes = []
    raw_routes = doc.get("routes", [])
    if not isinstance(raw_routes, list):
        raise ConfigError(f"In the routes file {where!r}, 'routes' must be a list.")
    for i, raw in enumerate(raw_routes):
        name = f"routes[{i}]"
        if not isinstance(raw, dict) or set(raw) - {"receiver", "labels", "to"}:
            raise ConfigError(f"In the routes file {where!r}, {name} must be an object with 'to' and "
                              "'receiver' and/or 'labels'.")
        receiver, labels = raw.get("receiver"), raw.get("labels", {})
        if receiver is not None and not isinstance(receiver, str):
            raise ConfigError(f"In the routes file {where!r}, {name}.receiver must be a string.")
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise ConfigError(f"In the routes file {where!r}, {name}.labels must map label names to strings.")
        if receiver is None and not labels:
            raise ConfigError(f"In the routes file {where!r}, {name} matches every group: give it a 'receiver' "
                              "or 'labels', or put its numbers in 'default'.")
        routes.append(Route(_numbers(raw.get("to"), f"{name}.to", where), receiver, dict(labels)))
    default = _numbers(doc["default"], "default", where) if "default" in doc else ()
    if not routes and not default:
        raise ConfigError(f"The routes file {where!r} names no numbers: add 'routes' or 'default'.")
    return Routes(tuple(routes), default)


def _numbers(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(n, str) for n in value):
        raise ConfigError(f"In the routes file {where!r}, {name} must be a list of numbers as strings.")
    try:
        return check_numbers(value)
    except ValidationError as exc:
        raise ConfigError(f"In the routes file {where!r}, {name} has a number the API would refuse: {exc}") from None
