#!/usr/bin/env bash
# bench/run py_esi_market_pages: every page of a 400-page regional market (1000 orders a page,
# about 235 KB of JSON each) from tests/servers/esi_sim.py with 20 ms of added latency per
# request, into Python dicts, from Python, three ways in the same run:
#   erplink      erplink.esi.Client(concurrency=20, cache=False).market_orders(region) and every
#                order converted to a dict (list(response)); also iter_pages (the pull pager);
#   sequential   a requests.Session loop: page 1 (X-Pages), then pages 2..400 one after another;
#   (erplink_fetch_only, informative: the same call without converting the orders to Python)
#   threadpool   page 1, then pages 2..400 on a 20-thread concurrent.futures.ThreadPoolExecutor,
#                one requests.Session per thread; resp.json() for every page.
# Each figure is the median of $ESI_BENCH_RUNS runs (default 3; the sequential loop runs once).
# Targets (issue 13): >= 15x sequential, >= 1.5x the thread pool.
# Last line: {"bench": "py_esi_market_pages", "unit": "s", ..., "ratios": {...}}
PEERS="requests>=2.31"
PEERS_TAG=requests
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec env PYTHONPATH="$PYBENCH_PATH" "$python" "$here/py_esi_bench.py" "$root/tests/servers/esi_sim.py"
