#!/usr/bin/env bash
# One command from a fresh Debian machine to a running TaoStream: installs what is missing,
# builds, starts local Redis and PostgreSQL (unless already running) and runs the service.
# Extra arguments go to `taostream run` (watcher + server in one process); settings come from
# TAOSTREAM_* or .env (see README). Without TAOSTREAM_NETWORK it follows an in-process DevChain,
# so a machine without internet shows live data; TAOSTREAM_NETWORK=finney follows mainnet.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
swift build -c release --product taostream
while IFS= read -r line; do
    name="${line%%=*}"
    # Settings given by the operator win over the local defaults.
    [ -n "${!name:-}" ] || export "$line"
done < <(bash scripts/local-services.sh)
export TAOSTREAM_NETWORK="${TAOSTREAM_NETWORK:-devnet}"
# Alerts (webhooks, and web push from the dashboard's "notify me") with keys kept under .data/.
if [ -z "${TAOSTREAM_ALERT_KEY_FILE:-}" ]; then
    keys="${TAOSTREAM_LOCAL_DATA:-$root/.data}/keys"
    mkdir -p "$keys"
    "$root/.build/release/taostream" notify-keys --dir "$keys" >/dev/null
    export TAOSTREAM_ALERT_KEY_FILE="$keys/alert.key" TAOSTREAM_VAPID_KEY_FILE="${TAOSTREAM_VAPID_KEY_FILE:-$keys/vapid.pem}"
fi
# On the local DevChain, the run ends by printing the dashboard's address with a token kept here.
if [ "$TAOSTREAM_NETWORK" = devnet ]; then
    export TAOSTREAM_DASHBOARD_TOKEN_FILE="${TAOSTREAM_DASHBOARD_TOKEN_FILE:-${TAOSTREAM_LOCAL_DATA:-$root/.data}/dashboard-token}"
fi
exec "$root/.build/release/taostream" run "$@"
