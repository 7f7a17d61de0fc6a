"""Fixtures of the check_gosms tests: an emulated account with the test token, and the ways to run the check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nagios_support import RUNNERS, SECRET, VENV39_PYTHON, Checker, build_single_files, staged_nagiosplugin

from gosms.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh account whose only token is SECRET, with one active, charging, online phone."""
    with Emulator(tokens=[SECRET]) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def py39_path(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if not VENV39_PYTHON.exists():
        return None
    return staged_nagiosplugin(tmp_path_factory.mktemp("py39-nagiosplugin"))


@pytest.fixture(scope="session")
def single_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """check_gosms.pyz, notify_gosms.pyz and gosms.pyz, built once per test run."""
    return build_single_files(tmp_path_factory.mktemp("single-files"))


@pytest.fixture(params=RUNNERS)
def check(request: pytest.FixtureRequest, tmp_path: Path, py39_path: Path | None) -> Checker:
    """check_gosms run as a subprocess, once per way of installing it."""
    if request.param == "py39" and not VENV39_PYTHON.exists():
        pytest.skip(".venv39 does not exist (scripts/setup.sh creates it)")
    home = tmp_path / "home"
    home.mkdir()
    built = request.getfixturevalue("single_files") if request.param == "pyz" else None
    return Checker(request.param, home, py39_path, built)


@pytest.fixture
def console(tmp_path: Path) -> Checker:
    """Only the installed console script, for tests about behaviour rather than installation."""
    home = tmp_path / "home1"
    home.mkdir()
    return Checker("console", home)
