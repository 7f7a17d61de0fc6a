"""argparse value types shared by check_gosms and notify_gosms.

Apart from :mod:`gosms_nagios.check.cli` (the check's command line, which needs nagiosplugin) so the
notifier, which needs nothing but Python, does not load nagiosplugin for them.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable, TypeVar

__all__ = ["bounded"]

N = TypeVar("N", int, float)


def bounded(convert: Callable[[str], N], what: str, low: float, high: float = math.inf, *, unit: str = "",
            above: bool = False) -> Callable[[str], N]:
    """An argparse type: ``convert`` the text, then keep it within ``low`` (excluded when ``above``) and ``high``."""
    def parse(text: str) -> N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if (value <= low if above else value < low) or value > high or value != value:
            if high != math.inf:
                bound = f"from {low:g} to {high:g}{unit}"
            else:
                bound = f"more than {low:g}{unit}" if above else f"{low:g}{unit} or more"
            raise argparse.ArgumentTypeError(f"{text!r} must be {bound}")
        return value
    return parse
