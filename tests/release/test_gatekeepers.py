"""What each ecosystem's own gatekeeper says about the artifacts, run as its registry would run it.

PyPI: ``twine check --strict`` (the long description renders), ``check-wheel-contents`` (the wheel's
layout), ``validate-pyproject`` (the sdist's pyproject.toml against the packaging schemas).
Ansible Galaxy: ``galaxy-importer`` on the tarball, and ``ansible-lint --profile production`` on the
collection as ``ansible-galaxy`` installs it (``build_ignore`` decides what a user gets, so linting
the checkout is not enough). The gatekeepers come from their own venv (requirements/release.in).
Every artifact also carries the project's LICENSE: the MIT terms ask for it in every copy.
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Callable
from email.parser import HeaderParser
from pathlib import Path

import pytest

from .conftest import ROOT, VERSION, run

HERE = Path(__file__).resolve().parent
WHEEL = f"gosms_ops-{VERSION}-py3-none-any.whl"
SDIST = f"gosms_ops-{VERSION}.tar.gz"
COLLECTION = f"gosms-sms-{VERSION}.tar.gz"


def _said(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}\n{getattr(result, 'stderr', '')}"[-6000:]


def test_twine_check_strict(dist: Path) -> None:
    result = run(ROOT / ".venv" / "bin" / "twine", "check", "--strict", dist / WHEEL, dist / SDIST)
    assert result.returncode == 0, _said(result)
    assert result.stdout.count("PASSED") == 2, _said(result)


def test_check_wheel_contents(dist: Path, gatekeepers: Path) -> None:
    # The project's [tool.check-wheel-contents] names the two top-level packages it ships on purpose.
    result = run(gatekeepers / "check-wheel-contents", "--config", ROOT / "pyproject.toml", dist / WHEEL)
    assert result.returncode == 0, _said(result)
    assert "OK" in result.stdout and "W0" not in result.stdout, _said(result)


def test_validate_pyproject_of_the_sdist(dist: Path, gatekeepers: Path, tmp_path: Path) -> None:
    with tarfile.open(dist / SDIST) as archive:
        archive.extract(f"gosms_ops-{VERSION}/pyproject.toml", tmp_path, filter="data")
    result = run(gatekeepers / "validate-pyproject", tmp_path / f"gosms_ops-{VERSION}" / "pyproject.toml")
    assert result.returncode == 0, _said(result)
    assert "Valid file" in result.stdout, _said(result)


def test_the_long_description_links_work_off_the_repository(dist: Path) -> None:
    """PyPI shows the README with no repository around it: a relative link would lead nowhere."""
    with zipfile.ZipFile(dist / WHEEL) as archive:
        metadata = archive.read(f"gosms_ops-{VERSION}.dist-info/METADATA").decode()
    headers = HeaderParser().parsestr(metadata)
    description = metadata.split("\n\n", 1)[1]
    targets = re.findall(r"\]\(([^)\s]+)\)", description)
    assert targets, "no links found: the parser no longer reads the README"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "mailto:", "#"))]
    assert relative == []
    assert "@" in (headers["Author-email"] or ""), headers["Author-email"]
    assert "Framework :: Pytest" in headers.get_all("Classifier", [])


@pytest.fixture(scope="module")
def installed_collection(dist: Path, gatekeepers: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection as a user gets it: ``ansible-galaxy collection install`` of the tarball."""
    target = tmp_path_factory.mktemp("installed") / "collections"
    result = run(gatekeepers / "ansible-galaxy", "collection", "install", "--offline", "-p", target,
                 dist / COLLECTION)
    assert result.returncode == 0, _said(result)
    return target / "ansible_collections" / "gosms" / "sms"


def test_ansible_lint_production_on_the_installed_collection(installed_collection: Path, gatekeepers: Path,
                                                             clean_env: dict[str, str]) -> None:
    env = {**clean_env, "PATH": f"{gatekeepers}:{clean_env['PATH']}",
           "ANSIBLE_COLLECTIONS_PATH": str(installed_collection.parents[2])}
    result = run(gatekeepers / "ansible-lint", "--profile", "production", "--offline", "--nocolor",
                 cwd=installed_collection, env=env)
    assert result.returncode == 0, _said(result)
    assert "Profile 'production' was required, and it passed" in result.stderr, _said(result)


def test_galaxy_importer_accepts_the_tarball(dist: Path, gatekeepers: Path, tmp_path: Path,
                                             clean_env: dict[str, str]) -> None:
    # galaxy-importer.cfg: ansible-lint offline, no ansible-test (that needs containers; the
    # ansible-sanity stage runs it).
    env = {**clean_env, "PATH": f"{gatekeepers}:{clean_env['PATH']}",
           "GALAXY_IMPORTER_CONFIG": str(HERE / "galaxy-importer.cfg")}
    result = run(gatekeepers / "python", "-m", "galaxy_importer.main", dist / COLLECTION, cwd=tmp_path, env=env)
    said = _said(result)
    assert result.returncode == 0, said
    assert "Importer processing completed successfully" in said, said
    assert "ERROR" not in said, said
    # The only warnings Galaxy may show are about the sanity ignore files (MIT modules, no GPLv3 header).
    warnings = [line for line in said.splitlines() if line.startswith("WARNING")]
    assert [w for w in warnings if "Ignore files skip ansible-test sanity tests" not in w] == [], said


def _license_of_wheel(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"gosms_ops-{VERSION}.dist-info/licenses/LICENSE")


def _license_of_sdist(path: Path) -> bytes:
    with tarfile.open(path) as archive:
        member = archive.extractfile(f"gosms_ops-{VERSION}/LICENSE")
        assert member is not None
        return member.read()


def _license_of_collection(path: Path) -> bytes:
    with tarfile.open(path) as archive:
        member = archive.extractfile("LICENSE")
        assert member is not None
        return member.read()


def _license_at_zip_root(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("LICENSE")


@pytest.mark.parametrize(
    ("artifact", "read"),
    [
        (WHEEL, _license_of_wheel),
        (SDIST, _license_of_sdist),
        (COLLECTION, _license_of_collection),
        ("gosms.zip", _license_at_zip_root),
        ("check_gosms.pyz", _license_at_zip_root),
        ("notify_gosms.pyz", _license_at_zip_root),
        ("gosms.pyz", _license_at_zip_root),
    ],
)
def test_every_artifact_carries_the_license(dist: Path, artifact: str, read: Callable[[Path], bytes]) -> None:
    assert read(dist / artifact) == (ROOT / "LICENSE").read_bytes()
