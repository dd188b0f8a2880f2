#!/usr/bin/env bash
# bench/run esi_market_pages: every page of a 400-page regional market (1000 orders a page,
# about 235 KB of JSON each) from tests/servers/esi_sim.py with 20 ms of added latency per
# request, fetched three ways:
#   erplink     esi_client_market_orders with concurrency $ESI_BENCH_CONCURRENCY (default 20)
#   sequential  the same call with concurrency 1 (what a naive page loop does)
#   ideal       the latency-only lower bound for that concurrency: (1 + ceil(399 / c)) x 20 ms
#               (page 1 first for X-Pages, then the rest in waves; transfer and parsing free)
# The simulator pre-encodes each page once (a warm-up run) so that Python's json.dumps is not
# what is measured. Each figure is the median of $ESI_BENCH_RUNS runs (default 3).
# Last line: {"bench": "esi_market_pages", "unit": "s (lower is better; ratio = peer/erplink)", ...}
set -euo pipefail
build=${1:?usage: esi_market_pages.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python3}
sim=$here/../../tests/servers/esi_sim.py
bin=$build/bench/esi/bench_esi_pages
conc=${ESI_BENCH_CONCURRENCY:-20}
runs=${ESI_BENCH_RUNS:-3}
pages=400
latency=20
[ -x "$bin" ] || { echo "esi_market_pages.sh: $bin not built" >&2; exit 1; }

. "$here/../../tests/servers/serve.sh"
serve_start "$sim" --latency-ms "$latency" --market-pages "$pages" --orders-per-page 1000
base=$SERVE_URL
tmp=$SERVE_TMP

echo "warm-up (the simulator encodes the pages once)" >&2
"$bin" "$base" "$conc" 10000002 >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
run() { # concurrency -> median seconds; also keeps the last line in $tmp/last
  local c=$1
  for _ in $(seq "$runs"); do "$bin" "$base" "$c" 10000002 | tee "$tmp/last" | cut -d' ' -f1; done | median
}
e=$(run "$conc")
read -r _ items requests rss_kb < "$tmp/last"
echo "erplink (concurrency $conc): ${e}s, $items orders, $requests requests, peak RSS $((rss_kb / 1024)) MB" >&2
"$bin" "$base" "$conc" 10000002 stream > "$tmp/stream"
read -r st sitems _ srss_kb < "$tmp/stream"
echo "erplink streaming (concurrency $conc): ${st}s, $sitems orders, peak RSS $((srss_kb / 1024)) MB" >&2
s=$(run 1)
echo "sequential: ${s}s" >&2
ideal=$("$py" -c "import math; print((1 + math.ceil(($pages - 1) / $conc)) * $latency / 1000.0)")
echo "ideal (latency bound): ${ideal}s" >&2
"$py" - "$e" "$s" "$ideal" "$conc" "$items" "$rss_kb" "$st" "$srss_kb" <<'PYEOF'
import json, sys
e, s, ideal = (float(x) for x in sys.argv[1:4])
conc, items, rss = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
st, srss = float(sys.argv[7]), int(sys.argv[8])
print(json.dumps({"bench": "esi_market_pages", "unit": "s (lower is better; ratio = peer/erplink, higher is better)",
                  "pages": 400, "orders": items, "latency_ms": 20, "concurrency": conc,
                  "erplink": round(e, 4), "sequential": round(s, 4), "ideal": round(ideal, 4),
                  "ratio_vs_sequential": round(s / e, 2), "ratio_vs_ideal": round(ideal / e, 3),
                  "erplink_peak_rss_mb": round(rss / 1024.0, 1),
                  "erplink_stream": round(st, 4), "erplink_stream_peak_rss_mb": round(srss / 1024.0, 1)}))
PYEOF
