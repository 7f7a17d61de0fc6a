"""The answer a post gets when the relay does not queue it: a status and a sentence for the sender.

Apart from the service (:mod:`.server`) and its HTTP front end (:mod:`.web`), which both raise or
render it, so that neither imports the other: the front end needs aiohttp, the service does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

__all__ = ["Refusal"]


class Refusal(Exception):
    """An answer decided while reading or queueing a post: its status and the sentence for the sender.

    ``close`` ends the connection after the answer (the sender's request may not have been read
    whole); ``headers`` go with the answer (``WWW-Authenticate`` with a 401).
    """

    def __init__(self, status: int, message: str, *, close: bool = False,
                 headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close
        self.headers = dict(headers or {})
