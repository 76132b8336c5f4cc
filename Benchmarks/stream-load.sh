#!/usr/bin/env bash
# StreamServer fan-out benchmark: a release `taostream serve` on its own Redis and PostgreSQL,
# loaded by `stream-load` (Benchmarks/StreamLoad). Prints what Benchmarks/RESULTS.md records.
# Arguments go to stream-load, e.g. --connections 10000 --blocks-per-second 4 --seconds 20.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Each connection is a descriptor on both sides; take what the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
swift build -c release --product taostream >/dev/null
swift build -c release --product stream-load >/dev/null

work="$(mktemp -d /tmp/taostream-bench.XXXXXX)"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work"
export TAOSTREAM_LOCAL_DATA="$work" TAOSTREAM_LOCAL_REDIS_PORT=16379 TAOSTREAM_LOCAL_PG_PORT=15432
while IFS= read -r line; do export "$line"; done < <(bash scripts/local-services.sh)
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    redis-cli -p 16379 shutdown nosave >/dev/null 2>&1 || true
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$pgbin/pg_ctl" -D "$work/postgres" -m fast stop >/dev/null 2>&1 || true
    else "$pgbin/pg_ctl" -D "$work/postgres" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

bin="$root/.build/release"
"$bin/taostream" migrate >/dev/null
token="$("$bin/taostream" token create --label benchmark --scopes read)"
TAOSTREAM_MAX_CONNECTIONS_PER_TOKEN=100000 TAOSTREAM_QUEUE_LIMIT=1024 TAOSTREAM_LOG_LEVEL=warning \
    "$bin/taostream" serve --port 18080 &
server_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/18080) 2>/dev/null && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(uname -m), $(swift --version 2>/dev/null | head -1)"
"$bin/stream-load" --url ws://127.0.0.1:18080/ws --token "$token" --redis-url "$TAOSTREAM_REDIS_URL" --server-pid "$server_pid" "$@"
