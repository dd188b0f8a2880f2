#!/usr/bin/env bash
# bench/run node_odoo_search_read: search_read of 10,000 records x 15 fields into JavaScript
# objects from Node: erplink (XML-RPC, JSON-RPC, JSON-2) vs the odoo-await npm client (XML-RPC),
# same loopback server (bench/odoo/bench_odoo_server), same run. Last line: one JSON object with
# ratio_vs_odoo_await (erplink over XML-RPC, the protocol odoo-await speaks; target >= 10).
PEERS="odoo-await@3.4.1"
PEERS_TAG=odoo-await-3.4.1
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ -x "$build/bench/odoo/bench_odoo_server" ] || { echo "missing $build/bench/odoo/bench_odoo_server" >&2; exit 2; }
exec "${PYTHON:-python3}" "$here/node_odoo_bench.py" "$build" "$NODE_PEERS"
