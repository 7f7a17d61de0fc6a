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

Loads nothing of the HTTP stack, nor the outbox's queue, its entry dataclass or the error table
until something goes wrong: the point is what the process spends.  :func:`hand_over_text` is the
whole hand-off on plain values (a notifier calls it before it loads anything else);
:func:`hand_over` is the same for a caller that holds an :class:`~gosms.delivery.outbox.Outbox`.
"""

from __future__ import annotations

import os

from .record import account_fingerprint, encode, new_record
from .spool import RUNNER_LOCK, BadEntry, Folders, crash_point

TYPE_CHECKING = False  # not typing's: a notifier handing its alert over loads this module (gosms/__init__)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Optional, Union

    from ..wire.config import Token
    from ..wire.fold_policy import FoldPolicy
    from .entry import Entry
    from .outbox import Outbox

__all__ = ["RUNNER_ACCOUNT", "advertise", "alert_fields", "hand_over", "hand_over_text", "serves"]

RUNNER_ACCOUNT = ".runner-account"
"""Which account the live runner sends for (address and a salted fingerprint, never the token): an
alert for another account is sent by its own process, not left for a runner that may not send it."""


def advertise(outbox: Outbox, api_url: str, token: Token) -> None:
    """Say which account this runner sends for (called once it holds the runner lock)."""
    import json

    salt = os.urandom(16).hex()
    data = json.dumps({"api_url": api_url.rstrip("/"), "salt": salt,
                       "account": account_fingerprint(api_url, token, salt)}).encode("utf-8")
    # Written as every outbox file is: through the checked folder handles, in tmp/, synced, renamed.
    with outbox._files(names=("tmp",)) as files, outbox._writing():
        files.put("", RUNNER_ACCOUNT, data)


def _serves(files: Folders, api_url: str, secret: str) -> bool:
    """Whether a runner holds the outbox now and advertised this address and token."""
    import json
    from _operator import _compare_digest as compare_digest  # hmac's own, without hmac loading OpenSSL

    if not files.exists or not files.lock_held(RUNNER_LOCK):
        return False
    try:
        data = json.loads(files.read("", RUNNER_ACCOUNT, limit=4096).decode("utf-8"))
        return bool(data["api_url"] == api_url.rstrip("/") and compare_digest(
            str(data["account"]), account_fingerprint(api_url, secret, str(data["salt"]))))
    except (OSError, BadEntry, ValueError, KeyError, TypeError):
        return False


def serves(outbox: Outbox, api_url: str, token: Token) -> bool:
    """Whether a live runner holds ``outbox`` and advertised this address and token."""
    try:
        with Folders(outbox.directory, (), create=False) as files:
            return _serves(files, api_url, token.reveal())
    except Exception as exc:
        if _refused(exc):
            return False
        raise


def _refused(exc: BaseException) -> bool:
    """An outbox that cannot be opened, or whose folders are not to be trusted: no runner to hand to.
    (The error table loads here, once something failed, not before.)"""
    from ..wire.errors import ConfigError

    return isinstance(exc, (OSError, ConfigError))


def alert_fields(kind: str, host: str, service: str, state: str, fold: Optional[FoldPolicy]) -> dict[str, Any]:
    """What a tool knows of an alert, as the outbox keeps it for folding (no folding: ``fold`` None)."""
    alert: dict[str, Any] = {"kind": kind.strip().upper(), "host": host.strip(), "service": service.strip(),
                             "severity": state.strip().upper()}
    if fold is not None:
        alert.update(fold_burst=fold.burst, fold_window=fold.window)
    return alert


def hand_over_text(directory: Union[str, os.PathLike[str]], api_url: str, secret: str,
                   recipients: Sequence[str], parts: Sequence[str], *, source: str,
                   alert: Optional[Mapping[str, Any]] = None, device_id: Optional[str] = None,
                   to_sim: Optional[int] = None, callback_id: Optional[str] = None
                   ) -> Optional[list[dict[str, Any]]]:
    """Write one entry per recipient into ``directory``'s ``new/`` for its live runner, or return
    None when no runner that sends for this address and token is alive there.

    Each entry is written in ``tmp/``, fsynced, renamed into ``new/`` and the folder fsynced
    (:meth:`~gosms.delivery.spool.Folders.put`) before the next: on disk when this returns.  Raises
    OSError or :class:`~gosms.wire.errors.ConfigError` when the outbox cannot be written.
    """
    try:
        files = Folders(directory, ("new", "tmp"), create=False)
    except Exception as exc:
        if _refused(exc):
            return None
        raise
    # One open of the outbox folder and of new/ and tmp/, each checked (spool), serves for the
    # runner's lock, its account and the writes; folders are made only if the runner has none yet.
    with files:
        if not _serves(files, api_url, secret):
            return None
        records = [new_record(api_url, secret, number, parts, source=source, alert=alert, device_id=device_id,
                              to_sim=to_sim, callback_id=callback_id) for number in recipients]
        if files.has("new") and files.has("tmp"):
            _write_new(files, records)
            return records
    with Folders(directory, ("new", "tmp"), create=True) as files:
        _write_new(files, records)
    return records


def _write_new(files: Folders, records: Sequence[dict[str, Any]]) -> None:
    for record in records:
        files.put("new", f"{record['id']}.json", encode(record))
        crash_point("write-new")


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
    from ..wire.config import Token
    from .entry import Entry

    secret = (token if isinstance(token, Token) else Token(token)).reveal()
    with outbox._writing():
        records = hand_over_text(outbox.directory, api_url, secret, recipients, parts, source=source, alert=alert,
                                 device_id=device_id, to_sim=to_sim, callback_id=callback_id)
    return None if records is None else [Entry.from_dict(record, "new") for record in records]
