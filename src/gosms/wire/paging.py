"""Walking ``GET /sms`` page after page, whatever the server makes of ``offset`` and of the order.

The documentation contradicts itself on ``offset``: "the offset relative to the beginning of the
list", yet "by default 1, meaning to display from the first page".  Our emulator and our reading
take it as a 1-based page number; an independent implementation may take it as a record offset,
counted from 1 or from 0.  Guessing wrong costs either way: page numbers sent to a server counting
records bring one new message per request (``offset=2`` is records 2..101), and record offsets
sent to a server counting pages jump past the end after the first page.  So the :class:`Pager`
finds out from the answers themselves, without a request more in the common case:

1. It asks for ``offset=1``, then ``offset=2``.
2. If page 2 starts with page 1's second item (a shift by one record; or with page 1's first, when
   a message arrived in between), the server counts records: from then on the next offset is the
   offset plus the number of items just served.  Otherwise it counts pages: offset + 1.
3. A record-counting server may count from 0, and then ``offset=1`` skipped the very first record
   (the newest message).  Only then, one more request, ``offset=0``, fetches what was skipped;
   a server that refuses ``offset=0`` counts from 1.  A first page that is short while
   ``total_records`` says there is more is the same sign and gets the same request.
4. Items seen twice (overlapping windows, messages arriving while paging) are given once, by id.
   The walk stops at a short page, an empty page, a page with nothing new, or ``max_pages``.

A walk that stops after page 1 (an incremental count) cannot tell a server counting records from 0,
whose ``offset=1`` hides the newest message; :mod:`gosms.wire.usage` therefore keeps the mode a longer
walk found in its state and starts at ``offset=0`` where that is the server's beginning.

The docs' example lists newest first, and :mod:`gosms.wire.usage` stops early on that basis; a server
may list oldest first.  The pager also reports the order it sees in ``time_create`` (the first two
neighbouring items with different times decide, within a page or across pages), so a caller can
tell whether an early stop is safe.

The pager is sans-IO like :mod:`gosms.wire.flows`: :meth:`Pager.step` is a flow, so the sync and the async
client and the usage count all page with this one piece of code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from . import steps as flows
from .config import Token
from .errors import APIError, ProtocolError
from .models import Message, Page
from .retry import RetryPolicy

__all__ = ["NEWEST_FIRST", "OFFSET_MODES", "OLDEST_FIRST", "Pager"]

PAGE = "page"
RECORD1 = "record1"
RECORD0 = "record0"
OFFSET_MODES = (PAGE, RECORD1, RECORD0)
"""What ``offset`` counts: pages from 1 (as documented), records from 1, records from 0."""

NEWEST_FIRST = "newest_first"
OLDEST_FIRST = "oldest_first"


class Pager:
    """One walk through the message list; feed it to a driver with :meth:`step` until ``done``.

    ``mode`` is what ``offset`` counts when a previous walk found out (one of
    :data:`OFFSET_MODES`); None means find out.  ``ordered`` keeps the list's order exactly: a
    full first page is held back until page 2 has shown whether ``offset=1`` skipped a record
    (costs nothing when the caller reads on, which an iterator over every message does).  A
    caller that may stop after page 1 and does not mind one item arriving late (a count) passes
    False and saves that request.  ``max_pages`` bounds the walk to that many pages' worth of
    items; with a server counting records, the overlapping ``offset=2`` window and the ``offset=0``
    request are not pages of their own.  After the walk ``mode`` holds what was found out (None
    when one page could not tell).
    """

    def __init__(self, page_size: int = 100, *, max_pages: Optional[int] = None, mode: Optional[str] = None,
                 ordered: bool = True, search: Optional[str] = None) -> None:
        if mode is not None and mode not in OFFSET_MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(OFFSET_MODES)}")
        self.page_size = page_size
        self.max_pages = max_pages
        self.mode = mode
        self.ordered = ordered
        self.search = search
        self.order: Optional[str] = None
        """NEWEST_FIRST or OLDEST_FIRST once two items with different times were seen; else None."""
        self.requests = 0
        """List requests made, the ``offset=0`` one included."""
        self.done = False
        self._seen: set[str] = set()
        self._offset = 0 if mode == RECORD0 else 1
        self._pages = 0
        self._given = 0
        self._first: list[Message] = []
        self._last_time: Optional[int] = None

    # -- the walk ------------------------------------------------------------------------------

    def step(self, base_url: str, token: Token, policy: RetryPolicy) -> flows.Flow:
        """A flow returning the next items not given before, in list order; [] once ``done``."""
        batch: list[Message] = []
        while not self.done:
            page: Page = yield from self._fetch(base_url, token, policy, self._offset)
            if self.mode is None and self._pages == 1:
                skipped, fresh = yield from self._detect(base_url, token, policy, page)
                batch = skipped + batch + fresh  # what offset=1 skipped comes before page 1
            else:
                batch.extend((yield from self._advance(base_url, token, policy, page)))
            if not (self.ordered and self._pages == 1 and self.mode is None):
                break  # an ordered walk holds a full page 1 until page 2 has shown the mode
        return self._cap(batch)

    def _fetch(self, base_url: str, token: Token, policy: RetryPolicy, offset: int) -> flows.Flow:
        self.requests += 1
        page: Page = yield from flows.list_page(base_url, token, policy, limit=self.page_size, offset=offset,
                                                search=self.search)
        return page

    def _advance(self, base_url: str, token: Token, policy: RetryPolicy, page: Page) -> flows.Flow:
        """A page at a known position: the first one, or any once the mode is known."""
        items = page.items
        first = self._pages == 0
        self._pages += 1
        fresh = self._fresh(items, follows_previous=True)
        if first:
            self._first = list(items)
            if self.mode is None and len(items) < self.page_size and page.total_records > len(self._seen):
                # A short first page while the server counts more: offset=1 may have skipped record 0.
                fresh = (yield from self._probe(base_url, token, policy)) + fresh
        self._offset = self._offset + 1 if self.mode in (None, PAGE) else self._offset + len(items)
        if len(items) < self.page_size or not fresh or self._full():
            self.done = True
        return fresh

    def _detect(self, base_url: str, token: Token, policy: RetryPolicy, page: Page) -> flows.Flow:
        """Page 2 of a walk that does not know the mode yet: pages or records?

        Returns what ``offset=1`` skipped (a server counting records from 0) and the new items.
        """
        items = page.items
        anchors = {m.id for m in self._first[:2]}
        if not items or items[0].id not in anchors:
            self.mode = PAGE
            fresh: list[Message] = yield from self._advance(base_url, token, policy, page)
            return [], fresh
        # Records: this window overlaps page 1, so it is no page of its own against max_pages,
        # and items seen before are expected here, not a sign of the end.
        fresh = self._fresh(items, follows_previous=True)
        skipped: list[Message] = yield from self._probe(base_url, token, policy)
        self.mode = self.mode or RECORD1
        self._offset += len(items)
        if len(items) < self.page_size:
            self.done = True
        return skipped, fresh

    def _probe(self, base_url: str, token: Token, policy: RetryPolicy) -> flows.Flow:
        """``offset=0``: what a server counting records from 0 skipped at ``offset=1``.

        Sets the mode to RECORD0 when the answer starts before page 1 did.  A server that refuses
        the offset counts from 1; the walk goes on without it.
        """
        try:
            page: Page = yield from self._fetch(base_url, token, policy, 0)
        except APIError:
            return []
        except ProtocolError as exc:
            if not 400 <= exc.http_status < 500 or exc.http_status == 429:
                raise
            return []
        items = page.items
        if items and (not self._first or items[0].id != self._first[0].id):
            self.mode = RECORD0
        return self._fresh(items, follows_previous=False)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _fresh(self, items: Sequence[Message], *, follows_previous: bool) -> list[Message]:
        """Items not given before, noting the order their times show."""
        fresh = []
        for item in items:
            if item.id not in self._seen:
                self._seen.add(item.id)
                fresh.append(item)
        self._observe(items, fresh[0] if fresh and follows_previous else None)
        return fresh

    def _observe(self, items: Sequence[Message], first_new: Optional[Message]) -> None:
        """Newest or oldest first, from neighbours in the list: within the page, then across pages."""
        if self.order is None:
            times = [m.time_create for m in items]
            pairs = list(zip(times, times[1:]))
            if first_new is not None and self._last_time is not None:
                pairs.insert(0, (self._last_time, first_new.time_create))
            for earlier, later in pairs:
                if earlier != later:
                    self.order = NEWEST_FIRST if later < earlier else OLDEST_FIRST
                    break
        if items and first_new is not None:
            self._last_time = items[-1].time_create

    def _full(self) -> bool:
        return self.max_pages is not None and self._pages >= self.max_pages

    def _cap(self, batch: list[Message]) -> list[Message]:
        if self.max_pages is not None:
            room = self.max_pages * self.page_size - self._given
            if len(batch) >= room:
                batch = batch[:max(0, room)]
                self.done = True
        self._given += len(batch)
        return batch
