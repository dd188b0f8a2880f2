#!/usr/bin/env python3
"""Driver of bench/run py_esi_market_pages (see py_esi_market_pages.sh)."""
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import requests

from erplink import esi

SIM = sys.argv[1]
PAGES, LATENCY_MS, PER_PAGE, CONC = 400, 20, 1000, 20
RUNS = int(os.environ.get("ESI_BENCH_RUNS", "3"))
REGION = 10000002
UA = "erplink-bench/1.0 (bench@example.com)"

proc = subprocess.Popen([sys.executable, SIM, "--port", "0", "--latency-ms", str(LATENCY_MS),
                         "--market-pages", str(PAGES), "--orders-per-page", str(PER_PAGE)],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
line = proc.stdout.readline().decode()
if not line.startswith("PORT "):
    raise SystemExit("esi_sim.py did not start: %r" % line)
BASE = "http://127.0.0.1:%s" % line.split()[1]
URL = BASE + "/markets/%d/orders" % REGION
HEADERS = {"User-Agent": UA, "X-Compatibility-Date": esi.DEFAULT_COMPATIBILITY_DATE, "X-Tenant": "tranquility"}


def check(orders):
    if len(orders) != PAGES * PER_PAGE:
        raise SystemExit("got %d orders, expected %d" % (len(orders), PAGES * PER_PAGE))
    return len(orders)


client = esi.Client(user_agent=UA, base_url=BASE, concurrency=CONC, cache=False)


def f_erplink():
    return check(list(client.market_orders(REGION)))


def f_erplink_fetch_only():
    """Informative: the fetch and decode in C without making Python objects (not a peer figure)."""
    r = client.market_orders(REGION)
    if len(r) != PAGES * PER_PAGE:
        raise SystemExit("got %d orders" % len(r))
    r.close()


def f_erplink_pager():
    out = []
    for p in client.iter_pages("/markets/{region_id}/orders", path={"region_id": REGION}):
        out.extend(p.items)
    return check(out)


def f_sequential():
    with requests.Session() as s:
        r = s.get(URL, headers=HEADERS, timeout=60)
        r.raise_for_status()
        pages = int(r.headers["X-Pages"])
        orders = list(r.json())
        for p in range(2, pages + 1):
            rp = s.get(URL, params={"page": p}, headers=HEADERS, timeout=60)
            rp.raise_for_status()
            orders.extend(rp.json())
    return check(orders)


_local = threading.local()


def _page(p):
    s = getattr(_local, "s", None)
    if s is None:
        s = _local.s = requests.Session()
    r = s.get(URL, params={"page": p}, headers=HEADERS, timeout=60)
    r.raise_for_status()
    return r.json()


def f_threadpool():
    with requests.Session() as s:
        r = s.get(URL, headers=HEADERS, timeout=60)
        r.raise_for_status()
        pages = int(r.headers["X-Pages"])
        orders = list(r.json())
    with concurrent.futures.ThreadPoolExecutor(max_workers=CONC) as ex:
        for page in ex.map(_page, range(2, pages + 1)):
            orders.extend(page)
    return check(orders)


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


try:
    print("warm-up (the simulator encodes the pages once)", file=sys.stderr)
    f_erplink()
    res = {"erplink": [], "erplink_pager": [], "erplink_fetch_only": [], "threadpool": [], "sequential": []}
    for i in range(RUNS):  # alternating rounds
        res["erplink"].append(timed(f_erplink))
        res["erplink_pager"].append(timed(f_erplink_pager))
        res["erplink_fetch_only"].append(timed(f_erplink_fetch_only))
        res["threadpool"].append(timed(f_threadpool))
        if i == 0:
            res["sequential"].append(timed(f_sequential))
    med = {k: statistics.median(v) for k, v in res.items()}
    for k, v in med.items():
        print("%-14s %.3f s (runs: %s)" % (k, v, ", ".join("%.3f" % x for x in res[k])), file=sys.stderr)
    ideal = (1 + -(-(PAGES - 1) // CONC)) * LATENCY_MS / 1000.0
    ratios = {"sequential/erplink": round(med["sequential"] / med["erplink"], 2),
              "threadpool/erplink": round(med["threadpool"] / med["erplink"], 2),
              "threadpool/erplink_pager": round(med["threadpool"] / med["erplink_pager"], 2)}
    print(json.dumps({"bench": "py_esi_market_pages", "unit": "s (lower is better; ratio = peer/erplink)",
                      "pages": PAGES, "orders": PAGES * PER_PAGE, "latency_ms": LATENCY_MS, "concurrency": CONC,
                      "ideal_s": ideal, "results": {k: round(v, 4) for k, v in med.items()},
                      "targets": {"sequential/erplink": 15, "threadpool/erplink": 1.5}, "ratios": ratios}))
finally:
    proc.stdin.close()
    proc.wait(10)
