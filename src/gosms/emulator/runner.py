"""The emulator as a Python object: start it in a test, point a client at ``.url``, stop it.

Its methods act on the state directly rather than over the control API: the same effect, no HTTP
round trip, and a wrong argument fails in the test's own traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from .faults import parse_rules
from .server import API_PREFIX, EmulatorServer
from .state import DEFAULT_TOKEN, State

__all__ = ["Emulator"]


class Emulator:
    """A local GoSMS API on a free port, in a background thread.

    ``tokens`` are the API tokens it accepts (default one, ``demo-token``); ``scenario`` is the
    initial state in the scenario-file format; ``devices`` adds phones by id.  Without any device
    given, the account has one active, charging, online phone, so sending works at once.
    """

    def __init__(
        self,
        tokens: Sequence[str] | None = None,
        *,
        scenario: Mapping[str, Any] | None = None,
        devices: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        initial = dict(scenario or {})
        if tokens is not None:
            if isinstance(tokens, str):
                tokens = [tokens]
            initial["tokens"] = list(initial.get("tokens") or []) + list(tokens)
        if devices:
            initial["devices"] = list(initial.get("devices") or []) + list(devices)
        self.state = State(initial)
        self._address = (host, port)
        self._verbose = verbose
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    # -- running --------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._server = EmulatorServer(self._address, self.state, verbose=self._verbose)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="gosms-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- addresses ------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start() or use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``; a wildcard bind address is shown as loopback, where it answers too."""
        host = self._address[0]
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL to give a client: ``http://127.0.0.1:PORT/v1``."""
        return self.root_url + API_PREFIX

    @property
    def control_url(self) -> str:
        return self.root_url + "/_emulator"

    @property
    def token(self) -> str:
        """The first configured token (``demo-token`` unless tokens were given)."""
        with self.state.lock:
            return next(iter(self.state.tokens), DEFAULT_TOKEN)

    @property
    def tokens(self) -> list[str]:
        with self.state.lock:
            return list(self.state.tokens)

    # -- the control API in Python --------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """As ``GET /_emulator/state``."""
        return self.state.snapshot()

    def set_scenario(self, **patch: Any) -> None:
        """As ``POST /_emulator/scenario``: e.g. ``set_scenario(quota=0)`` or
        ``set_scenario(devices={emu.device_id: {"online": False}})``."""
        self.state.apply(patch)

    def add_fault(self, kind: str, endpoint: str = "*", count: int | None = 1, **options: Any) -> None:
        """Queue one fault rule (options: seconds, code, status, body, content_type, execute, after)."""
        self.state.add_faults(parse_rules(dict(options, kind=kind, endpoint=endpoint, count=count)))

    def add_faults(self, rules: Iterable[Mapping[str, Any]]) -> None:
        """As ``POST /_emulator/faults`` with a list of rules."""
        self.state.add_faults(parse_rules(list(rules)))

    def faults(self) -> list[dict[str, Any]]:
        """Rules still queued (used-up ones are gone)."""
        with self.state.lock:
            return [rule.as_dict() for rule in self.state.faults]

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def outage(self, seconds: float | None = None, mode: str = "503") -> dict[str, Any]:
        """As ``POST /_emulator/outage``: every API request fails (503, or ``mode="reset"``) for
        ``seconds`` of emulator time, or until :meth:`end_outage` when None."""
        return self.state.start_outage({"seconds": seconds, "mode": mode})

    def end_outage(self) -> None:
        """As ``DELETE /_emulator/outage``."""
        self.state.end_outage()

    def advance(self, seconds: float) -> float:
        """Move the emulator clock forward; returns the new emulator time (Unix seconds)."""
        return self.state.advance(seconds)

    def set_time(self, unix_time: float) -> float:
        """Jump the emulator clock forward to an absolute time, e.g. just before a month ends."""
        return self.state.set_time(unix_time)

    def now(self) -> float:
        return self.state.now()

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first; never holds a token or the Authorization header."""
        return self.state.requests()

    def clear_requests(self) -> None:
        self.state.clear_requests()

    def messages(self) -> list[dict[str, Any]]:
        """Every message created, oldest first, deleted ones too (``deleted: true``)."""
        return self.state.messages_snapshot()

    def seed_messages(self, count: int, phone: str = "79990000000", time_create: float | None = None, *,
                      step: float = 1.0, message: str = "seeded message {n}") -> list[str]:
        """``count`` messages as if sent earlier (``step`` s apart from ``time_create``, the last one
        now by default), without the rate limit: paging and usage tests need hundreds.  Their ids,
        oldest first; as ``POST /_emulator/messages``."""
        return self.state.seed_messages(count, phone, time_create, step=step, message=message)

    def reset(self) -> None:
        """Back to the starting scenario: same tokens and devices, no messages, faults or log."""
        self.state.reset()

    def add_device(self, device_id: str | None = None, **fields: Any) -> str:
        """A new phone (active, charging, online unless fields say otherwise); returns its id."""
        return self.state.add_device(device_id, **fields)

    def set_phone(self, device_id: str, behaviour: str | None = None, **fields: Any) -> None:
        """Steer one phone: ``behaviour`` is one of ``BEHAVIOURS`` (delivers, offline, send_error,
        delivery_error, slow); other device fields (``active``, ``slow_factor``, ...) as in a
        scenario.  As ``POST /_emulator/phones``."""
        if behaviour is not None:
            fields["behaviour"] = behaviour
        self.state.apply({"devices": {device_id: fields}})

    def deliveries(self, phone: str | None = None) -> list[dict[str, Any]]:
        """Copies that reached a handset (status 4), deleted or not, oldest first: doubles show as
        two.  Each carries ``carrier``, the phone that sent it.  As ``GET /_emulator/deliveries``."""
        return self.state.deliveries(phone)

    def add_token(self, token: str | None = None, *, label: str | None = None, active: bool = True,
                  permissions: Sequence[str] | Mapping[str, bool] | None = None) -> str:
        """A new API token (all grants unless ``permissions`` lists them); returns the token."""
        perms = list(permissions) if permissions is not None and not isinstance(permissions, Mapping) else permissions
        return self.state.add_token(token, label=label, active=active, permissions=perms)

    @property
    def phones(self) -> list[str]:
        """Every phone's id, in the order the scenario gave them."""
        with self.state.lock:
            return list(self.state.devices)

    @property
    def device_id(self) -> str:
        """The first phone's id, for tests of the default single-phone account."""
        with self.state.lock:
            if not self.state.devices:
                raise LookupError("the account has no device")
            return next(iter(self.state.devices))

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"<Emulator {where}>"
