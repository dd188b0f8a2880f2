#!/usr/bin/env bash
# bench/run odoo_search_read: erplink vs Python xmlrpc.client vs odoo-await on search_read of 10,000 records x 15 fields.
# $1 = the release build dir. Last line: one JSON object.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "${PYTHON:-python3}" "$here/run_bench.py" search_read "${1:?build dir}"
