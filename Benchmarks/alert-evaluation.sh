#!/usr/bin/env bash
# Alert evaluation at scale (issue 16): 10 000 rules, one 2 000-entry epoch, against a throwaway
# PostgreSQL started here. Prints load / evaluate / store times per round; figures go to
# Benchmarks/RESULTS.md. Usage: Benchmarks/alert-evaluation.sh [RULES] [ENTRIES] [SUBNETS] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product alert-evaluation >/dev/null
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
data="$(mktemp -d /tmp/taostream-alert-bench.XXXXXX)"
port=$((20000 + RANDOM % 20000))
as_owner=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data"; as_owner=(setpriv --reuid=postgres --regid=postgres --clear-groups --); fi
"${as_owner[@]}" "$pgbin/initdb" -D "$data/pg" -U taostream -A trust -E UTF8 >/dev/null
"${as_owner[@]}" "$pgbin/pg_ctl" -D "$data/pg" -l "$data/pg.log" -w -o "-p $port -k $data -h 127.0.0.1 -c fsync=on" start >/dev/null
trap '"${as_owner[@]}" "$pgbin/pg_ctl" -D "$data/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U taostream bench
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}')"
"$root/.build/release/alert-evaluation" "postgres://taostream@127.0.0.1:$port/bench?sslmode=disable" "$@"
