#!/usr/bin/env bash
# Runs an ESI example against tests/servers/esi_sim.py on an ephemeral loopback port:
#   examples/esi/run_example.sh market_best_sell PATH/TO/esi_market_best_sell
#   examples/esi/run_example.sh pkce_login       PATH/TO/esi_pkce_login
# The simulator exits when its stdin closes (killed as a last resort).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:?usage: run_example.sh market_best_sell|pkce_login BINARY}
bin=${2:?usage: run_example.sh market_best_sell|pkce_login BINARY}
py=${PYTHON:-python3}
sim=$here/../../tests/servers/esi_sim.py

. "$here/../../tests/servers/serve.sh"
serve_start "$sim"
base=$SERVE_URL
tmp=$SERVE_TMP
case "$which" in
  market_best_sell)
    "$bin" "$base" 34 | tee "$tmp/out"
    [ "$(grep -cE '^[0-9]+ +[0-9]+\.[0-9]{2} ' "$tmp/out")" -eq 10 ] || { echo "expected 10 orders" >&2; exit 1; }
    ;;
  pkce_login)
    "$bin" "$base/.well-known/oauth-authorization-server" "$base" sim-native-client | tee "$tmp/out"
    grep -q "finished by another SSO client" "$tmp/out"
    grep -q "logged in as Sim Pilot" "$tmp/out"
    grep -q "refresh token revoked" "$tmp/out"
    ;;
  *) echo "unknown example $which" >&2; exit 2 ;;
esac
