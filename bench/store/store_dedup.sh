#!/usr/bin/env bash
# bench/run store_dedup: dedup checks on SQLite with durability on (WAL, synchronous=NORMAL), in
# seen calls/s. 20,000 calls per round on a fresh file, 9 in 10 ids new and 1 in 10 a recent
# repeat; every call is its own committed transaction (the record is durable against a process
# crash when the call returns).
#   erplink:        erplink_dedup_seen() on erplink_dedup_new_sqlite();
#   python_sqlite3: Python's sqlite3 doing the same insert-if-absent the straightforward way (one
#                   autocommit transaction per check, same schema and statement), same run.
# Alternating rounds (best of 3 each), so that a busy moment of the shared machine hurts both.
# Also reported: erplink_sync_full (ERPLINK_STORE_SYNC_FULL: an fsync per commit; 1,000 calls) and
# the goal of issue 12 (10,000 checks/s). Last line: one JSON object.
set -euo pipefail
build="${1:?usage: store_dedup.sh BUILD_DIR}"
python="${PYTHON:-python3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exe="$build/bench/store/bench_store"
[ -x "$exe" ] || { echo "missing $exe (build with -Dbench=true)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
n=20000
erplink=0; python_sqlite3=0
for round in 1 2 3; do
  out=$("$exe" dedup "$tmp/e$round.db" $n)
  e=${out%% *}; [ "${out#* }" = 18002 ] || { echo "erplink: unexpected new-id count: $out" >&2; exit 1; }
  out=$("$python" "$here/py_store.py" dedup "$tmp/p$round.db" $n)
  p=${out%% *}; [ "${out#* }" = 18002 ] || { echo "python: unexpected new-id count: $out" >&2; exit 1; }
  erplink=$(best "$erplink" "$e"); python_sqlite3=$(best "$python_sqlite3" "$p")
  echo "round $round: erplink $e, python_sqlite3 $p seen calls/s" >&2
done
full=$("$exe" dedup "$tmp/full.db" 1000 1 full); full=${full%% *}
echo "erplink with synchronous=FULL: $full seen calls/s" >&2
"$python" - "$erplink" "$python_sqlite3" "$full" <<'PY'
import json, sys
e, p, f = (float(x) for x in sys.argv[1:4])
print(json.dumps({"bench": "store_dedup", "unit": "seen calls/s", "erplink": round(e), "python_sqlite3": round(p),
                  "ratio_vs_python_sqlite3": round(e / p, 2), "erplink_sync_full": round(f), "goal": 10000}))
PY
