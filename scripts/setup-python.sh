#!/usr/bin/env bash
# The reference SDK for interop tests: bittensor 11.3.0 (its Rust bittensor_core is sp-core)
# in .venv-oracle. Idempotent: an existing venv with the right version is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-oracle"
want="11.3.0"
# jsonschema validates messages against web-client-spec; check-jsonschema carries the Compose
# Specification schema that docker-compose.yml is checked against; selenium drives Chromium for
# the browser client's test.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import bittensor, bittensor_core, jsonschema, check_jsonschema, selenium, sys; sys.exit(bittensor.__version__ != '$want')" 2>/dev/null; then
    exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "bittensor==$want" "jsonschema>=4.20" "check-jsonschema==0.39.0" "selenium>=4.20,<5"
"$venv/bin/python" -c "import bittensor_core" >/dev/null
echo "reference SDK bittensor $want installed in .venv-oracle"
