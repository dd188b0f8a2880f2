#!/usr/bin/env bash
# bench/run py_odoo_search_read: search_read of 10,000 records x 15 fields into Python dicts,
# end to end against bench/odoo's pre-encoded loopback server, in calls/s:
#   erplink (the Python binding, XML-RPC; also JSON-RPC and JSON-2) vs xmlrpc.client.ServerProxy
#   vs odoo-client-lib (PyPI, JSON-RPC), each in its own process, same server, same run.
# Last line: one JSON object.
PEERS="odoo-client-lib==2.0.1"
PEERS_TAG=odoo
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec env PYTHONPATH="$PYBENCH_PATH" "$python" "$here/py_odoo_bench.py" "$build"
