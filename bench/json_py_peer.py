#!/usr/bin/env python3
"""Python's side of the JSON benchmarks (bench/json_bench.py), one library per process so that
its peak RSS is its own:  json_py_peer.py json|orjson decode|encode FILE RUNS
Prints key=value lines: best_s, rss_peak_kb (VmHWM) and, for encode, out_bytes."""
import importlib
import sys
import time


def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    lib, mode, path, runs = sys.argv[1], sys.argv[2], sys.argv[3], max(1, int(sys.argv[4]))
    m = importlib.import_module(lib)
    with open(path, "rb") as f:
        data = f.read()
    best, out = None, 0
    value = m.loads(data) if mode == "encode" else None
    for _ in range(runs):
        t0 = time.perf_counter()
        if mode == "decode":
            v = m.loads(data)
        else:
            s = m.dumps(value, ensure_ascii=False, separators=(",", ":")) if lib == "json" else m.dumps(value)
            out = len(s.encode("utf-8")) if isinstance(s, str) else len(s)
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
        if mode == "decode":
            del v
    print("best_s=%.6f" % best)
    print("rss_peak_kb=%d" % hwm())
    if mode == "encode":
        print("out_bytes=%d" % out)


if __name__ == "__main__":
    main()
