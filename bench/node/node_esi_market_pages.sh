#!/usr/bin/env bash
# bench/run node_esi_market_pages: every page of a 400-page regional market (1000 orders a page,
# about 235 KB of JSON each) from tests/servers/esi_sim.py with 20 ms of added latency per
# request, into JavaScript objects, from Node, in the same run (bench/node/esi_bench.js):
#   erplink       esi.Client({concurrency: 20, cache: false}).iterPages(...) collecting every
#                 order (the C pager keeps 20 requests in flight while JS parses earlier pages);
#   erplink_all   marketOrders(region) (getAllPages: the whole answer at the end; informative);
#   sequential    Node's own fetch: page 1 (X-Pages), then pages 2..400 one after another, res.json();
#   bounded       page 1, then pages 2..400 with 20 fetches in flight (a Promise.all over 20
#                 workers pulling page numbers), res.json() for every page.
# Medians of $ESI_BENCH_RUNS runs (default 3; sequential runs once). Targets (issue 14):
# >= 15x sequential, >= 1.2x bounded. Last line: one JSON object with the ratios.
PEERS=""
PEERS_TAG=none
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec node "$here/esi_bench.js" "$root/tests/servers/esi_sim.py"
