#!/usr/bin/env bash
# Runs the core demo against a fault-injecting loopback server:
#   examples/run_demo.sh PATH/TO/core_demo
# Starts tests/servers/faultserver.py on an ephemeral 127.0.0.1 port, runs the demo binary
# against it, and stops the server (it exits when its stdin closes; killed as a last resort).
# Environment: PYTHON (default python3), ERPLINK_FAULTSERVER (default: the copy in this tree).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run_demo.sh PATH/TO/core_demo}
py=${PYTHON:-python3}
server=${ERPLINK_FAULTSERVER:-$here/../tests/servers/faultserver.py}
[ -x "$bin" ] || { echo "run_demo.sh: $bin is not an executable" >&2; exit 2; }
[ -f "$server" ] || { echo "run_demo.sh: fault server not found at $server" >&2; exit 2; }

tmp=$(mktemp -d)
mkfifo "$tmp/stdin"
"$py" "$server" --port 0 <"$tmp/stdin" >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!
exec 3>"$tmp/stdin" # the server's stdin stays open while fd 3 is

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
if [ -z "$port" ]; then
  echo "run_demo.sh: the fault server did not start" >&2
  cat "$tmp/stderr" >&2
  exit 1
fi
echo "fault server listening on 127.0.0.1:$port"
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
"$bin" "http://127.0.0.1:$port"
