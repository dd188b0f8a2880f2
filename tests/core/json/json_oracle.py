#!/usr/bin/env python3
"""Round-trip oracle for erplink's JSON codec, with Python's json module as the independent peer.

Generates random JSON documents with a fixed seed, has the C helper (json_roundtrip) decode and
re-encode each, and checks that json.loads() of both gives the same value with the same types
(ints exact; integers beyond int64 come back as the nearest float, as erplink documents).
Also checks that truncated documents that Python rejects are rejected by erplink too, and,
on random mutations of the documents (bytes replaced, inserted, deleted, duplicated: brackets,
quotes, escapes, digits, literals, form feeds, vertical tabs, NUL, invalid UTF-8...), that
erplink accepts exactly what Python's json accepts, less what erplink documents refusing
(lone surrogate escapes, NaN/Infinity, numbers beyond the double range). The helper sends each
document through one of three paths (see json_roundtrip.c), so each is held to that.
Prints TAP."""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

N_DOCS = 2500
N_TRUNC = 600
N_MUTANTS = 6000
MUTATION_BYTES = [bytes([c]) for c in b'[]{}:,"\\ 0123456789-+.eEtrufalsnu\t\r\x0c\x0b\x00\x7f/'] + [
    b"\xff", b"\xc3", b"\xa9", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\\u", b"\\ud800", b"\\udc00", b"true", b"null",
    b"1e400", b"-", b"\xc2\xa0"]
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

rng = random.Random(20261121)

CHARS = (
    [chr(c) for c in range(0x20, 0x7F)] * 4
    + [chr(c) for c in range(0, 0x20)]
    + list("\"\\/\x7f\u00e9\u00fc\u20b9\u2028\u2029\u0627\u4e2d\ufeff\uffff")
    + ["\U0001F600", "\U0001D11E", "\U0010FFFF", "\U00010000"]
)


def rand_str():
    n = rng.choice([0, 1, 2, 5, 10, 30])
    return "".join(rng.choice(CHARS) for _ in range(n))


def rand_int():
    r = rng.random()
    if r < 0.3:
        return rng.randint(-1000, 1000)
    if r < 0.55:
        return rng.randint(INT64_MIN, INT64_MAX)
    if r < 0.7:
        return rng.choice([INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, 0, -1, 2**53, 2**53 + 1])
    if r < 0.85:
        return rng.choice([1, -1]) * rng.randint(2**63, 2**70)  # beyond int64
    return rng.randint(-(2**31), 2**31)


def rand_float():
    r = rng.random()
    if r < 0.4:
        return rng.uniform(-1e6, 1e6)
    if r < 0.6:
        return rng.choice([0.0, -0.0, 0.1, 1.0, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e-7])
    if r < 0.8:
        return float(rng.randint(-(2**60), 2**60))
    m = rng.random()
    return m * 10.0 ** rng.randint(-300, 300)


def rand_value(depth=0):
    r = rng.random()
    if depth < 6 and r < 0.25:
        return [rand_value(depth + 1) for _ in range(rng.randint(0, 6))]
    if depth < 6 and r < 0.45:
        return {rand_str(): rand_value(depth + 1) for _ in range(rng.randint(0, 6))}
    r = rng.random()
    if r < 0.1:
        return None
    if r < 0.2:
        return rng.choice([True, False])
    if r < 0.45:
        return rand_int()
    if r < 0.65:
        return rand_float()
    return rand_str()


def dump(v):
    kw = {}
    if rng.random() < 0.5:
        kw["separators"] = (",", ":")
    return json.dumps(v, ensure_ascii=rng.random() < 0.5, **kw)


