#!/usr/bin/env bash
# Installs what TaoStream needs on a Debian machine, skipping what is already there.
# Swift itself is expected on PATH (https://www.swift.org/install/linux/).
set -euo pipefail

packages=(libhiredis-dev libsodium-dev zlib1g-dev libssl-dev redis-server postgresql postgresql-contrib python3-venv util-linux curl ca-certificates binutils)
# `--tests`: also what only the tests use (a headless Chromium for the browser client's test, Node
# for the Node client example: it needs Node 20.10+ for its built-in WebSocket).
[ "${1:-}" = "--tests" ] && packages+=(chromium chromium-driver nodejs)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH; install Swift 6.1 or newer from swift.org first" >&2
    exit 1
fi
