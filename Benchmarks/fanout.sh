#!/usr/bin/env bash
# Fan-out comparison: TaoStream against nchan (nginx, one worker) and a FastAPI + redis.asyncio peer
# (Benchmarks/Fanout/python_peer.py), each loaded by `fanout-load` with the same subscribers and
# publish rates, on loopback only. Prints a machine line and one Markdown table on stdout (the load
# generator's own output goes to stderr) and keeps the raw JSON lines in Benchmarks/fanout-last.jsonl.
#
# Environment:
#   FANOUT_TARGETS      which peers, in order (default "nchan python taostream"; also taostream-x2)
#   FANOUT_TWO_SERVERS  1 adds taostream-x2: two `taostream serve` (18080 and 18083) sharing the load
#   FANOUT_CONNECTIONS  subscribers per run (default 10000)
#   FANOUT_RATES        publish rates in messages per second (default 1,5,20,50)
#   FANOUT_SECONDS      seconds per rate (default 10)
#   FANOUT_PYTHON_WORKERS  uvicorn workers of the Python peer (default: nproc)
#   FANOUT_BIN_DIR      take taostream and fanout-load from here instead of building them
#                       (default: swift build -c release, then .build/release)
#   FANOUT_SKIP_TAOSTREAM  1: no `taostream migrate/token create/serve`; a fixed token instead. Only
#                       for testing this script with a stand-in fanout-load; taostream rows are void.
# Each peer is started just before its run and stopped right after it, so an idle peer never
# competes for the CPU with the one being measured.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

targets="${FANOUT_TARGETS:-nchan python taostream}"
if [ "${FANOUT_TWO_SERVERS:-0}" = 1 ] && [[ " $targets " != *" taostream-x2 "* ]]; then
    targets="$targets taostream-x2"
fi
for target in $targets; do
    case "$target" in nchan | python | taostream | taostream-x2) ;;
    *) echo "fanout.sh: unknown target '$target' (nchan, python, taostream, taostream-x2)" >&2; exit 2 ;;
    esac
done
connections="${FANOUT_CONNECTIONS:-10000}"
rates="${FANOUT_RATES:-1,5,20,50}"
seconds="${FANOUT_SECONDS:-10}"
python_workers="${FANOUT_PYTHON_WORKERS:-$(nproc)}"

redis_port=16380 pg_port=15433 taostream_port=18080 nchan_port=18081 python_port=18082 second_port=18083
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $redis_port $pg_port $taostream_port $nchan_port $python_port $second_port; do
    if listening "$port"; then
        echo "fanout.sh: something already listens on 127.0.0.1:$port (a previous run left over?)" >&2
        exit 1
    fi
done

# Each connection is a descriptor on both sides; take what the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((connections + 1000)) ]; then
    echo "fanout.sh: warning: open-file limit $(ulimit -n) is tight for $connections connections" >&2
fi

bash Benchmarks/Fanout/setup-peers.sh
if [ -z "${FANOUT_BIN_DIR:-}" ]; then
    swift build -c release --product taostream >/dev/null
    swift build -c release --product fanout-load >/dev/null
fi
bin="${FANOUT_BIN_DIR:-$root/.build/release}"

# (sed quits at its first match: `| head -1` could kill a writer with SIGPIPE, fatal under pipefail)
cpu="$(sed -n 's/^model name[[:space:]]*: //p;T;q' /proc/cpuinfo 2>/dev/null || true)"
[ -n "$cpu" ] || cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p;T;q' || true)"
machine="machine: $(nproc) cores, $(uname -m), ${cpu:-unknown CPU}, $(date -u '+%Y-%m-%d %H:%M UTC'), $(swift --version 2>/dev/null | sed -n 1p || true)"
echo "$machine"

work="$(mktemp -d /tmp/taostream-fanout.XXXXXX)"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work"
results="$work/fanout.jsonl"
pgbin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
started=() # every server process this script started; cleanup stops what is still running

