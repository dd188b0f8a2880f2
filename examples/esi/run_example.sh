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

tmp=$(mktemp -d)
mkfifo "$tmp/stdin"
"$py" "$sim" --port 0 <"$tmp/stdin" >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!
exec 3>"$tmp/stdin"
cleanup() {
  exec 3>&-
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
port=""
for _ in $(seq 200); do
  port=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$tmp/stdout" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { echo "run_example.sh: the simulator did not start" >&2; cat "$tmp/stderr" >&2; exit 1; }
export no_proxy="127.0.0.1,localhost" NO_PROXY="127.0.0.1,localhost"
base="http://127.0.0.1:$port"
case "$which" in
  market_best_sell)
    "$bin" "$base" 34 | tee "$tmp/out"
    [ "$(grep -cE '^[0-9]+ +[0-9]+\.[0-9]{2} ' "$tmp/out")" -eq 10 ] || { echo "expected 10 orders" >&2; exit 1; }
    ;;
  pkce_login)
    "$bin" "$base/.well-known/oauth-authorization-server" "$base" sim-native-client | tee "$tmp/out"
    grep -q "logged in as Sim Pilot" "$tmp/out"
    grep -q "refresh token revoked" "$tmp/out"
    ;;
  *) echo "unknown example $which" >&2; exit 2 ;;
esac
