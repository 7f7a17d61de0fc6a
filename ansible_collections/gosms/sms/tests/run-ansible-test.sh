#!/usr/bin/env bash
# ansible-test for gosms.sms: sanity and unit tests, run from the collection root as ansible-test requires.
#
#   tests/run-ansible-test.sh [sanity|units|all]     (default: all)
#
# Environment:
#   GOSMS_VENV   the virtualenv whose ansible-test to use (default: .venv at the repository root)
#
# sanity --local: the test's own tools live in virtualenvs ansible-test builds under
#   ~/.ansible/test/venv from PyPI (pep8, pylint, validate-modules, yamllint, changelog,
#   import, ...); they are reused by later runs. Its pip bootstrap normally comes from a host that
#   is unreachable here: scripts/setup.sh seeds a stand-in at ~/.ansible/test/cache/get_pip_*.py.
# units --venv: a virtualenv with pytest, pytest-mock, pytest-xdist and tests/unit/requirements.txt
#   (requests); the gosms library comes from this checkout's src/ (tests/unit/conftest.py). It keeps
#   Home Assistant's pytest plugins, which load in every pytest run in .venv, out of the unit tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # .../ansible_collections/gosms/sms
root=$(cd "$here/../../.." && pwd)
venv=${GOSMS_VENV:-$root/.venv}
what=${1:-all}

case "$what" in
    sanity|units|all) ;;
    *) echo "usage: $0 [sanity|units|all]" >&2; exit 2 ;;
esac
[ -x "$venv/bin/ansible-test" ] || { echo "ERROR: no ansible-test in $venv (run scripts/setup.sh)" >&2; exit 1; }
if ! ls "$HOME"/.ansible/test/cache/get_pip_*.py >/dev/null 2>&1; then
    echo "ERROR: no pip bootstrap stand-in under ~/.ansible/test/cache (run scripts/setup.sh)" >&2
    exit 1
fi

cd "$here"
export PATH="$venv/bin:$PATH"

step() {
    local name=$1 start=$SECONDS
    shift
    echo "==> $name: $*"
    "$@"
    echo "==> $name: passed in $((SECONDS - start))s"
}

if [ "$what" = sanity ] || [ "$what" = all ]; then
    step sanity ansible-test sanity --local --python 3.13 --color no
    step lint ansible-lint --profile production --offline --nocolor
fi
if [ "$what" = units ] || [ "$what" = all ]; then
    step units ansible-test units --venv --python 3.13 --color no
fi
