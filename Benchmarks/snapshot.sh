#!/usr/bin/env bash
# Full dividend snapshot of a large DevChain (default 128 subnets x 256 validators): TaoStream's
# reader against the reference SDK's query_map, in one run. Figures go to Benchmarks/RESULTS.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
subnets="${1:-128}"; validators="${2:-256}"; rounds="${3:-3}"
bash scripts/setup-python.sh
swift build -c release --product taostream >/dev/null
swift build -c release --product snapshot-read >/dev/null
port=19945
"$root/.build/release/taostream" devnet --port "$port" --subnets "$subnets" --validators "$validators" --block-milliseconds 3600000 >/tmp/taostream-snapshot-devnet.log 2>&1 &
devnet=$!
trap 'kill $devnet 2>/dev/null || true' EXIT
for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "DevChain: $subnets subnets x $validators validators; machine: $(nproc) cores"
"$root/.build/release/snapshot-read" "ws://127.0.0.1:$port" "$rounds"
"$root/.venv-oracle/bin/python" Benchmarks/sdk_snapshot.py "ws://127.0.0.1:$port" "$rounds"
