"""Spool-first: a process that finds a live runner hands it the alert instead of sending itself.

Why: in a storm, hundreds of notification commands each load the send path, queue for the
account's turn and wait up to their timeout; the daemon's notification workers stay busy the while.
With ``gosms outbox run`` alive (it holds :meth:`~gosms.delivery.outbox.Outbox.as_runner`), a
command only writes the alert into ``new/`` (fsynced, then renamed: on disk before exit 0) and
ends in milliseconds; the runner, one process, sends at the account's rate and folds the storm
(:mod:`gosms.delivery.digest`).  Without a live runner nothing changes: the process sends itself,
so no alert ever waits on a dead runner.  A runner that dies after the check leaves the alert in
``new/``, where the next runner or ``gosms outbox flush`` sends it, and ``check_gosms --outbox``
warns about alerts waiting with no runner.

Loads nothing of the HTTP stack: the point is what the process spends.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from ..wire.config import Token
from ..wire.folding import FoldPolicy
from .outbox import Entry, Outbox, account_fingerprint

__all__ = ["RUNNER_ACCOUNT", "advertise", "alert_fields", "hand_over", "serves"]

RUNNER_ACCOUNT = ".runner-account"
"""Which account the live runner sends for (address and a salted fingerprint, never the token): an
alert for another account is sent by its own process, not left for a runner that may not send it."""


def advertise(outbox: Outbox, api_url: str, token: Token) -> None:
    """Say which account this runner sends for (called once it holds the runner lock)."""
    salt = secrets.token_hex(16)
    data = json.dumps({"api_url": api_url.rstrip("/"), "salt": salt,
                       "account": account_fingerprint(api_url, token, salt)}).encode("utf-8")
    # Written as every outbox file is: through the checked folder handles, in tmp/, synced, renamed.
    with outbox._files(names=("tmp",)) as files, outbox._writing():
        files.put("", RUNNER_ACCOUNT, data)


def serves(outbox: Outbox, api_url: str, token: Token) -> bool:
    """Whether the live runner advertised this address and token."""
    try:
        fd = os.open(outbox.directory / RUNNER_ACCOUNT, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            data = json.loads(os.read(fd, 4096).decode("utf-8"))
        finally:
            os.close(fd)
        return bool(data["api_url"] == api_url.rstrip("/") and secrets.compare_digest(
            str(data["account"]), account_fingerprint(api_url, token, str(data["salt"]))))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def alert_fields(kind: str, host: str, service: str, state: str, fold: Optional[FoldPolicy]) -> dict[str, Any]:
    """What a tool knows of an alert, as the outbox keeps it for folding (no folding: ``fold`` None)."""
    alert: dict[str, Any] = {"kind": kind.strip().upper(), "host": host.strip(), "service": service.strip(),
                             "severity": state.strip().upper()}
    if fold is not None:
        alert.update(fold_burst=fold.burst, fold_window=fold.window)
    return alert


def hand_over(outbox: Outbox, api_url: str, token: Union[Token, str], recipients: Sequence[str],
              parts: Sequence[str], *, source: str, alert: Optional[Mapping[str, Any]] = None,
              device_id: Optional[str] = None, to_sim: Optional[int] = None,
              callback_id: Optional[str] = None) -> Optional[list[Entry]]:
    """Write one entry per recipient for the live runner, or return None when no runner is alive.

    ``recipients`` and ``parts`` are checked already (a :class:`~gosms.wire.outcomes.SendPlan`'s,
    or a notifier's normalised numbers and composed text): the send path's modules stay unloaded.
    A runner for another account (address or token) counts as none.  Raises
    :class:`~gosms.wire.errors.ConfigError` when the outbox cannot be written (the caller then
    sends itself).
    """
    secret = token if isinstance(token, Token) else Token(token)
    if not outbox.runner_alive() or not serves(outbox, api_url, secret):
        return None
    return [outbox._store(api_url, secret, number, parts, device_id=device_id, to_sim=to_sim,
                          callback_id=callback_id, source=source, alert=alert)
            for number in recipients]
