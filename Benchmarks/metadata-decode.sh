#!/usr/bin/env bash
# Decoding the recorded runtime metadata, release build. Prints what Benchmarks/RESULTS.md records.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product metadata-decode >/dev/null
echo "machine: $(nproc) cores, $(uname -m)"
"$root/.build/release/metadata-decode" Sources/DevChain/Resources "${1:-50}"
