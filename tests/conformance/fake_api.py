"""An independent GoSMS API written from the public docs only, to test the product against.

Why it exists: every other test runs against ``gosms.emulator``, which was written by the same
hands as the client, so a misreading of the docs would be shared by both and never show. This fake
imports nothing from ``gosms``, has its own validation, its own (Russian, from ``ru/code-error.md``)
error texts and its own answer shapes, and takes the *other* reading wherever the docs leave room:

- HTTP status of an error answer: not documented, so it is configurable per code and by default
  one of 200, 418, 299, 451, 207 (never the "obvious" 400/401/403);
- device ids are 24-hex ObjectIDs and device info has the English page's shape (``id``,
  ``device_id``, ``device_battery_state`` as a string, ``console_data``); device requests read the
  ``id`` key (English page), never ``device_id``;
- ``offset`` in ``GET /sms`` is a 0-based record offset and the list is oldest first;
- the rate limit is a fixed 1-second window of 10 requests per endpoint, answered with 429 and a
  JSON body without ``errors.code``;
- ``time_create`` is unix seconds; message statuses move 0 -> 2 -> 4 on a timer.

Control is in-process (a Python object, no HTTP control surface that a client could hit by mistake):
``fail_next``, ``fail_always``, ``block_account``, ``set_device``, ``fault_next``, ``seed``,
``message_count``, ``requests``.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

# Texts copied from ru/code-error.md (the fuller, newer page): 28 documented codes.
MESSAGES_RU: dict[int, str] = {
    1000: "Неизвестная ошибка",
    1001: "Недопустимый запрос Json",
    1002: "Api неактивно. Активируйте его в панели управления перед использованием.",
    1003: "Api не существует.",
    1004: ("У Вас не зарегистрировано ни одного устройства. Вы можете сделать это через панель "
           "управления в разделе \"Мои устройства\"."),
    1005: "Для этого API отправка смс запрещена. Включите эту опцию в настройках Вашего API.",
    1006: "Максимальное количество смс на Вашем тарифном плане.",
    1007: "Для этого API получение информации об смс запрещено. Включите эту опцию в настройках Вашего API.",
    1008: "Смс с таким id не существует.",
    1009: "Для этого API удаление смс запрещено. Включите эту опцию в настройках вашего API.",
    1010: "Это смс сообщение можно будет удалить через пару минут. Попробуйте позже.",
    1011: "Для этого API доступ к устройствам запрещен. Включите эту опцию в настройках вашего API.",
    1012: "Устройства с таким ID не существует.",
    1013: "Для этого API редактировать устройства запрещено. Включите эту опцию в настройках вашего API.",
    1014: "Для этого API удалять устройства запрещено. Включите эту опцию в настройках вашего API.",
    1015: "У вас нет не одного устройства с разрешенным приемом sms.",
    1016: "У вас нет устройства с таким device_id.",
    1017: ("Вы указываете to_sim но не указали device_id, мы не сможем определить sim для отправки без "
           "явного указания устройства."),
    2001: "Неверно указан номер телефона в поле phone_number.",
    2002: "Неверно указан текст сообщения в поле message.",
    2003: "Неверный формат id.",
    2004: "Неверный формат callback_id.",
    2005: "Неверный формат device_id.",
    2006: "limit является обязательным параметром. Минимум 1 максимум 100 записей на страницу.",
    2007: "offset может состоять только из числового значения.",
    2008: "Неверный формат to_sim.",
    2009: "Неверный формат is_active.",
    3000: "Ваш аккаунт заблокирован по решению администрации. Обратитесь в техническую поддержку проекта.",
}
DOCUMENTED_CODES: tuple[int, ...] = tuple(sorted(MESSAGES_RU))
UNDOCUMENTED_CODE = 1099
UNDOCUMENTED_MESSAGE = "Внутренняя ошибка сервиса."

# Deliberately unusual statuses for error answers: the docs never say which status goes with which code.
UNUSUAL_STATUSES: tuple[int, ...] = (200, 418, 299, 451, 207)

STATUS_TEXT_RU: dict[int, str] = {
    0: "Ждет обработки", 1: "Взято в обработку", 2: "Отправлено",
    3: "Ошибка отправки", 4: "Доставлено", 5: "Ошибка доставки",
}

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
PHONE = re.compile(r"[0-9]{3,30}")
RATE_WINDOW_S = 1.0
RATE_LIMIT = 10
FAULT_KINDS = ("html502", "http500", "drop", "sleep")


def new_object_id() -> str:
    """A fresh 24-hex id in the ``primitive.ObjectID`` form the English docs show."""
    return f"{int(time.time()):08x}" + secrets.token_hex(8)


@dataclass
class Logged:
    """One request as the fake saw it (the Authorization header is reduced to present/absent)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorized: bool
    status: int = 0


