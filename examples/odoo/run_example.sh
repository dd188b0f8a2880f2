#!/usr/bin/env bash
# Runs an Odoo example against the Odoo simulator on an ephemeral loopback port:
#   examples/odoo/run_example.sh SIMULATOR VERSION PATH/TO/EXAMPLE DB LOGIN SECRET PROTOCOL
# The simulator (tests/servers/odoo_server.py) exits when its stdin closes.
set -euo pipefail
server=${1:?simulator}; version=${2:?version}; bin=${3:?example}; shift 3
py=${PYTHON:-python3}
tmp=$(mktemp -d)
mkfifo "$tmp/stdin"
"$py" "$server" --port 0 --version "$version" <"$tmp/stdin" >"$tmp/stdout" 2>"$tmp/stderr" &
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
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
"$bin" "http://127.0.0.1:$port" "$@"
