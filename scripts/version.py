#!/usr/bin/env python3
"""One version for every artifact: read it, check that every manifest carries it, or set it.

``gosms.__version__`` in ``src/gosms/__init__.py`` is the one place the version is written by hand.
The wheel reads it through ``[tool.setuptools.dynamic]``; the other ecosystems cannot import Python,
so their manifests hold a copy that this script writes and checks:

- ``ansible_collections/gosms/sms/galaxy.yml``: ``version:``
- ``custom_components/gosms/manifest.json``: ``version`` and the pinned ``gosms-ops[async]==`` requirement
  (Home Assistant installs exactly the core the integration was released with)
- ``CHANGELOG.md``: a ``## <version>`` heading
- the collection's ``changelogs/changelog.yaml``: a release entry (antsibull-changelog)

    scripts/version.py            print the version
    scripts/version.py check      exit 1 and list every file that disagrees
    scripts/version.py set 0.2.0  write the version everywhere (the changelogs are written by hand)

Standard library only: it runs before any virtual environment exists (scripts/dist.sh, CI).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("src/gosms/__init__.py")
GALAXY = Path("ansible_collections/gosms/sms/galaxy.yml")
MANIFEST = Path("custom_components/gosms/manifest.json")
CHANGELOG = Path("CHANGELOG.md")
COLLECTION_CHANGES = Path("ansible_collections/gosms/sms/changelogs/changelog.yaml")
DISTRIBUTION = "gosms-ops"
HA_EXTRA = "async"

_SOURCE_RE = re.compile(r'^__version__ = "([^"]+)"$', re.M)
_GALAXY_RE = re.compile(r"^version: *(\S+) *$", re.M)
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def read_version(root: Path = ROOT) -> str:
    """The version as written in the core's ``__init__``; the single source."""
    match = _SOURCE_RE.search((root / SOURCE).read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{SOURCE}: no __version__ = \"X.Y.Z\" line")
    return match.group(1)


def requirement(version: str) -> str:
    """The core as the Home Assistant manifest pins it."""
    return f"{DISTRIBUTION}[{HA_EXTRA}]=={version}"


def mismatches(root: Path = ROOT) -> list[str]:
    """One sentence per file that does not carry the source's version; empty when all agree."""
    version = read_version(root)
    found: list[str] = []
    if not _VERSION_RE.match(version):
        found.append(f"{SOURCE}: {version!r} is not MAJOR.MINOR.PATCH (Galaxy and HACS need that form)")
    galaxy = _GALAXY_RE.search((root / GALAXY).read_text(encoding="utf-8"))
    if galaxy is None or galaxy.group(1) != version:
        found.append(f"{GALAXY}: version is {galaxy.group(1) if galaxy else 'missing'}, not {version}")
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("version") != version:
        found.append(f"{MANIFEST}: version is {manifest.get('version')}, not {version}")
    pinned = [r for r in manifest.get("requirements", []) if r.startswith(DISTRIBUTION)]
    if pinned != [requirement(version)]:
        found.append(f"{MANIFEST}: requirements pin {pinned}, not ['{requirement(version)}']")
    if f"\n## {version}" not in "\n" + (root / CHANGELOG).read_text(encoding="utf-8"):
        found.append(f"{CHANGELOG}: no '## {version}' section")
    changes = (root / COLLECTION_CHANGES).read_text(encoding="utf-8")
    if not re.search(rf"^  {re.escape(version)}:$", changes, re.M):
        found.append(f"{COLLECTION_CHANGES}: no release {version} (run antsibull-changelog release)")
    return found


def set_version(version: str, root: Path = ROOT) -> None:
    """Write ``version`` into the source and the manifests (not the changelogs: those are prose)."""
    if not _VERSION_RE.match(version):
        raise SystemExit(f"{version!r} is not MAJOR.MINOR.PATCH")
    source = root / SOURCE
    source.write_text(_SOURCE_RE.sub(f'__version__ = "{version}"', source.read_text(encoding="utf-8")),
                      encoding="utf-8")
    galaxy = root / GALAXY
    galaxy.write_text(_GALAXY_RE.sub(f"version: {version}", galaxy.read_text(encoding="utf-8")), encoding="utf-8")
    path = root / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["version"] = version
    manifest["requirements"] = [
        requirement(version) if r.startswith(DISTRIBUTION) else r for r in manifest.get("requirements", [])
    ]
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if not argv:
        print(read_version())
        return 0
    if argv == ["check"]:
        found = mismatches()
        for line in found:
            print(f"version mismatch: {line}", file=sys.stderr)
        if not found:
            print(f"every artifact says {read_version()}")
        return 1 if found else 0
    if len(argv) == 2 and argv[0] == "set":
        set_version(argv[1])
        print(f"version set to {argv[1]}; now write its CHANGELOG.md section and the collection's release")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
