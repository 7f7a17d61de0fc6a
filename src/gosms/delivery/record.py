"""An outbox entry as it is first written: its id, whose it is, what the tool said about the alert.

Apart from :mod:`.entry` (the full record, a dataclass checked on every load) because a notifier
handing its alert to a live runner (:mod:`.handoff`) writes only these fields and must not pay for
loading the rest: the fields it leaves out take :class:`~gosms.delivery.entry.Entry`'s defaults when
the runner reads the file.  :meth:`gosms.delivery.outbox.Outbox._store` builds its entries from
:func:`new_record` too, so both write the same things the same way.

The token is never stored: an entry carries a salted fingerprint of the account.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # not typing's: a notifier handing its alert over loads this module (gosms/__init__)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Optional, Union

    from ..wire.config import Token

try:  # the interpreter's own SHA-256: hashlib would load OpenSSL first, which costs a hand-off ~2 ms
    if sys.version_info >= (3, 12):
        from _sha2 import sha256 as _sha256
    else:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found,unused-ignore]  # no stub
except ImportError:  # pragma: no cover - a Python built without them
    from hashlib import sha256 as _sha256

__all__ = ["ALERT_FIELDS", "VERSION", "account_fingerprint", "encode", "new_record"]

VERSION = 1
"""The entry format's version, written in every file."""
ALERT_FIELDS = ("kind", "host", "service", "severity", "fold_burst", "fold_window", "carries")
"""What a tool may say about an alert when it queues it (see :meth:`Outbox._store`)."""


def account_fingerprint(api_url: str, token: Union[Token, str], salt: str) -> str:
    """Who an entry belongs to, without a trace of the token: a salted hash of address and token."""
    secret = token if isinstance(token, str) else token.reveal()
    material = "\0".join((salt, api_url.rstrip("/"), secret)).encode("utf-8")
    return str(_sha256(material).hexdigest())


def new_record(api_url: str, token: Union[Token, str], phone_number: str, parts: Sequence[str], *,
               source: str = "", alert: Optional[Mapping[str, Any]] = None, device_id: Optional[str] = None,
               to_sim: Optional[int] = None, callback_id: Optional[str] = None) -> dict[str, Any]:
    """A new entry's fields for one recipient: a fresh id and salt, the account's fingerprint, and
    the ``alert`` fields a tool gave that the outbox keeps (:data:`ALERT_FIELDS`)."""
    salt = os.urandom(16).hex()  # secrets.token_hex(16), without loading secrets (hmac, random, base64)
    record: dict[str, Any] = {
        "id": f"{time.time_ns():020d}-{os.urandom(4).hex()}", "created": time.time(), "phone_number": phone_number,
        "parts": list(parts), "api_url": api_url.rstrip("/"), "account": account_fingerprint(api_url, token, salt),
        "salt": salt, "device_id": device_id, "to_sim": to_sim, "callback_id": callback_id, "source": source}
    record.update((name, value) for name, value in (alert or {}).items() if name in ALERT_FIELDS)
    return record


def encode(fields: Mapping[str, Any]) -> bytes:
    """An entry file's bytes: the one format every writer of the outbox uses (the runner's states, a
    hand-off, a relay's batch), with the format's :data:`VERSION`."""
    import json  # here: a notifier loads it only once its alert is ready to be written

    return json.dumps({**fields, "version": VERSION}, ensure_ascii=False, indent=1).encode("utf-8")