@dataclass
class Fault:
    """A transport-level misbehaviour for the next matching request; ``store`` = do the work first."""

    kind: str
    store: bool
    path: str
    seconds: float = 0.0


@dataclass
class State:
    """Everything the fake knows; guarded by ``FakeGoSMS.lock``."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocked: bool = False
    quota: Optional[int] = None
    next_errors: list[tuple[int, Optional[str]]] = field(default_factory=list)
    always_error: Optional[tuple[int, Optional[str]]] = None
    faults: list[Fault] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)


class FakeGoSMS:
    """The fake API on 127.0.0.1 (port chosen by the OS); use as a context manager."""

    def __init__(self, token: str, *, devices: int = 1, status_step_s: float = 0.3,
                 error_status: Optional[dict[int, int]] = None) -> None:
        self.token = token
        self.status_step_s = status_step_s
        self.lock = threading.Lock()
        self.state = State()
        self.error_status: dict[int, int] = {
            code: UNUSUAL_STATUSES[i % len(UNUSUAL_STATUSES)]
            for i, code in enumerate((*DOCUMENTED_CODES, UNDOCUMENTED_CODE))
        }
        self.error_status.update(error_status or {})
        for _ in range(devices):
            self.add_device()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> FakeGoSMS:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The API base URL, with the ``/v1`` prefix of the real one."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- control surface --------------------------------------------------------------------
    def add_device(self, **fields: Any) -> str:
        """Register a phone; returns its ObjectID."""
        device = {
            "id": new_object_id(),
            "device_id": secrets.token_hex(12) + "a",
            "device_battery_state": "57",
            "device_name": "Poco M3",
            "is_active": True,
            "is_charging": True,
            "last_online_date": _iso(time.time() - 30),
            "console_data": "",
        }
        device.update(fields)
        with self.lock:
            self.state.devices[device["id"]] = device
        return str(device["id"])

    @property
    def device_ids(self) -> list[str]:
        with self.lock:
            return list(self.state.devices)

    def set_device(self, device_id: str, **fields: Any) -> None:
        """Change a phone's fields (``last_online_date`` may be given as unix seconds)."""
        if isinstance(fields.get("last_online_date"), (int, float)):
            fields["last_online_date"] = _iso(float(fields["last_online_date"]))
        with self.lock:
            self.state.devices[device_id].update(fields)

    def remove_devices(self) -> None:
        with self.lock:
            self.state.devices.clear()

    def fail_next(self, code: int, times: int = 1, path: Optional[str] = None) -> None:
        """Answer ``code`` to the next ``times`` requests (to ``path`` only, when given)."""
        with self.lock:
            self.state.next_errors.extend([(code, path)] * times)

    def fail_always(self, code: Optional[int], path: Optional[str] = None) -> None:
        """Answer ``code`` to every request (None stops it)."""
        with self.lock:
            self.state.always_error = None if code is None else (code, path)

    def block_account(self, blocked: bool = True) -> None:
        with self.lock:
            self.state.blocked = blocked

    def set_quota(self, quota: Optional[int]) -> None:
        """Refuse sends with 1006 once this many messages were created this (UTC) month."""
        with self.lock:
            self.state.quota = quota

    def fault_next(self, kind: str, *, store: bool, path: str = "/sms/send", seconds: float = 0.0) -> None:
        """Misbehave on the next request to ``path``: html502, http500, drop (close, no answer), sleep."""
        assert kind in FAULT_KINDS, kind
        with self.lock:
            self.state.faults.append(Fault(kind, store, path, seconds))

    def seed(self, count: int, *, time_create: int, phone: str = "79990000000") -> None:
        """Store ``count`` messages created at ``time_create`` (unix seconds), already delivered."""
        with self.lock:
            for i in range(count):
                self.state.messages.append(_message(phone, f"seed {i}", "", "", time_create, seeded=True))
            self.state.messages.sort(key=lambda m: m["time_create"])

    def message_count(self) -> int:
        with self.lock:
            return len(self.state.messages)

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m) for m in self.state.messages]

    def requests(self, path: Optional[str] = None) -> list[Logged]:
        """The request log (every request that reached the server, rate-limited ones included)."""
        with self.lock:
            return [r for r in self.state.log if path is None or r.path == path]

    # -- the API ----------------------------------------------------------------------------
    def public(self, message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as the API shows it, its status moved on by the timer."""
        status = message["status"]
        if not message["seeded"]:
            age = time.time() - message["stored_at"]
            status = 0 if age < self.status_step_s else 2 if age < 2 * self.status_step_s else 4
        out = {k: v for k, v in message.items() if k not in ("seeded", "stored_at")}
        out.update(status=status, message_status=STATUS_TEXT_RU[status])
        return out


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def _message(phone: str, text: str, device_id: str, callback_id: str, created: int,
             seeded: bool = False) -> dict[str, Any]:
    return {
        "id": new_object_id(), "message": text, "status": 4 if seeded else 0,
        "callback_id": callback_id, "device_id": device_id, "phone_number": phone,
        "message_status": "", "time_create": created, "seeded": seeded, "stored_at": time.time(),
    }


class ApiError(Exception):
    """An answer with ``errors.code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGoSMS
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    # -- plumbing ---------------------------------------------------------------------------
    def _answer(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8",
                entry: Optional[Logged] = None) -> None:
        if entry is not None:
            entry.status = status
        self.send_response(status)
        if body or status != 204:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, status: int, data: Any, entry: Logged) -> None:
        self._answer(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), entry=entry)

    def _serve(self, method: str) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        path = split.path[3:] if split.path.startswith("/v1/") else split.path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw.strip() else None
            bad_json = False
        except (UnicodeDecodeError, ValueError):
            body, bad_json = raw.decode("utf-8", "replace"), True
        authorized = self.headers.get("Authorization") == f"Bearer {fake.token}"
        entry = Logged(method, path, parse_qs(split.query), body, authorized)
        now = time.time()
        with fake.lock:
            fake.state.log.append(entry)
            window_start, count = fake.state.windows.get(f"{method} {path}", (int(now), 0))
            if window_start != int(now // RATE_WINDOW_S):
                window_start, count = int(now // RATE_WINDOW_S), 0
            fake.state.windows[f"{method} {path}"] = (window_start, count + 1)
            limited = count + 1 > RATE_LIMIT
            fault = next((f for f in fake.state.faults if f.path == path), None)
            if fault is not None and not limited:
                fake.state.faults.remove(fault)
        if limited:
            self._json(429, {"message": "too many requests"}, entry)
            return
        try:
            if fault is not None and not fault.store:
                self._misbehave(fault, entry)
                return
            if bad_json:
                raise ApiError(1001)
            status, data = self._route(method, path, entry.query, body)
        except ApiError as error:
            status = fake.error_status.get(error.code, 418)
            text = MESSAGES_RU.get(error.code, UNDOCUMENTED_MESSAGE)
            data = {"errors": {"code": error.code, "message": text, "hash": secrets.token_hex(6)}}
        if fault is not None:
            self._misbehave(fault, entry)
            return
        if status == 204:
            self._answer(204, b"", entry=entry)
        else:
            self._json(status, data, entry)

    def _misbehave(self, fault: Fault, entry: Logged) -> None:
        if fault.kind == "html502":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            self._answer(502, page, "text/html", entry)
        elif fault.kind == "http500":
            self._answer(500, b"Internal Server Error", "text/plain", entry)
        elif fault.kind == "drop":
            entry.status = -1
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:  # sleep past the client's read timeout, then answer (to nobody, usually)
            time.sleep(fault.seconds)
            with contextlib.suppress(OSError):
                self._json(200, {"id": new_object_id()}, entry)

    # -- the endpoints ----------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        fake = self.fake
        with fake.lock:
            pending = next((e for e in fake.state.next_errors if e[1] in (None, path)), None)
            if pending is not None:
                fake.state.next_errors.remove(pending)
                raise ApiError(pending[0])
            always = fake.state.always_error
            if always is not None and always[1] in (None, path):
                raise ApiError(always[0])
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            raise ApiError(1003)
        if fake.state.blocked:
            raise ApiError(3000)
        routes = {
            ("POST", "/sms/send"): self._send, ("POST", "/sms/get"): self._get,
            ("DELETE", "/sms/del"): self._delete, ("POST", "/devices/get/info"): self._device_info,
            ("POST", "/devices/edit"): self._device_edit, ("POST", "/devices/del"): self._device_del,
        }
        if (method, path) == ("GET", "/sms"):
            return self._list(query)
        handler = routes.get((method, path))
        if handler is None:
            return 404, {"message": "not found"}
        if body is not None and not isinstance(body, dict):
            raise ApiError(1001)
        return handler(body or {})

    def _send(self, body: dict[str, Any]) -> tuple[int, Any]:
        fake = self.fake
        phone, text = body.get("phone_number"), body.get("message")
        if not isinstance(phone, str) or not PHONE.fullmatch(phone):
            raise ApiError(2001)
        if not isinstance(text, str) or not 1 <= len(text) <= 300 or "`" in text:
            raise ApiError(2002)
        callback_id = body.get("callback_id") or ""
        if not isinstance(callback_id, str) or (callback_id and not OBJECT_ID.fullmatch(callback_id)):
            raise ApiError(2004)
        device_id = body.get("device_id") or ""
        if not isinstance(device_id, str) or (device_id and not OBJECT_ID.fullmatch(device_id)):
            raise ApiError(2005)
        to_sim = body.get("to_sim")
        if to_sim is not None:
            if isinstance(to_sim, bool) or not isinstance(to_sim, int) or to_sim < -2:
                raise ApiError(2008)
            if not device_id:
                raise ApiError(1017)
        with fake.lock:
            if not fake.state.devices:
                raise ApiError(1004)
            if device_id and device_id not in fake.state.devices:
                raise ApiError(1016)
            if fake.state.quota is not None:
                month = time.strftime("%Y-%m", time.gmtime())
                used = sum(1 for m in fake.state.messages
                           if time.strftime("%Y-%m", time.gmtime(m["time_create"])) == month)
                if used >= fake.state.quota:
                    raise ApiError(1006)
            message = _message(phone, text, device_id, callback_id, int(time.time()))
            fake.state.messages.append(message)
        return 200, {"id": message["id"]}

    def _find(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = body.get("id")
        if not isinstance(ident, str) or not OBJECT_ID.fullmatch(ident):
            raise ApiError(2003)
        found = next((m for m in self.fake.state.messages if m["id"] == ident), None)
        if found is None:
            raise ApiError(1008)
        return found

    def _get(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self.fake.lock:
            return 200, self.fake.public(self._find(body))

    def _delete(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self.fake.lock:
            self.fake.state.messages.remove(self._find(body))
        return 204, None

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        limit_s = query.get("limit", [""])[0]
        offset_s = query.get("offset", ["0"])[0]
        if not limit_s.isdigit() or not 1 <= int(limit_s) <= 100:
            raise ApiError(2006)
        if not offset_s.isdigit():
            raise ApiError(2007)
        limit, offset = int(limit_s), int(offset_s)
        search = query.get("search", [""])[0].lower()
        with self.fake.lock:
            rows = [self.fake.public(m) for m in self.fake.state.messages]  # oldest first
        if search:
            rows = [r for r in rows if any(search in str(r[k]).lower()
                                           for k in ("message", "message_status", "phone_number"))]
        return 200, {"pagination": {"total_records": len(rows), "limit": limit, "offset": offset},
                     "sms_list": rows[offset:offset + limit]}

    def _device(self, body: dict[str, Any]) -> dict[str, Any]:
        ident = body.get("id")  # the English page's key; a ``device_id`` key is not read
        if not isinstance(ident, str) or not OBJECT_ID.fullmatch(ident):
            raise ApiError(2003)
        device = self.fake.state.devices.get(ident)
        if device is None:
            raise ApiError(1012)
        return device

    def _device_info(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self.fake.lock:
            return 200, dict(self._device(body))

    def _device_edit(self, body: dict[str, Any]) -> tuple[int, Any]:
        active = body.get("is_active", False)  # docs: missing means false
        if not isinstance(active, bool):
            raise ApiError(2009)
        with self.fake.lock:
            self._device(body)["is_active"] = active
        return 204, None

    def _device_del(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self.fake.lock:
            device = self._device(body)
            del self.fake.state.devices[device["id"]]
        return 204, None
