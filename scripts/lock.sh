#!/usr/bin/env bash
# Regenerate the pinned locks from requirements/*.in plus pyproject.toml.
#   scripts/lock.sh              keep current pins where still allowed
#   scripts/lock.sh --upgrade    take the newest allowed versions
# Then run scripts/setup.sh; it notices the changed locks by their hash.
set -euo pipefail
# shellcheck source=scripts/_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$GOSMS_ROOT"

extra=()
[ "${1:-}" = "--upgrade" ] && extra+=(--upgrade)

ensure_uv
need_python "$PY313"
need_python "$PY39"

# pyproject.toml is an input so the project's runtime deps (and, for .venv, the
# async + nagios extras) are locked too; the project itself is not in the lock.
"$UV" pip compile --quiet "${extra[@]}" \
    --python "$PY313" --python-version 3.13.0 \
    --custom-compile-command "scripts/lock.sh" \
    pyproject.toml requirements/dev.in --extra async --extra nagios \
    -o requirements/dev.lock

"$UV" pip compile --quiet "${extra[@]}" \
    --python "$PY39" --python-version 3.9.18 \
    --custom-compile-command "scripts/lock.sh" \
    pyproject.toml requirements/py39.in --extra async --extra nagios \
    -o requirements/py39.lock

"$UV" pip compile --quiet "${extra[@]}" \
    --python "$PY313" --python-version 3.13.0 \
    --custom-compile-command "scripts/lock.sh" \
    requirements/release.in \
    -o requirements/release.lock

# Home Assistant 2025.4.4 pins these; anything else means the resolver moved.
grep -qx 'requests==2.32.3' requirements/dev.lock || die "dev.lock: requests is not 2.32.3"
grep -q '^urllib3==1\.26\.' requirements/dev.lock || die "dev.lock: urllib3 is not 1.26.x"
log "locks written: requirements/dev.lock requirements/py39.lock requirements/release.lock"
