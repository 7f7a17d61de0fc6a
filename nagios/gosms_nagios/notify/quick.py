"""The notifier's quick lane: an ordinary notification handed to a live runner before anything else loads.

Why: with ``gosms outbox run`` alive, a notification is a few file operations (see
:mod:`gosms.delivery.handoff`), and in a storm hundreds of notifiers each pay for whatever they load
before those.  argparse, the error table, dataclasses, typing and the send path cost several times
the hand-off itself, so this lane reads the options an ordinary notification carries (those of
``nagios/commands.cfg`` and ``nagios/icinga2/gosms.conf``) itself and loads only what the hand-off
needs: the token and address rules (:mod:`gosms.wire.config`), the text (:mod:`.compose`) and the
outbox's checked folders.

It never judges: anything it does not read as sound (an option it does not know, a value it doubts,
a bad number, a token it cannot read, no runner) makes it step aside, and :mod:`.command` reads the
command line with argparse and does the whole work, errors and all, as if this lane did not exist.
A test holds the two readings equal wherever this lane goes ahead.
"""

from __future__ import annotations

import os
import sys

from gosms.delivery.handoff import alert_fields, hand_over_text
from gosms.delivery.spool import default_root
from gosms.wire.config import resolve_api_url, resolve_token
from gosms.wire.fold_policy import parse_fold
from gosms.wire.validation import MAX_MESSAGE_LENGTH, normalize_phone

from .compose import Notification, compose

TYPE_CHECKING = False  # not typing's: this lane's whole point is what it loads
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional

__all__ = ["PROG", "TEXT_OPTIONS", "hand_over_quickly", "handed_line", "read", "split_numbers", "unset_macro"]

PROG = "notify_gosms"
TEXT_OPTIONS = ("--type", "--host", "--service", "--state", "--output", "--time", "--author", "--comment")
"""Free text from the daemon: a plugin output may start with ``-`` and must not read as an option."""
VALUE_OPTIONS = ("--to", "--fold", "--outbox", "--api-url", "--token-file", "--timeout")
"""The other options an ordinary notification carries; any option else sends it to the full parser."""
_MACRO_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def unset_macro(value: str) -> bool:
    """Whether ``value`` is a custom variable the daemon left as is (``$_CONTACTGOSMS_FOLD$``): unset."""
    text = value.strip()
    return (len(text) > 3 and text.startswith("$_") and text.endswith("$")
            and all(char in _MACRO_NAME for char in text[2:-1]))


def split_numbers(items: Sequence[str]) -> list[str]:
    """The numbers of ``--to`` options, each of which may hold several separated by commas or semicolons."""
    return [n for item in items for n in item.strip().replace(";", ",").split(",") if n.strip()]


def handed_line(phone_number: str, entry_id: str, folding: bool) -> str:
    return (f"handed to the outbox runner for {phone_number} ({entry_id}): it sends at the account's rate"
            + (", folding storms" if folding else ""))


def read(argv: Sequence[str]) -> Optional[dict[str, list[str]]]:
    """Each option's values as given, or None where argparse might read the command line otherwise.

    Options only, each spelled in full, as ``--name value`` or ``--name=value``; a value of a
    non-text option that starts with ``-`` is left to argparse, as is a missing value.
    """
    given: dict[str, list[str]] = {}
    items = iter(argv)
    for item in items:
        name, equals, value = item.partition("=")
        if name not in TEXT_OPTIONS and name not in VALUE_OPTIONS:
            return None
        if not equals:
            following = next(items, None)
            if following is None or (name in VALUE_OPTIONS and following.startswith("-")):
                return None
            value = following
        given.setdefault(name, []).append(value)
    return given


def hand_over_quickly(argv: Sequence[str]) -> None:
    """Hand an ordinary notification to a live runner and exit 0; return, having done nothing
    anyone could see, in every other case."""
    try:
        handed = _hand_over(argv)
    except Exception:
        return
    if handed is None:
        return
    try:
        sys.stdout.write("".join(f"{PROG}: {line}\n" for line in handed))
        sys.stdout.flush()
    except OSError:
        pass  # the alert is on disk for the runner: that is what exit 0 says
    sys.exit(0)


def _hand_over(argv: Sequence[str]) -> Optional[list[str]]:
    given = read(argv)
    if given is None:
        return None
    last = {name: values[-1] for name, values in given.items()}
    text = {name: last.get(name, "") for name in TEXT_OPTIONS}
    numbers = split_numbers(given.get("--to", []))
    if not numbers or not text["--host"].strip():
        return None
    if "--timeout" in last and not float(last["--timeout"]) >= 2:  # argparse refuses it: let it say so
        return None
    fold_text = last.get("--fold", "")
    fold = parse_fold("" if unset_macro(fold_text) else fold_text)
    valid: list[str] = []
    for number in numbers:
        phone = normalize_phone(number)  # a bad number raises: the full notifier names it
        if phone not in valid:
            valid.append(phone)
    token = resolve_token(None, token_file=last.get("--token-file") or None)
    api_url = resolve_api_url(last.get("--api-url"))
    outbox = last.get("--outbox", "")
    directory = os.path.expanduser(outbox) if outbox and not unset_macro(outbox) else default_root()
    note = Notification(type=text["--type"], host=text["--host"], state=text["--state"], output=text["--output"],
                        service=text["--service"], time=text["--time"], author=text["--author"],
                        comment=text["--comment"])
    message = compose(note, MAX_MESSAGE_LENGTH)
    records = hand_over_text(directory, api_url, token.reveal(), valid, [message], source=PROG,
                             alert=alert_fields(text["--type"], text["--host"], text["--service"], text["--state"],
                                                fold))
    if records is None:
        return None
    return [handed_line(record["phone_number"], record["id"], fold is not None) for record in records]
