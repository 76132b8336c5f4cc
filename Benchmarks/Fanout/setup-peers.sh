#!/usr/bin/env bash
# Installs the peers Benchmarks/fanout.sh compares TaoStream with: nginx + the nchan module (Debian
# packages) and .venv-fanout with the Python peer's requirements. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

installed() { [ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
if ! installed nginx-light || ! installed libnginx-mod-nchan; then
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends nginx-light libnginx-mod-nchan
fi

venv="$root/.venv-fanout"
requirements="$root/Benchmarks/Fanout/requirements.txt"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# Reinstall only when requirements.txt changed since the last successful install.
if ! cmp -s "$requirements" "$venv/requirements.installed"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.installed"
fi
grep -q '^\.venv\*/' .gitignore 2>/dev/null || grep -qx '\.venv-fanout/' .gitignore 2>/dev/null \
    || echo '.venv-fanout/' >> .gitignore