alive() { # alive PID: running, i.e. neither gone nor a zombie awaiting `wait`
    local state
    state="$(sed -n 's/.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}
stop() { # stop PID...: SIGTERM to them and their children, up to 15 s to exit, then SIGKILL
    local pid all=() any _
    for pid; do
        # shellcheck disable=SC2207
        all+=("$pid" $(pgrep -P "$pid" 2>/dev/null || true))
    done
    for pid in "${all[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 150); do
        any=0
        for pid in "${all[@]}"; do alive "$pid" && any=1; done
        [ "$any" = 0 ] && break
        sleep 0.1
    done
    for pid in "${all[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
    for pid; do wait "$pid" 2>/dev/null || true; done
    forget "$@"
}
forget() { # forget PID...: no longer ours to stop, so cleanup never signals a reused pid
    local keep=() p pid
    for p in "${started[@]}"; do
        for pid; do [ "$p" = "$pid" ] && continue 2; done
        keep+=("$p")
    done
    started=("${keep[@]}")
}
cleanup() {
    set +e
    [ "${#started[@]}" -gt 0 ] && stop "${started[@]}"
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups -- "$pgbin/pg_ctl" -D "$work/postgres" -m fast stop >/dev/null 2>&1
    else "$pgbin/pg_ctl" -D "$work/postgres" -m fast stop >/dev/null 2>&1; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export TAOSTREAM_LOCAL_DATA="$work" TAOSTREAM_LOCAL_REDIS_PORT=$redis_port TAOSTREAM_LOCAL_PG_PORT=$pg_port
while IFS= read -r line; do export "$line"; done < <(bash scripts/local-services.sh)

if [ "${FANOUT_SKIP_TAOSTREAM:-0}" = 1 ]; then
    token="fanout-skip-taostream-token"
else
    "$bin/taostream" migrate >/dev/null
    token="$("$bin/taostream" token create --label fanout-benchmark --scopes read)"
fi

wait_for_port() { # wait_for_port PORT PID: until PORT accepts, failing if PID exits or 30 s pass
    for _ in $(seq 300); do
        listening "$1" && return 0
        alive "$2" || break
        sleep 0.1
    done
    echo "fanout.sh: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# Each start_* sets `pids` (what fanout-load measures) and `owned` (what to stop afterwards).
start_taostream() { # start_taostream PORT...
    local port
    pids="" owned=()
    [ "${FANOUT_SKIP_TAOSTREAM:-0}" = 1 ] && return 0
    for port; do
        # One token and one address for 10 000 simulated clients, as behind a proxy: the
        # per-token and per-address caps are lifted, as an operator would there (README).
        TAOSTREAM_MAX_CONNECTIONS_PER_TOKEN=100000 TAOSTREAM_MAX_PENDING_PER_ADDRESS=0 TAOSTREAM_LOG_LEVEL=warning \
            "$bin/taostream" serve --port "$port" &
        started+=($!) owned+=($!)
        pids="${pids:+$pids,}$!"
        wait_for_port "$port" $! || return 1
    done
}

start_nchan() {
    local dir="$work/nginx" master worker="" module _
    pids="" owned=()
    mkdir -p "$dir"
    module="$(dpkg -L libnginx-mod-nchan | grep -m1 '/ngx_nchan_module\.so$' || true)"
    # nginx's worker_rlimit_nofile sets both limits; above the hard limit it fails where root lacks
    # CAP_SYS_RESOURCE (containers), so ask for 65536 or the hard limit, whichever is lower.
    local hard nofile=65536
    hard="$(ulimit -Hn)"
    [ "$hard" != unlimited ] && [ "$hard" -lt "$nofile" ] && nofile="$hard"
    sed -e "s|@PORT@|$nchan_port|g; s|@WORK@|$dir|g; s|@MODULE@|$module|g; s|@NOFILE@|$nofile|g" \
        Benchmarks/Fanout/nchan.conf >"$dir/nginx.conf"
    # -e: nginx opens its error log before reading the configuration; keep that one in $dir too.
    nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
    master=$!
    started+=("$master") owned=("$master")
    wait_for_port "$nchan_port" "$master" || { cat "$dir/error.log" >&2; return 1; }
    for _ in $(seq 100); do
        worker="$(pgrep -P "$master" || true)"
        [ -n "$worker" ] && [ "$(wc -w <<<"$worker")" = 1 ] && break
        sleep 0.1
    done
    [ -n "$worker" ] || { echo "fanout.sh: nginx started no worker; see below" >&2; cat "$dir/error.log" >&2; return 1; }
    pids="$worker"
}

start_python() {
    local main kid count _
    pids="" owned=()
    PEER_TOKEN="$token" PEER_REDIS_URL="$TAOSTREAM_REDIS_URL" PEER_PORT=$python_port \
        PEER_WORKERS="$python_workers" "$root/.venv-fanout/bin/python" Benchmarks/Fanout/python_peer.py &
    main=$!
    started+=("$main") owned=("$main")
    wait_for_port "$python_port" "$main" || return 1
    # The workers are spawned children; multiprocessing's resource tracker is a child too, not a
    # worker. One worker runs in the main process itself. Ready once every worker has subscribed
    # to Redis: a publish then reaches that many (fanout:ready is no netuid, so no socket gets it).
    local want=$python_workers
    for _ in $(seq 300); do
        pids=""
        if [ "$python_workers" -le 1 ]; then pids="$main"
        else
            for kid in $(pgrep -P "$main" || true); do
                grep -qa spawn_main "/proc/$kid/cmdline" 2>/dev/null && pids="${pids:+$pids,}$kid"
            done
        fi
        count="$(redis-cli -u "$TAOSTREAM_REDIS_URL" publish fanout:ready 1 2>/dev/null || echo 0)"
        [ -n "$pids" ] && [ "$(tr ',' ' ' <<<"$pids" | wc -w)" = "$want" ] && [ "$count" = "$want" ] && return 0
        alive "$main" || break
        sleep 0.1
    done
    echo "fanout.sh: the Python peer did not get $want workers subscribed to Redis" >&2
    return 1
}

start_target() { # start_target TARGET: starts its servers; sets url, pub, pids and owned
    case "$1" in
    nchan) start_nchan || return 1
        url="ws://127.0.0.1:$nchan_port/sub/bench" pub="http://127.0.0.1:$nchan_port/pub/bench" ;;
    python) start_python || return 1
        url="ws://127.0.0.1:$python_port/ws" pub=redis ;;
    taostream) start_taostream $taostream_port || return 1
        url="ws://127.0.0.1:$taostream_port/ws" pub=taostream ;;
    taostream-x2) start_taostream $taostream_port $second_port || return 1
        url="ws://127.0.0.1:$taostream_port/ws,ws://127.0.0.1:$second_port/ws" pub=taostream ;;
    esac
}

