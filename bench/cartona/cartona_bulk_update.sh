#!/usr/bin/env bash
# bench/run cartona_bulk_update: 10,000-product bulk update against tests/servers/cartona_sim.py
# with 20 ms of added latency per request: erplink's concurrent batches (concurrency 16) vs
# sequential batches of 100 (the same client with concurrency 1), best of 3 runs each, same
# simulator, same run. Also measures the simulator alone (0 ms latency, concurrent) to show that
# it is not the bottleneck. Last line: one JSON object (ratio = sequential / erplink, higher is better).
set -euo pipefail
build=${1:?usage: cartona_bulk_update.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=${PYTHON:-python3}
bin=$build/bench/cartona/bench_cartona_bulk
[ -x "$bin" ] || { echo "cartona_bulk_update: $bin not built" >&2; exit 1; }
n=${CARTONA_BENCH_ITEMS:-10000}
conc=${CARTONA_BENCH_CONCURRENCY:-16}
latency=${CARTONA_BENCH_LATENCY_MS:-20}
token="bench-token"

. "$root/tests/servers/serve.sh"
serve_start "$root/tests/servers/cartona_sim.py" --token "$token"
port=$SERVE_PORT
tmp=$SERVE_TMP
faults() {
  "$py" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/_control/faults" % sys.argv[1], data=("{\"latency_ms\": %s}" % sys.argv[2]).encode(), headers={"Content-Type": "application/json"}), timeout=10).read()' "$port" "$1"
}
base="http://127.0.0.1:$port/api/v1/"

faults 0
"$bin" "$base" "$token" "$n" "$conc" 2 > "$tmp/raw0.txt"
faults "$latency"
"$bin" "$base" "$token" "$n" "$conc" 3 > "$tmp/raw.txt"
cat "$tmp/raw0.txt" | sed 's/^/latency 0 ms: /' >&2
cat "$tmp/raw.txt" | sed "s/^/latency $latency ms: /" >&2
"$py" - "$tmp/raw.txt" "$tmp/raw0.txt" "$n" "$conc" "$latency" <<'PYEOF'
import json, sys
def best(path, label):
    return min(float(l.split()[1]) for l in open(path) if l.startswith(label + " "))
e, s = best(sys.argv[1], "erplink"), best(sys.argv[1], "sequential")
sim_only = best(sys.argv[2], "erplink")
n, conc, lat = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(json.dumps({"bench": "cartona_bulk_update", "unit": "seconds (lower is better; ratio = sequential/erplink)",
                  "erplink": round(e, 4), "sequential": round(s, 4), "ratio_vs_sequential": round(s / e, 2),
                  "items": n, "batch_size": 100, "erplink_concurrency": conc, "latency_ms": lat,
                  "simulator_no_latency_concurrent_s": round(sim_only, 4)}))
PYEOF
