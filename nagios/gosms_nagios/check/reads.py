"""The check's client: within one run, each GET the API answered is asked of it once.

A full check reads the newest page of the message list for three parts: the account check (its
proof that address, token and account work), the quota (the first page of its count) and the
delivery window (the last N messages).  Every request takes a turn of the account's rate budget,
which all gosms processes of the account on this machine share (10 requests a second per
endpoint, as the API allows; other checks, ``gosms usage`` and the following of alerts read the
list too).  Asked three times, the same page took three turns, and where the budget was busy the
later reads slept for a turn: measured in the benchmark, up to 0.16 s in a check whose own work
takes 0.07 s.

So the parts ask for the same page (the account check for the size the others read), and the
client keeps each successful GET answer for the rest of the run and hands it to the next flow that
asks for that URL, without a request or a turn.  The answer is milliseconds old then.  Nothing is
kept beyond the process: every run sees the account as it is, and an error answer is never kept
(a retry asks again).
"""

from __future__ import annotations

import logging
from typing import Any

from gosms.clients.sync import Client
from gosms.wire.protocol import Response
from gosms.wire.steps import Call, Flow, Outcome

__all__ = ["CheckClient", "read_once"]

log = logging.getLogger("nagiosplugin.gosms_nagios")


class CheckClient(Client):
    """The core client, with every flow it runs reading through :func:`read_once`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: dict[str, Response] = {}
        """This run's successful GET answers by URL (the token is in a header, never in a URL)."""

    def run(self, flow: Flow) -> Any:
        return super().run(read_once(flow, self.answers))


def read_once(flow: Flow, answers: dict[str, Response]) -> Flow:
    """``flow``, with each GET whose URL is in ``answers`` answered from there, and each 2xx kept there."""
    outcome: Outcome = None
    while True:
        try:
            step = flow.send(outcome)
        except StopIteration as stop:
            return stop.value
        if not (isinstance(step, Call) and step.request.method == "GET"):
            outcome = yield step
            continue
        url = step.request.url
        kept = answers.get(url)
        if kept is not None:
            log.debug("GET %s: the answer this run read already", url)
            outcome = kept
            continue
        outcome = yield step
        if isinstance(outcome, Response) and 200 <= outcome.status < 300:
            answers[url] = outcome
