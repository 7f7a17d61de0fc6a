"""A real Zabbix 6.0 in temporary folders: PostgreSQL, zabbix_server, and the frontend's API.

Everything is Debian's own binaries (zabbix-server-pgsql, zabbix-frontend-php, postgresql), started
the way an admin would, only in a temporary folder and on loopback: PostgreSQL on a unix socket with
no TCP listener, the server's trapper on 127.0.0.1, the API through PHP's built-in web server. The
schema is loaded once into a template database and cloned for each server, so a server starts from
a fresh Zabbix in about the time its processes take to come up.

When the tests run as root, PostgreSQL runs as the ``postgres`` user (initdb refuses root) and
zabbix_server drops to the ``zabbix`` user as it does when started by its service.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import json
import os
import pwd
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import requests

SCHEMA_DIR = Path("/usr/share/zabbix-server-pgsql")
FRONTEND = Path("/usr/share/zabbix")
FRONTEND_CONFIG = Path("/etc/zabbix/zabbix.conf.php")
"""Where Debian's frontend reads its configuration (CConfigFile::CONFIG_FILE_PATH); not movable."""
TEMPLATE_DB = "zabbix_template"
STARTUP_TIMEOUT = 120.0
"""Generous: CI shares 2 cores with other suites; a healthy start takes seconds."""


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise AssertionError(f"PostgreSQL's {name} is not installed: run scripts/setup.sh --zabbix")
    return found[-1]


def _as_user(user: str, argv: Sequence[str]) -> list[str]:
    """``argv`` run as ``user`` when we are root (the daemons refuse root), else as ourselves."""
    return ["runuser", "-u", user, "--", *argv] if os.geteuid() == 0 else list(argv)


