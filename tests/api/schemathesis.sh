#!/usr/bin/env bash
# Property-based API testing: Schemathesis (PyPI) generates requests from /openapi.json, valid and
# invalid, and checks every answer: no 5xx, status codes, content types and bodies as documented,
# invalid input refused, authentication enforced. Starts `prevoir serve` on a free loopback port
# over the shipped models and sample leak readings, and stops it afterwards.
#
# Usage: tests/api/schemathesis.sh [extra schemathesis options]
# Needs: `pip install schemathesis` (4.x); builds the debug binary if missing.
# Env: PREVOIR_BIN (default target/debug/prevoir), MODELS_DIR (default models),
#      ST_MAX_EXAMPLES (default 50 per operation and phase).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${PREVOIR_BIN:-target/debug/prevoir}"
MODELS_DIR="${MODELS_DIR:-models}"
if [ ! -x "$BIN" ]; then
    cargo build --locked
fi
command -v schemathesis >/dev/null || { echo "schemathesis is required: pip install schemathesis" >&2; exit 1; }

WORK="$(mktemp -d)"
TOKEN="st-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$TOKEN" > "$WORK/token"
"$BIN" serve --models "$MODELS_DIR" --addr 127.0.0.1:0 --token-file "$WORK/token" \
    --leak-readings data-samples/leaks > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
cleanup() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

ADDR=""
for _ in $(seq 1 600); do
    ADDR="$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/server.log")"
    [ -n "$ADDR" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$WORK/server.log" >&2
        echo "prevoir serve stopped before listening" >&2
        exit 1
    fi
    sleep 0.1
done
[ -n "$ADDR" ] || { cat "$WORK/server.log" >&2; echo "prevoir serve did not start" >&2; exit 1; }

# Run from the scratch directory: Schemathesis keeps a `.schemathesis/` cache in its working directory.
CONFIG="$PWD/tests/api/schemathesis.toml"
cd "$WORK"
schemathesis --config-file "$CONFIG" run "http://$ADDR/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks all \
    --max-examples "${ST_MAX_EXAMPLES:-50}" \
    --seed 20181001 \
    --request-timeout 30 \
    --no-color \
    "$@"
