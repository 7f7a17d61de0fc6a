#!/usr/bin/env python3
"""Build the single-file programs for monitoring hosts: check_gosms, notify_gosms and gosms as zipapps.

Monitoring hosts run plugins with the system Python and the distribution's packages, and many
forbid pip there (PEP 668).  Each file bundles the gosms core and the gosms_nagios adapter, built
from this checkout, and nothing else.  They speak HTTP through the standard library
(:mod:`gosms.transports.stdlib`), so ``notify_gosms`` and ``gosms`` need nothing but Python 3.9+, and
``check_gosms`` only ``nagiosplugin`` from the distribution (Debian 12: ``python3-nagiosplugin``).
The first line is ``#!/usr/bin/python3``.

    scripts/build_single_files.py [--out DIR] [--python /usr/bin/python3]

``--python`` (default: /usr/bin/python3 when it exists) also compiles the bundled modules to that
interpreter's bytecode, so a check does not compile them on every run; another Python ignores that
bytecode and reads the sources, which are bundled as well.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERPRETER = "/usr/bin/python3"
CORE_LEFT_OUT = ("emulator", "aio.py", "requests_session.py", "py.typed")
"""The emulator (tests and demos), the asyncio client (aiohttp), the requests transport (the
programs use the standard library's) and typing markers are not needed."""

INSTALL_HINT = (
    "Install the distribution's packages (Debian/Ubuntu: apt install {packages}), or run it with a "
    "Python that has them."
)

# name: (entry point, distribution packages it needs, how it reports a missing one)
PROGRAMS = {
    "check_gosms": ("gosms_nagios.check.plugin:main", ("nagiosplugin",), "plugin"),
    "notify_gosms": ("gosms_nagios.launch:notify", (), "command"),
    "gosms": ("gosms.cli.launch:main", (), "command"),
}

MAIN_TEMPLATE = '''\
# {name}: built by scripts/build_single_files.py from gosms-ops {version}; run with Python 3.9 or newer.
# It bundles the gosms core and gosms_nagios; {modules}.
import sys

NAME = {name!r}
PLUGIN = {plugin!r}


def _stop(message):
    if PLUGIN:  # a Nagios/Icinga plugin reports on stdout with the UNKNOWN state
        sys.stdout.write("GOSMS UNKNOWN - %s\\n" % message)
        sys.stdout.flush()
    else:
        sys.stderr.write("%s: %s\\n" % (NAME, message))
    sys.exit(3)


if sys.version_info < (3, 9):
    _stop("%s needs Python 3.9 or newer, %s is %d.%d." % (NAME, sys.executable, sys.version_info[0],
                                                         sys.version_info[1]))
{imports}
from {module} import {function}

sys.exit({function}())
'''

IMPORTS_TEMPLATE = '''\
try:
{imports}
except ImportError as exc:
    _stop("%s cannot run under %s: %s. {hint}" % (NAME, sys.executable, exc))
'''


def _version() -> str:
    """``gosms.__version__``, the one place the version is written."""
    for line in (ROOT / "src" / "gosms" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__ = "):
            return line.split("=", 1)[1].strip().strip('"')
    return "unknown"


def _stage(staging: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", *CORE_LEFT_OUT)
    shutil.copytree(ROOT / "src" / "gosms", staging / "gosms", ignore=ignore)
    shutil.copytree(ROOT / "nagios" / "gosms_nagios", staging / "gosms_nagios", ignore=ignore)
    # The MIT terms travel with every copy; a single file is a copy too.
    shutil.copy2(ROOT / "LICENSE", staging / "LICENSE")


def build(out: Path, python: str | None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    version = _version()
    built = []
    with tempfile.TemporaryDirectory(prefix="gosms-single-") as tmp:
        base = Path(tmp) / "base"
        _stage(base)
        if python:
            # Legacy-layout bytecode (-b: module.pyc beside module.py) is what zipimport reads.
            subprocess.run([python, "-m", "compileall", "-q", "-b", str(base)], check=True)
        for name, (entry, needs, kind) in PROGRAMS.items():
            staging = Path(tmp) / name
            shutil.copytree(base, staging)
            module, function = entry.split(":")
            packages = " ".join(f"python3-{n}" for n in needs)
            (staging / "__main__.py").write_text(MAIN_TEMPLATE.format(
                name=name, version=version, plugin=kind == "plugin",
                modules=f"{' and '.join(needs)} come from the distribution" if needs else "it needs nothing else",
                imports=IMPORTS_TEMPLATE.format(imports="\n".join(f"    import {n}  # noqa: F401" for n in needs),
                                                hint=INSTALL_HINT.format(packages=packages)) if needs else "",
                module=module, function=function,
            ), encoding="utf-8")
            target = out / f"{name}.pyz"
            zipapp.create_archive(staging, target, interpreter=INTERPRETER, compressed=True)
            target.chmod(0o755)
            built.append(target)
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the .pyz files (default: dist/)")
    parser.add_argument("--python", default=INTERPRETER if Path(INTERPRETER).exists() else None,
                        help="interpreter whose bytecode to bundle (default: /usr/bin/python3 if present)")
    args = parser.parse_args()
    for path in build(args.out, args.python):
        print(path)


if __name__ == "__main__":
    sys.exit(main())
