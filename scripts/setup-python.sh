#!/usr/bin/env bash
# The Python reference SDKs the interop tests use as oracles, each in its own venv at the repo root:
#   .venv-oracle   bittensor 11.3.0 (its Rust bittensor_core is sp-core) plus what Tests/Oracle
#                  needs: xxhash (twox hashers), jsonschema (web-client-spec messages),
#                  check-jsonschema (docker-compose.yml against the Compose schema), selenium
#                  (the browser client's test), standardwebhooks and http-ece (alert_receiver.py
#                  checks webhook signatures and decrypts Web Push payloads independently).
#   .venv-classic  bittensor 10.5.0, the classic SDK (AsyncSubtensor, bittensor-wallet,
#                  async-substrate-interface, scalecodec).
# Idempotent: a venv that already has the right versions is left alone. Needs `python3 -m venv`
# (Debian: python3-venv, installed by scripts/setup.sh) and PyPI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"

oracle_version="11.3.0"
classic_version="10.5.0"
oracle_packages=("bittensor==$oracle_version" "xxhash>=3" "jsonschema>=4.20" "check-jsonschema==0.39.0" "selenium>=4.20,<5"
    "standardwebhooks>=1.0" "http-ece>=1.2")
classic_packages=("bittensor==$classic_version")

# True when VENV's python runs and has DISTRIBUTION at VERSION and every module in MODULES.
# Reads installed metadata instead of importing the SDKs (importing bittensor 10 takes seconds).
ready() {
    local venv="$1" distribution="$2" version="$3"
    shift 3
    [ -x "$venv/bin/python" ] || return 1
    "$venv/bin/python" - "$distribution" "$version" "$@" <<'EOF' 2>/dev/null
import importlib.metadata, importlib.util, sys
distribution, version, modules = sys.argv[1], sys.argv[2], sys.argv[3:]
ok = importlib.metadata.version(distribution) == version
ok = ok and all(importlib.util.find_spec(module) is not None for module in modules)
sys.exit(0 if ok else 1)
EOF
}

# install VENV LABEL PACKAGES...: creates VENV when its python is missing or broken, then installs.
install() {
    local venv="$1" label="$2"
    shift 2
    if ! "$venv/bin/python" -c "" >/dev/null 2>&1; then
        "$python" -m venv --clear "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$@"
    echo "setup-python: $label installed in ${venv#"$root"/}"
}

# setup VENV LABEL VERSION "MODULES" PACKAGES...: installs unless already ready, then checks.
setup() {
    local venv="$1" label="$2" version="$3" modules="$4"
    shift 4
    # shellcheck disable=SC2086  # modules is a space-separated list
    ready "$venv" bittensor "$version" $modules && return 0
    install "$venv" "$label" "$@"
    # shellcheck disable=SC2086
    if ! ready "$venv" bittensor "$version" $modules || ! "$venv/bin/python" -c "import ${modules// /, }" >/dev/null; then
        echo "setup-python: ${venv#"$root"/} is incomplete after installing $*" >&2
        exit 1
    fi
}

setup "$root/.venv-oracle" "bittensor $oracle_version (oracle)" "$oracle_version" \
    "bittensor_core xxhash jsonschema check_jsonschema selenium standardwebhooks http_ece" "${oracle_packages[@]}"
setup "$root/.venv-classic" "bittensor $classic_version (classic SDK)" "$classic_version" \
    "bittensor_wallet async_substrate_interface scalecodec" "${classic_packages[@]}"
