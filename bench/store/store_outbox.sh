#!/usr/bin/env bash
# bench/run store_outbox: coalesced outbox enqueues on SQLite with durability on (WAL,
# synchronous=NORMAL), in enqueues/s. 50,000 enqueues per round on a fresh file, 1,000 keys in
# turn (50 values of each: every enqueue replaces the key's pending value); each call returns
# after its transaction committed.
#   erplink:          erplink_outbox_enqueue(), one call and one transaction per enqueue;
#   erplink_batch100: erplink_outbox_enqueue_many() of 100 items per call (one transaction per
#                     100: the same durability promise, as each call returns after its commit);
#   python_sqlite3:   Python's sqlite3 doing the same upsert the straightforward way (one
#                     autocommit transaction per enqueue, same schema and statement), same run.
# Alternating rounds (best of 3 each). Also reported: erplink_sync_full (ERPLINK_STORE_SYNC_FULL,
# one call per enqueue, 1,000 enqueues) and the goal of issue 12 (50,000 enqueues/s).
# Last line: one JSON object.
set -euo pipefail
build="${1:?usage: store_outbox.sh BUILD_DIR}"
python="${PYTHON:-python3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exe="$build/bench/store/bench_store"
[ -x "$exe" ] || { echo "missing $exe (build with -Dbench=true)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
check() { [ "${2#* }" = 1000 ] || { echo "$1: expected 1000 pending items, got: $2" >&2; exit 1; }; }
n=50000
erplink=0; batched=0; python_sqlite3=0
for round in 1 2 3; do
  out=$("$exe" outbox "$tmp/e$round.db" $n); check erplink "$out"; e=${out%% *}
  out=$("$exe" outbox "$tmp/b$round.db" $n 100); check erplink_batch100 "$out"; b=${out%% *}
  out=$("$python" "$here/py_store.py" outbox "$tmp/p$round.db" $n); check python "$out"; p=${out%% *}
  erplink=$(best "$erplink" "$e"); batched=$(best "$batched" "$b"); python_sqlite3=$(best "$python_sqlite3" "$p")
  echo "round $round: erplink $e, erplink_batch100 $b, python_sqlite3 $p enqueues/s" >&2
done
full=$("$exe" outbox "$tmp/full.db" 1000 1 full); full=${full%% *}
echo "erplink with synchronous=FULL: $full enqueues/s" >&2
"$python" - "$erplink" "$batched" "$python_sqlite3" "$full" <<'PY'
import json, sys
e, b, p, f = (float(x) for x in sys.argv[1:5])
print(json.dumps({"bench": "store_outbox", "unit": "coalesced enqueues/s", "erplink": round(e),
                  "python_sqlite3": round(p), "ratio_vs_python_sqlite3": round(e / p, 2),
                  "erplink_batch100": round(b), "ratio_batch100_vs_python_sqlite3": round(b / p, 2),
                  "erplink_sync_full": round(f), "goal": 50000}))
PY
