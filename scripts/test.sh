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
# One test at a time: on two cores, CPU-bound suites (Argon2i keyfiles, sr25519, metadata) running
# beside the socket suites starve the servers those start, and their time limits then measure the
# machine's load instead of the behaviour under test.
swift test --skip-build --no-parallel "$@"
