"""The sdist by itself: it builds a wheel, and the core's tests it carries pass against that wheel."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from .conftest import ROOT, VERSION, run


# It builds, installs and runs the whole core suite: minutes of its own, more on a shared machine.
@pytest.mark.timeout(1200)
def test_sdist_builds_and_its_tests_pass(dist: Path, uv: str, py313: str, tmp_path: Path,
                                         clean_env: dict[str, str]) -> None:
    sdist = dist / f"gosms_ops-{VERSION}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path, filter="data")
    top = tmp_path / f"gosms_ops-{VERSION}"
    assert f"gosms_ops-{VERSION}/tests/core/conftest.py" in names
    assert f"gosms_ops-{VERSION}/tests/support/outbox_runner.py" in names  # the core tests import it
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    built = tmp_path / "built"
    result = run(uv, "build", "--quiet", "--wheel", "--python", py313, "--out-dir", built, top, env=clean_env)
    assert result.returncode == 0, result.stderr
    (wheel,) = built.glob("*.whl")

    venv = tmp_path / "venv"
    assert run(uv, "venv", "--quiet", "--python", py313, venv).returncode == 0
    # What the tests need comes from the sdist's own declaration (its "test" dependency group), not
    # from a list kept here: a packager has only the sdist to go by.
    result = run(uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", "-c",
                 ROOT / "requirements" / "dev.lock", f"{wheel}[async,nagios]", "--group", "test",
                 cwd=top, env=clean_env)
    assert result.returncode == 0, result.stderr
    # Run from the unpacked sdist: its pyproject carries the pytest settings; gosms comes from the
    # wheel (the sdist keeps it under src/, which is not on sys.path).
    tests = run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=300",
                "-n", "4", "tests/core", cwd=top, env=clean_env)
    tail = tests.stdout[-2000:]
    assert tests.returncode == 0, tail
    assert " passed" in tail and " failed" not in tail
    probe = run(venv / "bin" / "python", "-c", "import gosms; print(gosms.__file__)", cwd=top, env=clean_env)
    assert probe.stdout.startswith(str(venv)), probe.stdout
