#!/usr/bin/env bash
# bench/run odoo_read_one: erplink vs Python xmlrpc.client vs odoo-await on read of one record x 15 fields.
# $1 = the release build dir. Last line: one JSON object.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "${PYTHON:-python3}" "$here/run_bench.py" read_one "${1:?build dir}"
