#!/usr/bin/env bash
# One command from a fresh Debian machine to every test run: installs what is missing (apt
# packages, the Python reference SDKs for interop tests), builds, and runs the whole suite.
# The tests start their own redis-server and PostgreSQL on free loopback ports.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --tests
bash scripts/setup-python.sh
swift build --build-tests
swift test --skip-build "$@"
