"""Hosts that cannot share a budget file converge on a strict limiter: a model run in virtual time.

Each simulated host has its own :class:`gosms.pacing.budget.Budget` (as with two ``GOSMS_RUNTIME_DIR``s);
its processes claim turns, sleep, send, and on a 429 report it and retry under the real
:class:`gosms.wire.retry.RetryPolicy` until their deadline.  The server counts refused requests in its
one-second window and sends no ``Retry-After``.  Time is simulated, so the outcome is the same on
any machine: only delivery is asserted, exactly once per alert, with no failed process.  The
control runs the same scene with the cut after a 429 switched off: the limiter stays shut and
alerts are lost, so the delivery above is the budget's doing.  (The same
scene with real processes and real HTTP is ``benchmarks/storm_hosts.py``.)
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from typing import Callable, Optional

import pytest

from gosms.pacing.budget import Budget, Turn
from gosms.wire.errors import RateLimitError
from gosms.wire.retry import RetryPolicy

LIMIT = 10
DEADLINE = 60.0


class Scene:
    def __init__(self, hosts: int, per_host: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = 0.0
        self.events: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = 0
        self.window: deque[float] = deque()
        self.accepted: dict[int, int] = {}
        self.failed = 0
        self.refused = 0
        budgets = [Budget(LIMIT, clock=lambda: self.now, rng=self.rng.random) for _ in range(hosts)]
        for h in range(hosts):
            for i in range(per_host):
                sender = Sender(self, budgets[h], h * per_host + i)
                self.at(self.rng.uniform(0, 2.0), sender.start)  # processes start over two seconds

    def at(self, moment: float, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.events, (moment, self.seq, action))

    def arrive(self) -> bool:
        """The strict limiter: every arrival counts in the window, refused ones too."""
        while self.window and self.now - self.window[0] >= 1.0:
            self.window.popleft()
        admitted = len(self.window) < LIMIT
        self.window.append(self.now)
        return admitted

    def run(self) -> None:
        while self.events:
            self.now, _, action = heapq.heappop(self.events)
            action()


class Sender:
    """One ``gosms send`` process: the transport's loop around the budget, the flow's retries."""

    def __init__(self, scene: Scene, budget: Budget, number: int) -> None:
        self.scene, self.budget, self.number = scene, budget, number
        self.turn: Optional[Turn] = None
        self.attempt = 0
        self.deadline = 0.0
        self.policy = RetryPolicy(deadline=DEADLINE)  # its jitter drawn from the scene's seed

    def start(self) -> None:
        self.deadline = self.scene.now + DEADLINE
        self.step()

    def step(self) -> None:
        turn = self.budget.admit("send", self.turn, self.deadline)
        if turn.late:
            self.retry()
        elif turn.go:
            self.turn = None
            self.attempt += 1
            self.scene.at(self.scene.now + self.scene.rng.uniform(0.002, 0.03), self.arrive)
        else:
            self.turn = turn
            self.scene.at(self.scene.now + turn.wait, self.step)

    def arrive(self) -> None:
        admitted = self.scene.arrive()
        self.scene.at(self.scene.now + self.scene.rng.uniform(0.001, 0.015), lambda: self.answer(admitted))

    def answer(self, admitted: bool) -> None:
        if admitted:
            self.scene.accepted[self.number] = self.scene.accepted.get(self.number, 0) + 1
            return
        self.scene.refused += 1
        self.budget.refused("send")
        self.retry()

    def retry(self) -> None:
        refused = RateLimitError("429")
        delay = self.policy.delay(self.attempt, refused, rng=self.scene.rng.random)
        if self.scene.now + delay > self.deadline or self.policy.gives_up(self.attempt, refused):
            self.scene.failed += 1
            return
        self.scene.at(self.scene.now + delay, self.step)


@pytest.mark.parametrize(("hosts", "per_host"), [(1, 200), (2, 100), (3, 67)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hosts_that_only_see_429s_deliver_everything(hosts: int, per_host: int, seed: int) -> None:
    scene = Scene(hosts, per_host, seed)
    scene.run()
    assert scene.failed == 0
    assert sorted(scene.accepted) == list(range(hosts * per_host)) and set(scene.accepted.values()) == {1}
    if hosts == 1:
        assert scene.refused == 0  # one host shares one file: the limiter never has to refuse



@pytest.mark.parametrize("seed", [2, 3])
def test_hosts_deaf_to_429s_keep_the_strict_limiter_shut(seed: int) -> None:
    """The control: the same scene with the cut after a 429 switched off loses alerts."""

    class Deaf(Budget):
        def refused(self, endpoint: str, retry_after: Optional[float] = None) -> None:
            return None

    scene = Scene(2, 100, seed)
    for _, _, action in scene.events:
        sender = getattr(action, "__self__", None)
        if isinstance(sender, Sender):
            sender.budget.__class__ = Deaf
    scene.run()
    assert scene.failed > 0
