"""One version everywhere: the source, every manifest, the changelogs and every ``--version``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, VENV, VERSION, run, version


def test_every_manifest_carries_the_source_version() -> None:
    assert version.mismatches(ROOT) == []


def test_a_manifest_that_disagrees_is_named(tmp_path: Path) -> None:
    for rel in (version.SOURCE, version.GALAXY, version.MANIFEST, version.CHANGELOG, version.COLLECTION_CHANGES):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    version.set_version("9.8.7", tmp_path)
    found = version.mismatches(tmp_path)
    # set writes the source and the manifests; the changelogs are prose and now lag behind.
    assert [line.split(":")[0] for line in found] == [str(version.CHANGELOG), str(version.COLLECTION_CHANGES)]
    galaxy = (tmp_path / version.GALAXY).read_text(encoding="utf-8")
    (tmp_path / version.GALAXY).write_text(galaxy.replace("version: 9.8.7", "version: 9.8.6"), encoding="utf-8")
    expected = f"{version.GALAXY}: version is 9.8.6, not 9.8.7"
    assert any(line.startswith(expected) for line in version.mismatches(tmp_path))


def test_check_command_exit_status() -> None:
    result = run(VENV / "bin" / "python", ROOT / "scripts" / "version.py", "check")
    assert result.returncode == 0, result.stderr
    assert VERSION in result.stdout


@pytest.mark.parametrize("command", ["gosms", "check_gosms", "gosms-emulator"])
def test_every_command_says_the_version(command: str) -> None:
    result = run(VENV / "bin" / command, "--version")
    assert VERSION in result.stdout + result.stderr, (result.stdout, result.stderr)


def test_the_pypi_name_gosms_is_never_suggested() -> None:
    """``gosms`` on PyPI is an unrelated client: every install hint names the distribution ``gosms-ops``."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    wrong = re.compile(r"""pip3? install +(?:-\S+ +)*['"]?gosms(?![-_\w])""")
    assert wrong.search("pip install gosms") and wrong.search("pip install 'gosms[async]'")
    assert not wrong.search("pip install gosms-ops") and not wrong.search("pip install 'gosms-ops[nagios]'")
    offenders = []
    for name in files:
        path = ROOT / name
        # This file holds the wrong spellings on purpose, to show the pattern finds them.
        if path.suffix in {".lock", ".zip", ".png"} or not path.is_file() or path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}: {m.group(0)}" for m in wrong.finditer(text)]
    assert offenders == []