def _own(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_low_port() -> int:
    """A free loopback port from 1024 to 32767, the only ones zabbix_server's ListenPort takes."""
    for port in random.sample(range(20000, 32768), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free loopback port from 20000 to 32767")


def wait_for(what: str, check: Any, timeout: float = STARTUP_TIMEOUT, log: Path | None = None) -> Any:
    """Poll ``check()`` until it returns something true; fail naming ``what`` (and the log's tail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")


class Postgres:
    """A throwaway PostgreSQL cluster listening on a unix socket only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.log = root / "postgres.log"
        self.port = free_port()  # names the socket file; nothing listens on TCP
        self.user = "zabbix"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Postgres:
        self.socket_dir.mkdir()
        self.socket_dir.chmod(0o777)
        self.root.chmod(0o755)
        _own(self.root, "postgres")
        _own(self.socket_dir, "postgres")
        subprocess.run(_as_user("postgres", [_pg_bin("initdb"), "-D", str(self.data), "-U", self.user,
                                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True, timeout=STARTUP_TIMEOUT)
        with self.log.open("wb") as log:
            _own(self.log, "postgres")
            self.process = subprocess.Popen(
                _as_user("postgres", [_pg_bin("postgres"), "-D", str(self.data), "-k", str(self.socket_dir),
                                      "-p", str(self.port), "-c", "listen_addresses=", "-c", "fsync=off",
                                      "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]),
                stdout=log, stderr=subprocess.STDOUT)
        wait_for("PostgreSQL", lambda: subprocess.run(
            [_pg_bin("pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port)],
            capture_output=True, check=False).returncode == 0, log=self.log)
        return self

    def psql(self, sql: str, database: str = "postgres", stdin: bytes | None = None) -> str:
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port),
                "-U", self.user, "-d", database]
        argv += ["-c", sql] if sql else []
        done = subprocess.run(argv, input=stdin, capture_output=True, check=False, timeout=STARTUP_TIMEOUT)
        if done.returncode != 0:
            raise AssertionError(f"psql failed: {done.stderr.decode(errors='replace')[-2000:]}")
        return done.stdout.decode()

    def load_template(self) -> None:
        """Zabbix's schema, images and data, as its install guide loads them, into the template database."""
        self.psql(f"CREATE DATABASE {TEMPLATE_DB}")
        for part in ("schema", "images", "data"):
            self.psql("", TEMPLATE_DB, stdin=gzip.decompress((SCHEMA_DIR / f"{part}.sql.gz").read_bytes()))

    def clone(self, name: str) -> str:
        self.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
        return name

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


class ZabbixServer:
    """zabbix_server in the foreground with a configuration of its own; its trapper on loopback."""

    def __init__(self, root: Path, postgres: Postgres, database: str, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.postgres = postgres
        self.database = database
        self.env = env or {}
        self.port = free_low_port()
        self.log = root / "zabbix_server.log"
        self.config = root / "zabbix_server.conf"
        self.alert_scripts = root / "alertscripts"
        self.process: subprocess.Popen[bytes] | None = None

    def own(self, path: Path) -> None:
        """Make ``path`` the server's own (it drops to the zabbix user when started as root)."""
        _own(path, "zabbix")

    def start(self) -> ZabbixServer:
        self.root.chmod(0o755)
        self.alert_scripts.mkdir()
        self.own(self.root)
        settings = {
            "ListenIP": "127.0.0.1", "ListenPort": self.port, "LogFile": self.log, "LogFileSize": 0,
            "PidFile": self.root / "zabbix_server.pid", "SocketDir": self.root, "DebugLevel": 3,
            "DBHost": self.postgres.socket_dir, "DBPort": self.postgres.port, "DBName": self.database,
            "DBUser": self.postgres.user,
            # Hosts, items, triggers and actions made through the API reach the server within a second.
            "CacheUpdateFrequency": 1,
            # Only what the test uses: a trapper, the history syncer, the escalator and one alerter.
            "StartPollers": 1, "StartPollersUnreachable": 1, "StartTrappers": 1, "StartPingers": 0,
            "StartDiscoverers": 0, "StartHTTPPollers": 0, "StartTimers": 1, "StartEscalators": 1,
            "StartAlerters": 1, "StartDBSyncers": 1, "StartPreprocessors": 1, "StartLLDProcessors": 1,
            "StartReportWriters": 0, "StartODBCPollers": 0, "StartHistoryPollers": 1, "HousekeepingFrequency": 0,
            "Timeout": 10, "AlertScriptsPath": self.alert_scripts, "ExternalScripts": self.root,
        }
        self.config.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        with (self.root / "zabbix_server.out").open("wb") as out:
            self.process = subprocess.Popen(["zabbix_server", "-f", "-c", str(self.config)],
                                            stdout=out, stderr=subprocess.STDOUT,
                                            # what a service manager gives it: a bare environment
                                            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **self.env})
        wait_for("zabbix_server's trapper", self._listening, log=self.log)
        return self

    def _listening(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            said = "".join(path.read_text(errors="replace")[-3000:] for path in (self.root / "zabbix_server.out",
                                                                                 self.log) if path.exists())
            raise AssertionError(f"zabbix_server exited with {self.process.returncode}:\n{said}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True
        return False

    def send(self, host: str, key: str, value: str) -> dict[str, Any]:
        """One value by the Zabbix sender protocol (header, little-endian length, JSON); the answer."""
        payload = json.dumps({"request": "sender data", "data": [{"host": host, "key": key, "value": value}]})
        data = payload.encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as conn:
            conn.sendall(b"ZBXD\x01" + struct.pack("<Q", len(data)) + data)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        if not answer.startswith(b"ZBXD\x01"):
            raise AssertionError(f"not a Zabbix answer: {answer[:100]!r}")
        (length,) = struct.unpack("<Q", answer[5:13])
        return dict(json.loads(answer[13:13 + length]))

    def stop(self) -> None:
        _stop(self.process)


class ZabbixAPI:
    """The frontend's JSON-RPC API (Zabbix 6.0: ``user.login`` takes ``username``, ``auth`` in the body)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.auth: str | None = None
        self.session = requests.Session()
        self.calls = 0

    def call(self, method: str, params: Any) -> Any:
        self.calls += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.calls}
        if self.auth is not None and method not in ("user.login", "apiinfo.version"):
            body["auth"] = self.auth
        answer = self.session.post(self.url, json=body, timeout=60,
                                   headers={"Content-Type": "application/json-rpc"})
        answer.raise_for_status()
        data = answer.json()
        if "error" in data:
            raise AssertionError(f"{method} failed: {data['error']}")
        return data["result"]

    def login(self, username: str = "Admin", password: str = "zabbix") -> None:
        self.auth = self.call("user.login", {"username": username, "password": password})


class Frontend:
    """PHP's built-in web server over Debian's frontend, configured for the temporary database."""

    def __init__(self, root: Path, postgres: Postgres, database: str, server: ZabbixServer) -> None:
        self.root = root
        self.postgres = postgres
        self.database = database
        self.server = server
        self.port = free_port()
        self.log = root / "php.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.saved: bytes | None = None

    def start(self) -> ZabbixAPI:
        if FRONTEND_CONFIG.exists():
            self.saved = FRONTEND_CONFIG.read_bytes()
        FRONTEND_CONFIG.write_text(
            "<?php\n"
            "$DB['TYPE'] = 'POSTGRESQL';\n"
            f"$DB['SERVER'] = '{self.postgres.socket_dir}';\n"
            f"$DB['PORT'] = '{self.postgres.port}';\n"
            f"$DB['DATABASE'] = '{self.database}';\n"
            f"$DB['USER'] = '{self.postgres.user}';\n"
            "$DB['PASSWORD'] = '';\n$DB['SCHEMA'] = '';\n$DB['ENCRYPTION'] = false;\n"
            "$DB['KEY_FILE'] = '';\n$DB['CERT_FILE'] = '';\n$DB['CA_FILE'] = '';\n$DB['VERIFY_HOST'] = false;\n"
            "$DB['CIPHER_LIST'] = '';\n$DB['VAULT_URL'] = '';\n$DB['VAULT_DB_PATH'] = '';\n"
            "$DB['VAULT_TOKEN'] = '';\n$DB['DOUBLE_IEEE754'] = true;\n"
            f"$ZBX_SERVER = '127.0.0.1';\n$ZBX_SERVER_PORT = '{self.server.port}';\n"
            "$ZBX_SERVER_NAME = 'gosms-test';\n$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;\n")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["php", "-d", "memory_limit=512M", "-d", "post_max_size=16M", "-d", "max_execution_time=300",
                 "-S", f"127.0.0.1:{self.port}", "-t", str(FRONTEND)],
                stdout=log, stderr=subprocess.STDOUT, cwd=FRONTEND)
        api = ZabbixAPI(f"http://127.0.0.1:{self.port}/api_jsonrpc.php")
        wait_for("the Zabbix API", lambda: self._answers(api), log=self.log)
        return api

    def _answers(self, api: ZabbixAPI) -> bool:
        try:
            return bool(api.call("apiinfo.version", {}))
        except (requests.RequestException, ValueError):
            return False

    def stop(self) -> None:
        _stop(self.process)
        if self.saved is not None:
            FRONTEND_CONFIG.write_bytes(self.saved)
        else:
            FRONTEND_CONFIG.unlink(missing_ok=True)


@contextlib.contextmanager
def temp_root(prefix: str) -> Iterator[Path]:
    """A short folder under /tmp that other users can enter (pytest's tmp_path is private to us, and
    unix socket paths must stay under about 100 characters)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
