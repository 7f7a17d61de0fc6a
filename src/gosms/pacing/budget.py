"""One request budget per GoSMS account on this machine, shared by every process that uses it.

Why a file: the API allows 10 requests per second per endpoint *per account*, and an alert storm
is many processes at once (notification commands, Ansible forks, cron scripts), each unaware of
the others.  Limiters kept inside each process let N processes go N times too fast, and the 429s
that follow lose alerts.  There is no daemon to ask, so the processes of one user share a small
state file per account in a private runtime directory, locked (``fcntl.flock``) only for the
moment a request claims its start.

What the file holds, per endpoint:

- the starts of the last 10 requests claimed (a sliding-window log).  A request may start once
  the 10th-last started more than ``WINDOW + MARGIN`` ago: a check doing 3 reads sends them at
  once, and sustained traffic stays under 10 in any second *at the server* even when a request
  that left on time arrives up to ``MARGIN`` late.  Starts are claimed in order (first come, first
  served), so a storm of processes forms a queue instead of a scramble;
- the account's rate after 429s: a 429 means someone the file cannot see (another host, a phone
  app) shares the account, so the rate is cut to ``DECREASE`` of what it was (once per window,
  however many requests were refused in it), held there for ``GRACE`` seconds, then grows back
  along TCP CUBIC's curve (quickly to just under the refused rate, slowly past it, faster again
  when nothing objects).  Every process of the host slows down together because the rate is in
  the shared file, and hosts that cannot share a file converge because each backs off on the
  same signal;
- a hold (``Retry-After``, or a random fraction of the new spacing so that hosts refused together
  do not come back in step) and an epoch: a cut or a hold voids the starts already handed out, so
  processes asleep on an old plan claim a new start when they wake instead of firing on the old
  schedule.  While the rate is cut, sleeps are at most ``NAP`` long, so a queue planned at a cut
  rate is re-planned once the rate has recovered.  A process woken more than ``MARGIN`` after its
  start (a busy machine) claims a new one rather than arrive among the next ten.

The token never reaches the disk: the file is named by an HMAC of the API address and the token
with a random salt stored in the same private directory.  If the directory cannot be used (or on a
system without ``fcntl``), the budget lives in this process only, as before, and says so in a log
line (``-v`` shows it).

The budget never sleeps: :meth:`Budget.admit` returns how long to wait, so a threaded transport,
an asyncio one (which runs ``admit`` in an executor: the file lock must not block the event loop)
and any other (Ansible's ``open_url``) drive it the same way.  Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each process keeps its own budget
    fcntl = None  # type: ignore[assignment]

from ..wire.config import Token
from ..wire.retry import DEFAULT_RATE
from .runtime import ENV_RUNTIME_DIR, check_private, runtime_dir

__all__ = [
    "DEFAULT_RATE",
    "ENV_RUNTIME_DIR",
    "MARGIN",
    "NO_TURN",
    "WINDOW",
    "Budget",
    "Turn",
    "for_account",
    "queue_to_send",
    "runtime_dir",
    "wait_for_turn",
]

log = logging.getLogger("gosms")

WINDOW = 1.0
"""The server's window: at most ``rate`` requests in any ``WINDOW`` seconds."""
MARGIN = 0.05
"""Seconds added to the window for network jitter: a request that leaves on time can arrive late."""
DECREASE = 0.5
"""Share of the rate kept after a 429."""
GROWTH = 0.1
"""How fast the rate grows back after a cut: the cubic's coefficient, in requests/s per s³."""
GRACE = 1.0
"""Seconds after a cut before the rate starts to recover."""
MIN_RATE = 0.25
"""The slowest the account's rate gets after 429s: enough to probe, too little to keep a server shut."""
NAP = 1.0
"""Longest single wait while the rate is cut: a process asleep on a slow plan looks again when the
rate has recovered.  At the full rate a plan can only get slower, and a sleeper notices on waking."""
REPLAN = 1.25
"""Queued starts are re-planned once the rate has grown by this factor since they were planned."""
MAX_AHEAD = 900.0
"""State claiming more than this many seconds ahead is from another boot or damaged: start afresh."""
STALE_AFTER = 3600.0
"""Seconds after which an account's file that nobody touched is removed (its content is long past)."""
NO_TURN = ("Not sent: this account's request budget (10 per second per endpoint, shared by every "
           "gosms process of this user on this machine) has no free turn before the deadline.")

