#!/usr/bin/env bash
# Starts a Redis and a PostgreSQL for local use under .data/ unless something already listens on
# their ports. Prints the URLs to use. Safe to run again: running servers are left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${TAOSTREAM_LOCAL_DATA:-$root/.data}"
redis_port="${TAOSTREAM_LOCAL_REDIS_PORT:-6379}"
pg_port="${TAOSTREAM_LOCAL_PG_PORT:-5432}"
mkdir -p "$data"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! listening "$redis_port"; then
    mkdir -p "$data/redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --daemonize yes \
        --pidfile "$data/redis/redis.pid" --logfile "$data/redis/redis.log" --appendonly yes >/dev/null
    for _ in $(seq 100); do listening "$redis_port" && break; sleep 0.1; done
fi

pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(setpriv --reuid=postgres --regid=postgres --clear-groups --); fi
if ! listening "$pg_port"; then
    if [ ! -f "$data/postgres/PG_VERSION" ]; then
        mkdir -p "$data/postgres"
        [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$data/postgres"
        "${as_owner[@]}" "$pgbin/initdb" -D "$data/postgres" -U taostream -A trust -E UTF8 >/dev/null
    fi
    "${as_owner[@]}" "$pgbin/pg_ctl" -D "$data/postgres" -l "$data/postgres/server.log" -w \
        -o "-p $pg_port -k $data/postgres -h 127.0.0.1" start >/dev/null
    "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U taostream taostream 2>/dev/null || true
fi

echo "TAOSTREAM_REDIS_URL=redis://127.0.0.1:$redis_port/0"
echo "TAOSTREAM_DATABASE_URL=postgres://taostream@127.0.0.1:$pg_port/taostream"
