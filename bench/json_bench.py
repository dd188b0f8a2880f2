#!/usr/bin/env python3
"""JSON codec benchmarks: erplink against Python's json, orjson, Node's JSON.parse/stringify and,
for decoding, simdjson's DOM parser (the limit).

    json_bench.py decode|encode BUILD_DIR

Generates, once per run and from fixed seeds, two documents into a temporary folder:
  esi    100,000 ESI market orders x 12 fields (order_id, type_id, location_id, system_id,
         volume_total, volume_remain, min_volume, price, is_buy_order, duration, issued,
         range), ~27 MB as json.dumps writes it;
  json2  an Odoo JSON-2 search_read answer of 10,000 records x 15 fields (the records of
         bench/odoo/make_responses.py: many2one [id, "name"] pairs, false for empty fields,
         non-ASCII strings, floats, datetimes), ~4 MB.
Every implementation runs in its own process on the same bytes (best of N) and reports its
peak RSS. decode: MB/s of the document parsed into the implementation's tree; erplink twice,
erplink_json_decode() ("erplink") and one reused decoder fed 64 KiB pieces ("erplink_decoder");
simdjson twice, one parser reused ("simdjson_dom", as simdjson benchmarks itself) and a new
parser per document ("simdjson_dom_fresh"). encode: MB/s of the same document serialised
from the implementation's tree (compact output).
Last line: one JSON object (ARCHITECTURE.md); the esi figures are the plain keys, the json2
ones carry the suffix _json2."""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "odoo"))
import make_responses  # noqa: E402  (the JSON-2 records of the Odoo benchmarks)

ORDERS = 100000
RECORDS = 10000
RUNS = {"erplink": 7, "erplink_decoder": 7, "simdjson_dom": 7, "simdjson_dom_fresh": 7, "node": 5, "orjson": 3,
        "python_json": 3}
RANGES = ["station", "region", "solarsystem", "1", "2", "3", "4", "5", "10", "20", "30", "40"]


def esi_doc():
    rng = random.Random(20261111)
    orders = []
    for _ in range(ORDERS):
        orders.append({
            "duration": rng.choice([1, 3, 7, 14, 30, 90]), "is_buy_order": rng.random() < 0.45,
            "issued": "2026-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                                                          rng.randint(0, 59), rng.randint(0, 59)),
            "location_id": rng.choice([60003760, 60008494, 60011866, 60004588, 1035466617946]),
            "min_volume": 1 if rng.random() < 0.9 else rng.randint(2, 100),
            "order_id": rng.randint(5000000000, 7000000000), "price": round(rng.lognormvariate(10, 3), 2),
            "range": rng.choice(RANGES), "system_id": rng.randint(30000001, 30005000),
            "type_id": rng.randint(18, 60000), "volume_remain": rng.randint(1, 1000000),
            "volume_total": rng.randint(1, 2000000)})
    return json.dumps(orders).encode()


def json2_doc():
    rng = random.Random(42)
    return json.dumps([make_responses.record(i + 1, rng) for i in range(RECORDS)], ensure_ascii=False).encode()


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd[:2]), r.stderr.strip()[-300:]))
    out = {}
    for line in r.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = float(v)
    return out


def commands(what, build, path, scale=1):
    """scale: more runs for a small document (best of N over a window of ~0.1 s at least, so that
    one burst of load on a shared machine does not decide a figure); the same for every peer."""
    b = os.path.join(build, "bench")
    peer_py = [sys.executable, os.path.join(HERE, "json_py_peer.py")]
    node = ["node", os.path.join(HERE, "json_peer.js")]
    cmds = {"erplink": [os.path.join(b, "bench_json"), what, path, str(RUNS["erplink"] * scale)]}
    if what == "decode":
        cmds["erplink_decoder"] = [os.path.join(b, "bench_json"), "decoder", path, str(RUNS["erplink_decoder"] * scale)]
        sj = os.path.join(b, "bench_simdjson")
        if os.path.exists(sj):
            cmds["simdjson_dom"] = [sj, "dom", path, str(RUNS["simdjson_dom"] * scale)]
            cmds["simdjson_dom_fresh"] = [sj, "fresh", path, str(RUNS["simdjson_dom_fresh"] * scale)]
    cmds["node"] = node + [what, path, str(RUNS["node"] * scale)]
    cmds["orjson"] = peer_py + ["orjson", what, path, str(RUNS["orjson"] * scale)]
    cmds["python_json"] = peer_py + ["json", what, path, str(RUNS["python_json"] * scale)]
    return cmds


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("decode", "encode"):
        sys.exit("usage: json_bench.py decode|encode BUILD_DIR")
    what, build = sys.argv[1], os.path.abspath(sys.argv[2])
    res = {"bench": "json_" + what, "unit": "MB/s"}
    notes = []
    with tempfile.TemporaryDirectory(prefix="erplink-json-bench-") as tmp:
        for name, make in (("esi", esi_doc), ("json2", json2_doc)):
            doc = make()
            path = os.path.join(tmp, name + ".json")
            with open(path, "wb") as f:
                f.write(doc)
            mb = len(doc) / 1e6
            sfx = "" if name == "esi" else "_" + name
            print("%s: %.2f MB" % (name, mb))
            figures = {}
            for impl, cmd in commands(what, build, path, 1 if name == "esi" else 4).items():
                try:
                    r = run(cmd)
                except (RuntimeError, OSError) as e:
                    notes.append("%s not measured: %s" % (impl, e))
                    continue
                figures[impl] = r
                res[impl + sfx] = round(mb / r["best_s"], 1)
                if r.get("rss_peak_kb", -1) > 0:
                    res[impl + sfx + "_peak_rss_mb"] = round(r["rss_peak_kb"] / 1024.0, 1)
            if what == "decode":
                # erplink's and simdjson's peak memory in a process that decodes once
                for impl, mode in (("erplink", []), ("erplink_decoder", ["decoder"])):
                    r = run([os.path.join(build, "bench", "bench_json"), "rss", path] + mode)
                    grow = (r["rss_decode_peak_kb"] - r["rss_loaded_kb"]) * 1024.0
                    res[impl + sfx + "_peak_rss_mb"] = round(r["rss_decode_peak_kb"] / 1024.0, 1)
                    res[impl + sfx + "_tree_vs_input"] = round(r["tree_bytes"] / len(doc), 2)
                    # what decoding costs beyond the tree it returns (buffer, parser), vs the body
                    res[impl + sfx + "_working_vs_input"] = round((grow - r["tree_bytes"]) / len(doc), 2)
                sj = os.path.join(build, "bench", "bench_simdjson")
                if os.path.exists(sj):
                    r = run([sj, "rss", path])
                    res["simdjson_dom" + sfx + "_peak_rss_mb"] = round(r["rss_peak_kb"] / 1024.0, 1)
            for impl in figures:
                print("  %-20s %8.1f MB/s  peak RSS %7.1f MB" % (impl, res[impl + sfx],
                                                                res.get(impl + sfx + "_peak_rss_mb", -1)))
            if "erplink" + sfx in res:
                for impl in figures:
                    if impl != "erplink":
                        res["ratio_vs_" + impl + sfx] = round(res["erplink" + sfx] / res[impl + sfx], 2)
                if "erplink_decoder" + sfx in res:
                    for impl in ("simdjson_dom", "node"):
                        if impl + sfx in res:
                            res["decoder_ratio_vs_" + impl + sfx] = round(res["erplink_decoder" + sfx] / res[impl + sfx], 2)
            res["input_mb" + sfx] = round(mb, 2)
    for n in notes:
        print("note:", n)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