failed=0
for target in $targets; do
    if ! start_target "$target"; then
        echo "fanout.sh: could not start $target; skipping it" >&2
        failed=1
        stop "${owned[@]}"
        continue
    fi
    echo "fanout.sh: $target: $connections subscribers at $url, pids $pids" >&2
    # In the background, so that a SIGTERM to this script is handled at once (bash runs traps only
    # between foreground commands) and cleanup stops the load too. Its lines go to stderr, the JSON
    # ones to the results as well.
    (
        set -o pipefail
        "$bin/fanout-load" --target "$target" --url "$url" --token "$token" \
            --redis-url "$TAOSTREAM_REDIS_URL" --publish-url "$pub" --server-pid "$pids" \
            --connections "$connections" --rates "$rates" --seconds "$seconds" | tee "$work/$target.out" >&2
    ) &
    load=$!
    started+=("$load")
    if ! wait "$load"; then
        echo "fanout.sh: fanout-load failed for $target" >&2
        failed=1
    fi
    forget "$load"
    grep '^{' "$work/$target.out" >>"$results" || true
    stop "${owned[@]}"
done

{
    python3 -c 'import json, sys; print(json.dumps({"kind": "machine", "machine": sys.argv[1]}))' "$machine"
    cat "$results"
} >Benchmarks/fanout-last.jsonl

python3 - "$results" "$connections" <<'PY'
import json
import sys

path, connections = sys.argv[1], int(sys.argv[2])
rows = {}  # target -> {"connect": {...}, "max": {...}, "rates": {rate: {...}}}
for line in open(path):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if not isinstance(record, dict) or "target" not in record:
        continue
    row = rows.setdefault(record["target"], {"rates": {}})
    kind = record.get("kind")
    if kind == "rate":
        row["rates"][float(record["rate"])] = record
    elif kind in ("connect", "max"):
        row[kind] = record

if not rows:
    print("(no results)")
    sys.exit(0)

rates = sorted({rate for row in rows.values() for rate in row["rates"]})
base = rows.get("nchan")


def number(value):
    if value is None:
        return None
    return float(value)


def count(value):
    value = abs(value)
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def ms(value):
    return f"{value:.0f} ms" if value >= 100 else f"{value:.3g} ms"


def ratio(value, reference):
    if reference is None or value is None or reference == 0:
        return ""
    r = value / reference
    text = f"{r:.0f}" if r >= 10 else f"{r:.1f}" if r >= 1 else f"{r:.2f}"
    return f" ({text}× nchan)"


def figure(target, value, reference, fmt):
    if value is None:
        return "–"
    return fmt(value) + ("" if target == "nchan" else ratio(value, reference))


def get(row, *keys):
    for key in keys:
        if not isinstance(row, dict):
            return None
        row = row.get(key)
    return number(row)


def rate_label(rate):
    return f"{rate:g}/s"


header = ["target", f"connect ({connections:,} clients)", "RSS/connection", "max delivered/s"]
header += [f"p50 / p99 / p99.9 @ {rate_label(rate)}" for rate in rates]
print("| " + " | ".join(header) + " |")
print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
order = ["nchan", "python", "taostream", "taostream-x2"]
for target in sorted(rows, key=lambda t: (order.index(t) if t in order else len(order), t)):
    row = rows[target]
    connect = row.get("connect", {})
    cell = figure(target, get(connect, "seconds"), get(base, "connect", "seconds"), lambda v: f"{v:.2f} s")
    if connect.get("failed"):
        cell += f", {connect['failed']:,} failed"
    cells = [target, cell]
    cells.append(figure(target, get(connect, "rss_per_connection_kib"),
                        get(base, "connect", "rss_per_connection_kib"), lambda v: f"{v:.1f} KiB"))
    cells.append(figure(target, get(row, "max", "delivered_per_second"),
                        get(base, "max", "delivered_per_second"), count))
    for rate in rates:
        record = row["rates"].get(rate)
        if record is None:
            cells.append("–")
            continue
        reference = (base or {"rates": {}})["rates"].get(rate)
        parts = [figure(target, get(record, key), get(reference, key), ms) for key in ("p50_ms", "p99_ms", "p999_ms")]
        cell = " / ".join(parts)
        expected, delivered = get(record, "expected"), get(record, "delivered")
        if expected and delivered is not None and delivered < expected:
            cell += f"; lost {100 * (expected - delivered) / expected:.2g}%"
        cells.append(cell)
    print("| " + " | ".join(cells) + " |")
PY
exit "$failed"
