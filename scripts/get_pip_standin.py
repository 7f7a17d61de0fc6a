"""Stand-in for the pip bootstrap script ("get-pip.py") that ansible-test downloads.

ansible-test creates each of its virtual environments without pip and then runs
``python get_pip.py [pip install args]`` to put pip in.  It fetches that script
from a host this machine cannot reach, but takes a copy from
``~/.ansible/test/cache/get_pip_<X_Y>.py`` when one is there; scripts/setup.sh
seeds this file under that name.

Behaviour, like get-pip: extra arguments are passed to ``pip install`` (options
and requirements), ``--no-setuptools`` / ``--no-wheel`` are understood, and the
interpreter running this script ends with pip installed.  Instead of a bundled
copy of pip it uses the interpreter's own ``ensurepip`` to get a first pip, then
installs the wanted pip release from the configured package index.  The default
release is taken from this file's name (get_pip_25_2.py -> pip==25.2).

Written to run on any Python 3 that ansible-test may use: standard library only.
"""

import importlib.util
import os
import re
import subprocess
import sys

FALLBACK_PIP_VERSION = "25.2"


def default_pip_version():
    """Return the pip release named by this file (get_pip_25_2.py -> 25.2)."""
    name = os.path.basename(globals().get("__file__") or "")
    match = re.match(r"get_pip_(\d+(?:_\d+)*)\.py$", name)
    return match.group(1).replace("_", ".") if match else FALLBACK_PIP_VERSION


def names_pip(arg):
    """True if a command-line argument is a requirement on pip itself."""
    return re.match(r"pip\s*($|[=<>!~\[;@ ])", arg, re.IGNORECASE) is not None


def wants_package(name, flag, args):
    """get-pip adds setuptools/wheel only on old Pythons and when they are absent."""
    if flag in args or os.environ.get("PIP_NO_" + name.upper()):
        return False
    if sys.version_info >= (3, 12):
        return False
    return importlib.util.find_spec(name) is None


def have_pip():
    """True if this interpreter can already run ``python -m pip``."""
    probe = [sys.executable, "-c", "import pip"]
    return subprocess.call(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def main(argv):
    args = list(argv)
    install_args = [a for a in args if a not in ("--no-setuptools", "--no-wheel")]
    # Decide before ensurepip: on Python < 3.12 it also drops in setuptools.
    extras = {
        name: wants_package(name, flag, args)
        for name, flag in (("setuptools", "--no-setuptools"), ("wheel", "--no-wheel"))
    }
    had_setuptools = importlib.util.find_spec("setuptools") is not None

    if not have_pip():
        # ensurepip installs the pip wheel shipped inside the standard library,
        # offline; it is only the first step towards the requested release.
        code = subprocess.call([sys.executable, "-m", "ensurepip", "--default-pip"])
        if code != 0:
            sys.stderr.write(f"get_pip stand-in: ensurepip failed (exit {code})\n")
            return code

    pip = [sys.executable, "-m", "pip"]
    if not had_setuptools and not extras["setuptools"]:
        # Leave no setuptools behind that get-pip would not have installed.
        subprocess.call([*pip, "uninstall", "--yes", "--quiet", "setuptools"], stderr=subprocess.DEVNULL)

    if not any(names_pip(a) for a in install_args):
        install_args.append("pip==" + default_pip_version())
    install_args.extend(name for name, wanted in extras.items() if wanted)

    return subprocess.call([*pip, "install", "--upgrade", "--force-reinstall", *install_args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
