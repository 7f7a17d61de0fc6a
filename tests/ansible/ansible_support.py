"""Run real ``ansible-playbook`` against the GoSMS emulator over loopback HTTP (fixtures in conftest.py).

Each test writes a playbook, runs ansible-playbook from this venv in a subprocess (local
connection, this interpreter as ``ansible_python_interpreter``, the token only in the environment
as ``GOSMS_TOKEN``) and checks what reached the emulator and what the modules returned.

Run with the Home Assistant and socket plugins off (they block loopback sockets):
``python -m pytest -p no:homeassistant -p no:socket tests/ansible``.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gosms.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RECORDER = Path(__file__).resolve().parent / "callback_plugins"
RUN_TIMEOUT = 300


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def task(self, name: str) -> dict[str, Any]:
        """The (last) result of the task called ``name``."""
        found = [r for r in self.results if r["task"] == name]
        assert found, f"no result for task {name!r}; tasks run: {[r['task'] for r in self.results]}\n{self.output}"
        return found[-1]


@pytest.fixture
def emulator():
    """An emulator whose token is long and random, so a leak of it cannot go unnoticed."""
    with Emulator(tokens=["gosms-ansible-" + secrets.token_hex(16)]) as emu:
        yield emu


def ansible_env(tmp_path: Path, emulator: Emulator | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "GOSMS_"))}
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n", encoding="utf-8")
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_CALLBACK_PLUGINS=str(RECORDER),
        ANSIBLE_CALLBACKS_ENABLED="record_results",
        GOSMS_TEST_RESULTS=str(tmp_path / "results.json"),
        # The account's rate budget lives here: each test starts with its own.
        GOSMS_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    if emulator is not None:
        env.update(GOSMS_TOKEN=emulator.token, GOSMS_API_URL=emulator.url)
    return env


@pytest.fixture
def ansible(tmp_path: Path, emulator: Emulator):
    """``ansible(playbook_yaml, *args, env=..., name=...) -> Run`` for a play against localhost."""
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
                         encoding="utf-8")

    def run(playbook: str | Path, *args: str, env: dict[str, str] | None = None, name: str = "playbook.yml",
            callbacks: tuple[str, ...] = (), hosts: Path = inventory) -> Run:
        if isinstance(playbook, Path):
            path = playbook
        else:
            path = tmp_path / name
            path.write_text(textwrap.dedent(playbook), encoding="utf-8")
        environment = ansible_env(tmp_path, emulator)
        environment["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(("record_results", *callbacks))
        environment.update(env or {})
        results_file = Path(environment["GOSMS_TEST_RESULTS"])
        results_file.unlink(missing_ok=True)
        done = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(hosts), str(path), *args],
                              cwd=tmp_path, env=environment, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False)
        results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else []
        return Run(done.returncode, done.stdout, done.stderr, results)

    return run


COLLECTION = REPO / "ansible_collections" / "gosms" / "sms"


def run_tool(*cmd: str, env: dict[str, str], cwd: Path) -> str:
    """Run one of this venv's Ansible commands; its output, or a failed assertion with all of it."""
    done = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@dataclass
class Installed:
    tarball: Path
    path: Path
    """A collections path holding nothing but the installed tarball."""


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The collection as users get it: a plain ``ansible-galaxy collection build`` in its folder,
    installed with ``ansible-galaxy collection install`` into an empty path."""
    work = tmp_path_factory.mktemp("galaxy")
    env = ansible_env(work, None)
    dist, installed = work / "dist", work / "collections"
    run_tool("ansible-galaxy", "collection", "build", "--output-path", str(dist), env=env, cwd=COLLECTION)
    (tarball,) = dist.glob("gosms-sms-*.tar.gz")
    # Only the clean path is configured: the checkout's copy must not count as installed already.
    env["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    run_tool("ansible-galaxy", "collection", "install", str(tarball), "-p", str(installed), env=env, cwd=work)
    return Installed(tarball, installed)


BARE_PYTHON = os.environ.get("GOSMS_BARE_PYTHON_BASE") or str(
    Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions" / "3.9.18" / "bin" / "python3.9")
"""The oldest Python the collection supports on a managed host; a venv of it has only the stdlib."""


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A managed host's Python as it usually is: no gosms-ops, no requests, not even pip."""
    venv = tmp_path_factory.mktemp("bare-host") / "venv"
    subprocess.run([BARE_PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=RUN_TIMEOUT)
    python = venv / "bin" / "python"
    for library in ("gosms", "requests"):
        probe = subprocess.run([str(python), "-c", f"import {library}"], capture_output=True, text=True,
                               timeout=RUN_TIMEOUT, check=False)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, f"{library} importable in {python}"
    return python