_BOOT_ID = "/proc/sys/kernel/random/boot_id"
_SALT_BYTES = 32


@dataclass(frozen=True)
class Turn:
    """A request's place in the budget: go now, wait ``wait`` seconds and ask again, or give up.

    ``late`` means no start is free before the caller's deadline; nothing was claimed.
    """

    wait: float = 0.0
    epoch: int = -1
    slot: float = 0.0
    late: bool = False

    @property
    def go(self) -> bool:
        return not self.late and self.wait <= 0


GO = Turn()


class Budget:
    """The per-endpoint budget of one account: in a shared file, or in this process only.

    ``rate`` 0 disables it (every request goes at once).  ``clock`` must be the same on every
    process sharing the file: ``time.monotonic`` (CLOCK_MONOTONIC, system-wide on Linux).
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        api_url: Optional[str] = None,
        token: Union[Token, str, None] = None,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.rate = rate
        self.capacity = max(1, int(rate)) if rate > 0 else 0
        self.window = self.capacity / rate * WINDOW if rate > 0 else 0.0
        self.full_rate = self.capacity / (self.window + MARGIN) if rate > 0 else 0.0
        self._clock = clock
        self._rng = rng
        self._lock = threading.Lock()
        self._memory: dict[str, Any] = {}
        self._early: dict[str, Turn] = {}
        # Where the shared file is: found on first use (no file I/O here: an asyncio client is
        # built on the event loop).  Until then the account is kept as a Token, which never prints.
        self._account: Optional[tuple[str, Token]] = None
        if api_url is not None and token is not None:
            self._account = (api_url.rstrip("/"), token if isinstance(token, Token) else Token(token))
        self.path: Optional[str] = None

    def __repr__(self) -> str:
        where = self.path if self.path is not None else "this process"
        return f"Budget(rate={self.rate:g}, shared in {where})"

    # -- the two calls a transport makes --------------------------------------------------------

    def admit(self, endpoint: str, turn: Optional[Turn] = None, not_after: Optional[float] = None) -> Turn:
        """Claim a start for a request to ``endpoint`` (or check the one claimed before: ``turn``).

        Returns :data:`GO`-like turns (``turn.go``) when the request may start now, a turn with a
        ``wait`` to sleep before asking again (passing that turn back), or a ``late`` turn when no
        start is free before ``not_after`` (this budget's clock).
        """
        if self.capacity == 0:
            return GO
        if turn is None:
            turn = self._early.pop(endpoint, None)
        with self._state() as (data, now):
            ep = self._endpoint(data, endpoint, now)
            if turn is not None and turn.epoch == ep["epoch"] and not turn.late:
                if turn.slot > now:
                    return self._turn(ep, now, turn.slot)
                if now - turn.slot <= MARGIN:
                    return GO
                # Woken too late (a busy machine): starting now would put this request among the
                # next ten at the server.  The missed start stays counted; claim a new one.
            return self._claim(ep, now, not_after)

    def queue_early(self, endpoint: str, lead: float, not_after: Optional[float] = None) -> float:
        """Take a place in the queue now when the turn is more than ``lead`` seconds away.

        For a process that still has to load its HTTP stack: in a storm of processes started at
        once, loading everything first means all of them compete for the CPU together and the
        first request leaves only when the last process is ready.  Queueing first lets each
        process sleep (using no CPU) until ``lead`` seconds before its turn; the next
        :meth:`admit` for ``endpoint`` in this process uses the place.  Returns the seconds to
        sleep, 0 when the turn is near (nothing is claimed then).
        """
        if self.capacity == 0:
            return 0.0
        with self._state() as (data, now):
            ep = self._endpoint(data, endpoint, now)
            if self._next_slot(ep, now) - now <= lead:
                return 0.0
            turn = self._claim(ep, now, not_after)
        if turn.late:
            return 0.0
        self._early[endpoint] = turn
        return max(0.0, turn.slot - now - lead)

    def refused(self, endpoint: str, retry_after: Optional[float] = None) -> None:
        """A 429: someone this file cannot see shares the account.  Slow down, honour Retry-After."""
        if self.capacity == 0:
            return
        with self._state() as (data, now):
            ep = self._endpoint(data, endpoint, now)
            hold = now
            if ep["cut"] is None or now - ep["cut"] >= self.window + MARGIN:
                ep["ceiling"] = self._rate(ep, now)
                ep["cut"] = now
                ep["planned"] = rate = self._rate(ep, now)
                hold = now + self._rng() / rate
                self._void(ep, now)
            if retry_after is not None:
                hold = max(hold, now + retry_after)
            if hold > ep["hold"]:
                ep["hold"] = hold
                self._void(ep, now)

    def observe(self, endpoint: str, status: int, headers: Mapping[str, str]) -> None:
        """Feed an answer back: only a 429 changes anything."""
        if status == 429:
            from ..wire.protocol import retry_after_seconds  # protocol is heavier than this module needs

            self.refused(endpoint, retry_after_seconds(headers))

    def snapshot(self, endpoint: str) -> dict[str, Any]:
        """The endpoint's state as stored (for tests and diagnostics; holds no secret)."""
        with self._state() as (data, now):
            return dict(self._endpoint(data, endpoint, now))

    # -- the schedule ------------------------------------------------------------------------------

    def _next_slot(self, ep: dict[str, Any], now: float) -> float:
        """The earliest start free for a new request: after the queue, the window and any hold."""
        slots: list[float] = ep["slots"]
        slot: float = max(now, ep["hold"], slots[-1] if slots else now)
        if len(slots) >= self.capacity:
            slot = max(slot, slots[-self.capacity] + self.window + MARGIN)
        rate = self._rate(ep, now)
        if rate < self.full_rate and slots:
            slot = max(slot, slots[-1] + 1.0 / rate)
        return slot

    def _claim(self, ep: dict[str, Any], now: float, not_after: Optional[float]) -> Turn:
        slots: list[float] = ep["slots"]
        slot = self._next_slot(ep, now)
        if not_after is not None and slot > max(now, not_after):
            return Turn(late=True)  # a free start now always goes: a deadline of 0 means one try
        slots.append(slot)
        del slots[:-self.capacity]
        if slot <= now:
            return GO
        return self._turn(ep, now, slot)

    def _turn(self, ep: dict[str, Any], now: float, slot: float) -> Turn:
        """Wait for ``slot``; in naps while the rate is cut, so a recovery can bring it forward."""
        wait = slot - now
        if self._rate(ep, now) < self.full_rate:
            wait = min(NAP, wait)
        return Turn(wait, ep["epoch"], slot)

    def _rate(self, ep: dict[str, Any], now: float) -> float:
        """The account's rate now: cut after a 429, then the cubic recovery (concave up to the
        refused rate, convex past it) that TCP's CUBIC uses, computed from the cut alone.

        No recovery for GRACE seconds after a cut: while 429s keep coming the rate only falls,
        however many hosts share the account, so a server counting refusals cannot stay shut.
        """
        if ep["cut"] is None:
            return self.full_rate
        ceiling = float(ep["ceiling"])
        after = now - float(ep["cut"]) - GRACE
        if after <= 0:
            return max(MIN_RATE, ceiling * DECREASE)
        knee: float = (ceiling * (1 - DECREASE) / GROWTH) ** (1 / 3)
        return max(MIN_RATE, min(self.full_rate, ceiling + GROWTH * float(after - knee) ** 3))

    def _recover(self, ep: dict[str, Any], now: float) -> None:
        rate = self._rate(ep, now)
        if rate >= self.full_rate:
            ep["cut"] = None
        if rate >= ep["planned"] * REPLAN or (rate >= self.full_rate > ep["planned"]):
            ep["planned"] = rate
            self._void(ep, now)

    @staticmethod
    def _void(ep: dict[str, Any], now: float) -> None:
        """Starts handed out for the future no longer hold: their holders claim again on waking."""
        if any(s > now for s in ep["slots"]):
            ep["slots"] = [s for s in ep["slots"] if s <= now]
        ep["epoch"] += 1

    def _endpoint(self, data: dict[str, Any], endpoint: str, now: float) -> dict[str, Any]:
        endpoints = data.setdefault("endpoints", {})
        ep: dict[str, Any] = endpoints.get(endpoint)
        if not _sane(ep, now):
            ep = endpoints[endpoint] = {"slots": [], "cut": None, "ceiling": self.full_rate, "hold": 0.0,
                                        "epoch": 0, "planned": self.full_rate}
        self._recover(ep, now)
        return ep

    # -- where the state lives ---------------------------------------------------------------------

    @contextmanager
    def _state(self) -> Iterator[tuple[dict[str, Any], float]]:
        with self._lock:
            if self._account is not None:
                self._locate()
            shared: Optional[_StateFile] = None
            if self.path is not None:
                try:
                    shared = _StateFile(self.path)
                except OSError as exc:
                    self._fall_back(f"{self.path} cannot be used ({exc.strerror or exc})")
            if shared is None:
                yield self._memory, self._clock()
                return
            try:
                yield shared.data, self._clock()
                shared.save()
            except OSError as exc:
                self._fall_back(f"{self.path} cannot be written ({exc.strerror or exc})")
            finally:
                shared.close()

    def _locate(self) -> None:
        if self._account is None:  # located already
            return
        api_url, token = self._account
        self._account = None
        directory, reason = runtime_dir()
        if directory is not None:
            try:
                self.path = os.path.join(directory, f"budget-{_fingerprint(directory, api_url, token)}.json")
                return
            except OSError as exc:
                reason = f"its salt in {directory} cannot be used ({exc.strerror or exc})"
        self._fall_back(reason)

    def _fall_back(self, reason: str) -> None:
        self.path = None
        log.info("request budget kept in this process only, not shared with other gosms processes: %s", reason)


def wait_for_turn(budget: Budget, endpoint: str, not_after: Optional[float] = None,
                  sleep: Callable[[float], None] = time.sleep) -> bool:
    """Block until ``endpoint`` may be called; False when no turn is free before ``not_after``."""
    turn: Optional[Turn] = None
    while True:
        turn = budget.admit(endpoint, turn, not_after)
        if turn.late:
            return False
        if turn.go:
            return True
        sleep(turn.wait)


def _sane(ep: Any, now: float) -> bool:
    """Stored state this process can trust: the right shape and nothing implausibly far ahead."""
    try:
        return (
            isinstance(ep, dict)
            and all(s <= now + MAX_AHEAD for s in ep["slots"])
            and ep["hold"] <= now + MAX_AHEAD
            and (ep["cut"] is None or ep["cut"] <= now + MAX_AHEAD)
            and ep["planned"] > 0 and ep["ceiling"] > 0
            and isinstance(ep["epoch"], int)
        )
    except (KeyError, TypeError):
        return False


_BOOT: list[str] = []


def _boot_id() -> str:
    """Monotonic time restarts at boot: a file written during another boot is read as empty."""
    if not _BOOT:
        try:
            with open(_BOOT_ID, encoding="ascii") as handle:
                _BOOT.append(handle.read().strip())
        except OSError:
            _BOOT.append("")
    return _BOOT[0]


class _StateFile:
    """The state file, open and locked (exclusively) from construction to :meth:`close`."""

    def __init__(self, path: str) -> None:
        if fcntl is None:  # runtime_dir() offers no directory then; an OSError falls back all the same
            raise OSError("this system has no fcntl file locks")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(path, flags, 0o600)
        try:
            check_private(os.fstat(self._fd), path, is_dir=False)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            chunks = []
            while True:
                chunk = os.read(self._fd, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except BaseException:
            os.close(self._fd)
            raise
        self._raw = b"".join(chunks)
        if not self._raw:
            _prune(os.path.dirname(path))
        try:
            data = json.loads(self._raw.decode("utf-8")) if self._raw.strip() else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict) or data.get("boot") != _boot_id():
            data = {"boot": _boot_id()}
        self.data: dict[str, Any] = data

    def save(self) -> None:
        out = json.dumps(self.data, separators=(",", ":")).encode("utf-8")
        if out != self._raw:
            os.pwrite(self._fd, out, 0)
            os.ftruncate(self._fd, len(out))

    def close(self) -> None:
        os.close(self._fd)  # releases the lock too


def _prune(directory: str) -> None:
    """A new account's file is the moment to remove those nobody has used for a long while.

    Their content no longer matters (every start in them is long past), so a test suite or a
    changed token does not leave files behind for ever.
    """
    old = time.time() - STALE_AFTER
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith("budget-") and name.endswith(".json"):
            path = os.path.join(directory, name)
            try:
                if os.lstat(path).st_mtime < old:
                    os.unlink(path)
            except OSError:
                pass  # gone already, or not ours to remove


def _salt(directory: str) -> bytes:
    """The directory's random salt, created once (atomically: no process ever reads half of it)."""
    path = os.path.join(directory, "salt")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    for _attempt in range(2):
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            temp = f"{path}.{os.getpid()}.{threading.get_ident()}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            try:
                os.write(fd, os.urandom(_SALT_BYTES))
            finally:
                os.close(fd)
            try:
                os.link(temp, path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                os.unlink(temp)
            continue
        try:
            check_private(os.fstat(fd), path, is_dir=False)
            salt = os.read(fd, _SALT_BYTES + 1)
        finally:
            os.close(fd)
        if len(salt) == _SALT_BYTES:
            return salt
        raise PermissionError(0, f"{path} is damaged; delete it")
    raise PermissionError(0, f"{path} could not be created")


def _fingerprint(directory: str, api_url: str, token: Token) -> str:
    message = f"{api_url}\n{token.reveal()}".encode()
    return hmac.new(_salt(directory), message, hashlib.sha256).hexdigest()[:32]


_REGISTRY: dict[tuple[str, str, str], Budget] = {}
_REGISTRY_LOCK = threading.Lock()
_PROCESS_SALT = os.urandom(16)
"""Keys of the in-process registry: they say nothing about a token even to someone reading memory."""


def for_account(api_url: str, token: Union[Token, str], rate: float = DEFAULT_RATE) -> Budget:
    """The budget of an account (API address and token): the one every client should use.

    Clients of the same account in this process get the same object, and through its file the
    same budget as the account's other processes on this machine.  A client that asks for another
    rate than the API's (0 for none, or a stricter one) gets a budget of its own in memory: it
    chose to differ, and sharing would impose its choice on the account's other clients.
    """
    if rate != DEFAULT_RATE:
        return Budget(rate)
    url = api_url.rstrip("/")
    secret = token.reveal() if isinstance(token, Token) else token
    key = (url, hashlib.sha256(_PROCESS_SALT + secret.encode("utf-8")).hexdigest(),
           os.environ.get(ENV_RUNTIME_DIR, ""))
    with _REGISTRY_LOCK:
        budget = _REGISTRY.get(key)
        if budget is None:
            budget = _REGISTRY[key] = Budget(rate, api_url=url, token=token)
        return budget


SEND_LEAD = 1.0
"""Seconds before its turn that a queued process wakes to load its send path and connect."""


def queue_to_send(api_url: str, token: Union[Token, str], *, deadline: float,
                  sleep: Callable[[float], None] = time.sleep,
                  placed: Optional[Callable[[], None]] = None) -> float:
    """For a process that sends one alert and exits: take its place in the account's queue first.

    Hundreds of notification commands started at once share the CPU evenly: had each also loaded
    its send path before taking its place, the first SMS would leave only when the last process
    was ready.  So a place is taken once the input is checked and the account (the address and
    token its client will use) is known, and the process sleeps, using no CPU, until
    :data:`SEND_LEAD` seconds before its turn; the account's budget in this process keeps the
    place for the client's first send within ``deadline`` seconds.  A near turn changes nothing.
    ``placed`` is called once the place is taken, before the sleep (the CLI lets the next process
    through the start-up turnstile then).  Returns the seconds slept.
    """
    pause = for_account(api_url, token).queue_early("send", SEND_LEAD, not_after=time.monotonic() + deadline)
    if placed is not None:
        placed()
    if pause > 0:
        log.debug("waiting %.2fs for this account's turn to send", pause)
        sleep(pause)
    return pause
