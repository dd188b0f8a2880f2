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

. "$here/../tests/servers/serve.sh"
serve_start "$server"
echo "fault server listening on 127.0.0.1:$SERVE_PORT"
"$bin" "$SERVE_URL"
