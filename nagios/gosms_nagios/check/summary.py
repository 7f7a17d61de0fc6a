"""The status line and the ``-v`` lines.

The status line names every part that is not OK, worst first (``API: GoSMS error 3000: ... Fix:
...``), or when all is well one short phrase per part; ``-v`` adds one line per measurement and, for
API errors, what the server said (its text, the error hash for support, the HTTP status).
"""

from __future__ import annotations

from typing import Any, Callable

import nagiosplugin  # type: ignore[import-untyped]
from nagiosplugin import Ok

from gosms.wire.errors import APIError, ProtocolError

from ..common.text import plain_text, sentence

__all__ = ["GoSMSSummary"]


def _label(result: Any) -> str:
    resource = result.resource
    return str(getattr(resource, "label", "") or getattr(resource, "name", "") or "check")


def _grouped(results: Any, keep: Callable[[Any], bool]) -> str:
    """``label: text, text. label: text.`` for the kept results, in the order the results come.

    One sentence per part, without ``;`` (Nagios would turn it into ``:``) and without a doubled
    full stop where a text from the core already ends in one.
    """
    groups: dict[str, list[str]] = {}
    for result in results:
        text = plain_text(str(result))
        if not keep(result) or not text:
            continue
        texts = groups.setdefault(_label(result), [])
        if texts:
            texts[-1] = texts[-1].rstrip(".")
        texts.append(text)
    return " ".join(sentence(f"{label}: {', '.join(texts)}") for label, texts in groups.items())


class GoSMSSummary(nagiosplugin.Summary):  # type: ignore[misc]
    def ok(self, results: Any) -> str:
        return _grouped(results, lambda result: True)

    def problem(self, results: Any) -> str:
        return _grouped(results, lambda result: result.state != Ok)

    def verbose(self, results: Any) -> list[str]:
        lines = []
        for result in results:
            text = plain_text(str(result))
            if not text:
                continue
            lines.append(f"{str(result.state).upper()}: {_label(result)}: {text}")
            value = result.metric.value if result.metric is not None else None
            if isinstance(value, APIError):
                details = [f"category {value.info.category.value}"]
                if value.server_message:
                    details.append(f"server said {plain_text(value.server_message)!r}")
                if value.hash:
                    details.append(f"error hash {value.hash}")
                if value.http_status is not None:
                    details.append(f"HTTP {value.http_status}")
                lines.append("    " + ", ".join(details))
            elif isinstance(value, ProtocolError) and value.excerpt:
                lines.append(f"    HTTP {value.http_status}, body starts {plain_text(value.excerpt)!r}")
        return lines

    def empty(self) -> str:
        return "no check results"
