"""The single files by themselves: the distribution's Python runs them with only its own packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import VERSION, run

SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.parametrize("name", ["check_gosms", "notify_gosms", "gosms"])
def test_runs_on_the_system_python(dist: Path, name: str, clean_env: dict[str, str]) -> None:
    single = dist / f"{name}.pyz"
    assert single.read_bytes().startswith(b"#!/usr/bin/python3\n")
    # -I: no user site-packages, no PYTHON* variables: only what the distribution installed.
    result = run(SYSTEM_PYTHON, "-I", single, "--version", env=clean_env, cwd="/")
    assert VERSION in result.stdout + result.stderr, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
