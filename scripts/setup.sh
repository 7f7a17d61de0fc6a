#!/usr/bin/env bash
# Build the development/test environment. Idempotent and fast when nothing changed.
#
#   scripts/setup.sh            .venv (3.13.0) + .venv39 (3.9.18) + .venv-release (3.13.0, the release
#                               gatekeepers) + ansible-test pip stand-in
#   scripts/setup.sh --icinga   also install Debian's icinga2, nagios4-core, python3-requests and
#                               python3-nagiosplugin (daemons and system Python for tests/nagios),
#                               and prometheus-alertmanager (the real Alertmanager tests/relay drives)
#   scripts/setup.sh --zabbix   also install Debian's Zabbix 6.0 server (PostgreSQL) with its PHP
#                               frontend, and PostgreSQL (zabbix_js and the real server for tests/zabbix)
#   scripts/setup.sh --force    rebuild both venvs even if their stamps match
#
# Each venv carries a stamp: a hash of everything its contents depend on (lock,
# pyproject.toml, interpreter, uv version, STAMP_SCHEMA). A venv whose stamp
# matches is left alone; otherwise it is synced to its lock exactly.
set -euo pipefail
# shellcheck source=scripts/_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$GOSMS_ROOT"

# Bump when the install steps below change in a way the hash cannot see.
STAMP_SCHEMA=1

want_icinga=0
want_zabbix=0
force=0
for arg in "$@"; do
    case "$arg" in
        --icinga) want_icinga=1 ;;
        --zabbix) want_zabbix=1 ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) die "unknown argument: $arg" ;;
    esac
done

# One setup at a time per checkout (test.sh and demo.sh both call this).
exec 9>"$GOSMS_ROOT/.setup.lock"
flock 9

stamp_of() { # venv-python lock-file extras -> hash on stdout
    {
        echo "schema=$STAMP_SCHEMA uv=$UV_VERSION python=$1 extras=$3"
        cat "$2" pyproject.toml
    } | sha256sum | cut -d' ' -f1
}

# make_venv DIR INTERPRETER VERSION LOCK EDITABLE_SPEC  (an empty spec: the lock alone)
make_venv() {
    local dir=$1 interp=$2 version=$3 lock=$4 spec=$5
    local stamp_file=$dir/.gosms-setup-stamp want have=""
    need_python "$interp"
    want=$(stamp_of "$interp" "$lock" "$spec")
    [ -f "$stamp_file" ] && have=$(cat "$stamp_file")
    if [ "$force" = 0 ] && [ "$want" = "$have" ] && [ -x "$dir/bin/python" ]; then
        log "$(basename "$dir"): up to date"
        return 0
    fi
    ensure_uv
    # A venv on another interpreter (or a half-made one) is rebuilt from scratch.
    if [ ! -x "$dir/bin/python" ] ||
       [ "$("$dir/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null)" != "$version" ]; then
        log "$(basename "$dir"): creating with Python $version"
        rm -rf "$dir"
        "$UV" venv --quiet --python "$interp" "$dir"
    fi
    rm -f "$stamp_file"
    log "$(basename "$dir"): syncing to $lock"
    # sync = exactly the lock (removes strays, including a stale editable).
    "$UV" pip sync --quiet --python "$dir/bin/python" "$lock"
    # The editable install reads pyproject.toml only: it works while modules
    # named by its entry points are still being written. -c keeps the pins.
    if [ -n "$spec" ]; then
        log "$(basename "$dir"): installing -e $spec"
        "$UV" pip install --quiet --python "$dir/bin/python" -c "$lock" -e "$spec"
    fi
    "$UV" pip check --quiet --python "$dir/bin/python" ||
        die "$(basename "$dir"): dependency conflicts (see above)"
    echo "$want" >"$stamp_file"
}

make_venv "$VENV" "$PY313" 3.13.0 requirements/dev.lock ".[async,nagios]"
make_venv "$VENV39" "$PY39" 3.9.18 requirements/py39.lock ".[async,nagios]"
# The gatekeepers check built artifacts, never this checkout: no editable install.
make_venv "$VENV_RELEASE" "$PY313" 3.13.0 requirements/release.lock ""

# ansible-test bootstraps pip in its own venvs with a get-pip script it
# downloads from a host that is unreachable here; it uses a cached copy if one
# exists. The file name carries the pip version ansible-test asks for.
seed_get_pip() {
    local req pip_version target
    req=$("$VENV/bin/python" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
    pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" "$req" | head -n1)
    [ -n "$pip_version" ] || die "cannot read ansible-test's pip version from $req"
    target=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
    if ! cmp -s scripts/get_pip_standin.py "$target"; then
        log "seeding $target (stand-in, installs pip==$pip_version)"
        mkdir -p "$(dirname "$target")"
        cp scripts/get_pip_standin.py "$target.tmp"
        mv "$target.tmp" "$target"
    fi
}
seed_get_pip

ensure_actionlint

# install_debian LABEL APT_FLAGS PACKAGE...: install the packages from Debian that are not installed yet.
install_debian() {
    local label=$1 flags=$2 pkg missing=()
    shift 2
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" = 0 ]; then
        log "$label: installed"
        return 0
    fi
    log "installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # the flags are words
    apt-get install -y -qq $flags -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
}

if [ "$want_icinga" = 1 ]; then
    # The daemons the Nagios tests run, and the system Python's packages the single files use.
    install_debian "icinga2, nagios4-core, python3-requests, python3-nagiosplugin" "" \
        icinga2 nagios4-core python3-requests python3-nagiosplugin
    # The Alertmanager that tests/relay points at the relay (and its amtool); no recommends needed.
    install_debian "prometheus-alertmanager" --no-install-recommends prometheus-alertmanager
fi

if [ "$want_zabbix" = 1 ]; then
    # zabbix_js (Zabbix's own script engine) and a real Zabbix 6.0 server with its API; the tests
    # start them, with PostgreSQL, in temporary folders of their own (no service is enabled).
    # Without recommends: no web server or extra services, only what the tests run.
    install_debian "zabbix-server-pgsql, zabbix-frontend-php, php-pgsql, postgresql" --no-install-recommends \
        zabbix-server-pgsql zabbix-frontend-php php-pgsql postgresql
fi

log "setup done"
