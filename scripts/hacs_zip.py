#!/usr/bin/env python3
"""Pack custom_components/gosms as the zip a HACS release serves.

HACS (``zip_release`` in hacs.json) unpacks the release asset named by ``filename`` straight into
``<config>/custom_components/gosms/``, so the integration's files sit at the zip's root.  Only what
Home Assistant loads goes in (no caches, no lint configuration, no tests), and the project's LICENSE,
which the MIT terms ask to travel with every copy.  Entries are sorted and
dated 1980-01-01, so the same tree always gives the same bytes (reproducible releases).

    scripts/hacs_zip.py OUT.zip
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "custom_components" / "gosms"
LICENSE = ROOT / "LICENSE"
SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
SKIP_NAMES = {"ruff.toml", ".gitignore"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


def members(component: Path = COMPONENT) -> list[Path]:
    """The files of the integration that belong in a user's config folder, sorted."""
    return sorted(
        path for path in component.rglob("*")
        if path.is_file()
        and not SKIP_DIRS.intersection(path.relative_to(component).parts)
        and path.name not in SKIP_NAMES
        and path.suffix not in SKIP_SUFFIXES
    )


def build(out: Path, component: Path = COMPONENT) -> list[str]:
    """Write the zip; the member names, for the caller to show."""
    files = {path.relative_to(component).as_posix(): path for path in members(component)}
    files["LICENSE"] = LICENSE
    names = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            names.append(name)
    return names


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    out = Path(argv[0])
    if out.name != hacs.get("filename"):
        print(f"hacs.json names the release asset {hacs.get('filename')!r}, not {out.name!r}", file=sys.stderr)
        return 1
    names = build(out)
    print(f"{out}: {len(names)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
