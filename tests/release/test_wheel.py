"""The wheel in a fresh virtual environment: its commands run with nothing from the checkout."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, VERSION, run

TOKEN = "release-test-token"


@pytest.fixture(scope="module")
def venv(dist: Path, uv: str, py313: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding only the wheel and what it depends on."""
    where = tmp_path_factory.mktemp("wheel-venv") / "venv"
    assert run(uv, "venv", "--quiet", "--python", py313, where).returncode == 0
    wheel = dist / f"gosms_ops-{VERSION}-py3-none-any.whl"
    assert wheel.is_file(), sorted(p.name for p in dist.iterdir())
    # The lock only pins versions (-c): what gets installed is what the wheel's metadata asks for.
    result = run(uv, "pip", "install", "--quiet", "--python", where / "bin" / "python",
                 "-c", ROOT / "requirements" / "dev.lock", f"{wheel}[async,nagios]")
    assert result.returncode == 0, result.stderr
    return where


@pytest.fixture(scope="module")
def bare_venv(dist: Path, uv: str, py313: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the wheel without its extras: ``pip install gosms-ops``."""
    where = tmp_path_factory.mktemp("bare-venv") / "venv"
    assert run(uv, "venv", "--quiet", "--python", py313, where).returncode == 0
    result = run(uv, "pip", "install", "--quiet", "--python", where / "bin" / "python",
                 "-c", ROOT / "requirements" / "dev.lock", dist / f"gosms_ops-{VERSION}-py3-none-any.whl")
    assert result.returncode == 0, result.stderr
    return where


@pytest.fixture
def emulator_url(venv: Path, clean_env: dict[str, str]) -> Iterator[str]:
    """The wheel's own ``gosms-emulator``, started from the fresh environment."""
    proc = subprocess.Popen([str(venv / "bin" / "gosms-emulator"), "--token", TOKEN], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=clean_env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_wheel_imports_from_its_own_place(venv: Path, clean_env: dict[str, str]) -> None:
    result = run(venv / "bin" / "python", "-c", "import gosms, gosms_nagios; print(gosms.__file__, gosms.__version__)",
                 env=clean_env, cwd="/")
    assert result.returncode == 0, result.stderr
    where, seen = result.stdout.split()
    assert where.startswith(str(venv)) and seen == VERSION


def test_errors_command(venv: Path, clean_env: dict[str, str]) -> None:
    result = run(venv / "bin" / "gosms", "errors", "--json", env=clean_env, cwd="/")
    assert result.returncode == 0, result.stderr
    codes = {row["code"] for row in json.loads(result.stdout)["errors"]}
    assert {1002, 1003, 2001, 3000} <= codes


def test_send_and_check_against_the_wheels_emulator(venv: Path, emulator_url: str, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "GOSMS_API_URL": emulator_url, "GOSMS_TOKEN": TOKEN}
    sent = run(venv / "bin" / "gosms", "send", "--to", "79991234567", "--message", "release check", env=env, cwd="/")
    assert sent.returncode == 0, sent.stderr
    check = run(venv / "bin" / "check_gosms", env=env, cwd="/")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("GOSMS OK"), check.stdout
    assert TOKEN not in sent.stdout + sent.stderr + check.stdout + check.stderr


def test_check_without_the_nagios_extra_says_what_to_install(bare_venv: Path, clean_env: dict[str, str]) -> None:
    """Installed without ``[nagios]``, check_gosms still answers as a plugin does: UNKNOWN, exit 3."""
    probe = run(bare_venv / "bin" / "python", "-c", "import nagiosplugin", env=clean_env, cwd="/")
    assert probe.returncode == 1 and "No module named 'nagiosplugin'" in probe.stderr, probe.stderr
    result = run(bare_venv / "bin" / "check_gosms", env=clean_env, cwd="/")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert result.stdout.startswith("GOSMS UNKNOWN - check_gosms cannot run under "), result.stdout
    assert "'gosms-ops[nagios]'" in result.stdout and "python3-nagiosplugin" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