def norm(v):
    """What erplink is documented to return for the original value."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v if INT64_MIN <= v <= INT64_MAX else float(v)
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    return a == b


def run_tool(tool, docs):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False) as f:
        for d in docs:
            f.write(d + "\n")
        name = f.name
    try:
        out = subprocess.run([tool, name], capture_output=True, timeout=300, check=True)
    finally:
        os.unlink(name)
    lines = out.stdout.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def mutate(doc):
    b = bytearray(doc.encode("utf-8"))
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.random()
        i = rng.randint(0, len(b))
        if op < 0.35 and i < len(b):
            b[i:i + 1] = rng.choice(MUTATION_BYTES)
        elif op < 0.7:
            b[i:i] = rng.choice(MUTATION_BYTES)
        elif op < 0.85 and i < len(b):
            del b[i:i + rng.randint(1, 3)]
        else:
            j = rng.randint(0, len(b))
            b[i:i] = b[min(i, j):max(i, j)][:20]
    return bytes(b)


def python_accepts(b):
    """Does Python's json accept b (as UTF-8), and would erplink keep it (no lone surrogate,
    NaN, infinity)?"""
    try:
        text = b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    bad = []

    def constant(name):
        bad.append(name)
        return None

    try:
        # every member, duplicates included: erplink keeps them all (and parses each)
        v = json.loads(text, parse_constant=constant, object_pairs_hook=list)
    except (ValueError, RecursionError):
        return False
    if bad:
        return False
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(x, float) and not math.isfinite(x):
            return False
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
    return True


def main():
    tool = sys.argv[1]
    docs = []
    values = []
    for _ in range(N_DOCS):
        v = rand_value()
        values.append(v)
        docs.append(dump(v))
    print("1..4")

    lines = run_tool(tool, docs)
    bad = 0
    if len(lines) != len(docs):
        print(f"# expected {len(docs)} lines, got {len(lines)}")
        bad += 1
    for i, (doc, line) in enumerate(zip(docs, lines)):
        if line.startswith("ERROR"):
            bad += 1
            if bad <= 10:
                print(f"# doc {i}: {line} for {doc[:200]!r}")
            continue
        expect = norm(json.loads(doc))
        got = json.loads(line)
        if not same(expect, got):
            bad += 1
            if bad <= 10:
                print(f"# doc {i} differs:\n#  in:  {doc[:300]!r}\n#  out: {line[:300]!r}")
    print(("ok" if bad == 0 else "not ok") + f" 1 - {len(docs)} random documents round-trip ({bad} bad)")

    # Compact output with escapes: the re-encoding of a re-encoding is byte-identical.
    again = run_tool(tool, [l for l in lines if not l.startswith("ERROR")])
    stable = sum(1 for a, b in zip([l for l in lines if not l.startswith("ERROR")], again) if a == b)
    print(("ok" if stable == len(again) and again else "not ok") + f" 2 - re-encoding is stable ({stable}/{len(again)})")

    # Truncations: every prefix that Python rejects must be rejected by erplink.
    trunc = []
    for _ in range(N_TRUNC):
        d = rng.choice(docs)
        if len(d) < 2:
            continue
        t = d[: rng.randint(1, len(d) - 1)]
        try:
            json.loads(t)
            continue
        except ValueError:
            trunc.append(t)
    tl = run_tool(tool, trunc)
    missed = [t for t, l in zip(trunc, tl) if not l.startswith("ERROR -50 ")]
    for t in missed[:10]:
        print(f"# accepted truncated document {t[:200]!r}")
    ok = not missed and len(tl) == len(trunc) and len(trunc) > 100
    print(("ok" if ok else "not ok") + f" 3 - {len(trunc)} truncated documents rejected with ERPLINK_EPROTOCOL")

    # Mutations: erplink agrees with Python on what is JSON, on every path.
    mutants = []
    while len(mutants) < N_MUTANTS:
        m = mutate(rng.choice(docs))
        if b"\n" not in m and m.strip(b" \t\r") and not m.lstrip(b" \t\r").startswith(b"<"):
            mutants.append(m)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        for m in mutants:
            f.write(m + b"\n")
        name = f.name
    try:
        out = subprocess.run([tool, name], capture_output=True, timeout=300, check=True).stdout
    finally:
        os.unlink(name)
    ml = out.split(b"\n")
    if ml and ml[-1] == b"":
        ml.pop()
    disagree = 0
    accepted = 0
    for i, (m, line) in enumerate(zip(mutants, ml)):
        want = python_accepts(m)
        got = not line.startswith(b"ERROR")
        accepted += want
        if want != got:
            disagree += 1
            if disagree <= 10:
                print(f"# mutant {i} (path {i % 3}): python {'accepts' if want else 'rejects'}, erplink "
                      f"{'accepts' if got else 'rejects'}: {m[:160]!r} -> {line[:160]!r}")
    ok = disagree == 0 and len(ml) == len(mutants) and 0 < accepted < len(mutants)
    print(("ok" if ok else "not ok") + f" 4 - {len(mutants)} mutated documents: erplink accepts what Python's json "
          f"accepts ({accepted} valid, {disagree} disagreements)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
