#!/usr/bin/env bash
# Build every release artifact of one version into dist/ (or $GOSMS_DIST):
#   gosms_ops-V-py3-none-any.whl, gosms_ops-V.tar.gz   PyPI (the wheel is built from the sdist)
#   gosms-sms-V.tar.gz                                  Ansible Galaxy
#   gosms.zip                                           HACS release asset (hacs.json names it)
#   check_gosms.pyz, notify_gosms.pyz, gosms.pyz        single files for monitoring hosts (system Python)
#   SHA256SUMS
# Needs scripts/setup.sh first (it calls it). Refuses to build when the manifests disagree on the
# version (scripts/version.py check). The release workflow runs exactly this.
set -euo pipefail
# shellcheck source=scripts/_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
cd "$GOSMS_ROOT"

bash scripts/setup.sh >&2
ensure_uv

"$VENV/bin/python" scripts/version.py check
version=$("$VENV/bin/python" scripts/version.py)
out=${GOSMS_DIST:-$GOSMS_ROOT/dist}
rm -rf "$out"
mkdir -p "$out"

log "wheel and sdist $version"
# uv builds the sdist, then the wheel from that sdist, so a broken sdist fails here.
"$UV" build --quiet --python "$PY313" --out-dir "$out" .
"$VENV/bin/twine" check --strict "$out"/*.whl "$out"/*.tar.gz

log "collection tarball"
"$VENV/bin/ansible-galaxy" collection build --force --output-path "$out" ansible_collections/gosms/sms >&2

log "HACS zip"
"$VENV/bin/python" scripts/hacs_zip.py "$out/gosms.zip"

log "single files for monitoring hosts"
"$VENV/bin/python" scripts/build_single_files.py --out "$out"

log "Zabbix media types"
"$VENV/bin/python" scripts/zabbix_media.py --check   # current with the core, or no release
cp zabbix/gosms.yaml "$out/zabbix_gosms.yaml"
cp zabbix/gosms-script.yaml "$out/zabbix_gosms-script.yaml"

(cd "$out" && sha256sum -- * >SHA256SUMS)
log "dist: $(cd "$out" && ls | tr '\n' ' ')"
