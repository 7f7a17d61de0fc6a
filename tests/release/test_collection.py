"""The collection tarball by itself: installed by ansible-galaxy into an empty path, documented."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import ansible.release

from .conftest import VENV, VERSION, run


def test_tarball_contents(dist: Path) -> None:
    with tarfile.open(dist / f"gosms-sms-{VERSION}.tar.gz") as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert manifest["collection_info"]["version"] == VERSION
    assert "plugins/modules/send.py" in names
    unwanted = [n for n in names if n.startswith("tests/output") or "__pycache__" in n or n.endswith("ruff.toml")]
    assert unwanted == []


def test_installs_into_an_empty_path_and_documents_itself(dist: Path, tmp_path: Path,
                                                          clean_env: dict[str, str]) -> None:
    target = tmp_path / "collections"
    result = run(VENV / "bin" / "ansible-galaxy", "collection", "install", "--offline", "-p", target,
                 dist / f"gosms-sms-{VERSION}.tar.gz", env=clean_env)
    assert result.returncode == 0, result.stderr
    env = {**clean_env, "ANSIBLE_COLLECTIONS_PATH": str(target)}
    listed = run(VENV / "bin" / "ansible-galaxy", "collection", "list", "gosms.sms", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    found = {path: cols["gosms.sms"]["version"] for path, cols in json.loads(listed.stdout).items()}
    assert found == {str(target / "ansible_collections"): VERSION}
    doc = run(VENV / "bin" / "ansible-doc", "--json", "gosms.sms.send", env=env, cwd=tmp_path)
    assert doc.returncode == 0, doc.stderr
    assert json.loads(doc.stdout)["gosms.sms.send"]["doc"]["module"] == "send"


def test_a_sanity_ignore_file_for_every_ansible_core_it_declares(dist: Path) -> None:
    """ansible-test reads only tests/sanity/ignore-X.Y.txt of its own X.Y: each line that 2.21 needs
    must be there for every ansible-core from requires_ansible on, or that version's sanity fails.
    (Run on 2.15 to 2.21 with ansible-test sanity --venv: the same five validate-modules lines, MIT
    modules without a GPLv3 header, and nothing else.)"""
    with tarfile.open(dist / f"gosms-sms-{VERSION}.tar.gz") as archive:
        runtime = archive.extractfile("meta/runtime.yml")
        assert runtime is not None
        oldest = re.search(r'requires_ansible: ">=2\.(\d+)\.\d+"', runtime.read().decode())
        assert oldest, "meta/runtime.yml: no requires_ansible >=2.N.M"
        newest = int(ansible.release.__version__.split(".")[1])
        ignores = {}
        for minor in range(int(oldest.group(1)), newest + 1):
            member = archive.extractfile(f"tests/sanity/ignore-2.{minor}.txt")
            assert member is not None
            ignores[minor] = member.read().decode()
    assert len(set(ignores.values())) == 1, "the ignore files disagree"
    lines = ignores[newest].splitlines()
    assert lines and all(" # " in line for line in lines), "every ignore says why"
