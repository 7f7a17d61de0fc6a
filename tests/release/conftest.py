"""Fixtures: the artifacts of scripts/dist.sh, and fresh places to install them.

The test command builds the artifacts once (``GOSMS_DIST`` names the folder); run alone, the session
builds them itself. Every install goes into a new folder under pytest's tmp_path: a fresh virtual
environment, an empty collections path, an empty Home Assistant config folder. Nothing is installed
from the checkout, so a file missing from an artifact fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import version  # noqa: E402  (scripts/version.py, standard library only)

VERSION = version.read_version(ROOT)
VENV = Path(sys.executable).parent.parent
"""The virtual environment running these tests: its tools (uv is not in it; see ``uv``)."""


def run(*argv: str | os.PathLike[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command, text in and out; the caller asserts on the result."""
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload,no-any-return]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding every artifact of this version."""
    given = os.environ.get("GOSMS_DIST")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    result = run("bash", ROOT / "scripts" / "dist.sh", env={**os.environ, "GOSMS_DIST": str(out)})
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def uv() -> str:
    """The pinned uv that scripts/setup.sh installed (its path comes from scripts/_common.sh)."""
    result = run("bash", "-c", f'. "{ROOT}/scripts/_common.sh"; ensure_uv >&2; echo "$UV"')
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="session")
def gatekeepers() -> Path:
    """The bin folder of the venv holding the ecosystems' own release checks (requirements/release.in)."""
    result = run("bash", "-c", f'. "{ROOT}/scripts/_common.sh"; echo "$VENV_RELEASE"')
    where = Path(result.stdout.strip()) / "bin"
    assert (where / "python").is_file(), f"{where}: run scripts/setup.sh"
    return where


@pytest.fixture(scope="session")
def py313() -> str:
    result = run("bash", "-c", f'. "{ROOT}/scripts/_common.sh"; echo "$PY313"')
    return result.stdout.strip()


@pytest.fixture
def clean_env() -> Iterator[dict[str, str]]:
    """The environment without this checkout's virtual environment or Python paths."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "GOSMS_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(VENV)))
    yield env
