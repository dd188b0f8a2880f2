#!/usr/bin/env bash
# Runs an Odoo example against the Odoo simulator on an ephemeral loopback port:
#   examples/odoo/run_example.sh SIMULATOR VERSION PATH/TO/EXAMPLE DB LOGIN SECRET PROTOCOL
# The simulator (tests/servers/odoo_server.py) exits when its stdin closes.
set -euo pipefail
server=${1:?simulator}; version=${2:?version}; bin=${3:?example}; shift 3
py=${PYTHON:-python3}
. "$(cd "$(dirname "$0")" && pwd)/../../tests/servers/serve.sh"
serve_start "$server" --version "$version"
"$bin" "$SERVE_URL" "$@"
