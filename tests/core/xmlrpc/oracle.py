#!/usr/bin/env python3
"""Independent oracle for erplink's XML-RPC codec: Python's xmlrpc.client.

    oracle.py PATH-TO-xmlrpc_oracle_helper

Generates random value trees with a fixed seed (ERPLINK_ORACLE_SEED, default 20240601) and
count (ERPLINK_ORACLE_TREES, default 10000) and checks, value by value:

 (a) Python dumps(..., allow_none=True) -> erplink decodes -> equals Python's own
     loads(use_builtin_types=True) of the same bytes (responses, calls and faults);
 (b) erplink encodes (i8 for 64-bit ints, &#13; for CR) -> Python loads -> equals the
     original tree (responses and calls).

Trees travel to and from the C helper over pipes in a tagged, length-prefixed binary
framing (see oracle_helper.c), so bytes, datetimes, -0.0 and bool-vs-int survive exactly.
Prints one summary line; exits 1 on the first mismatch, showing the tree and the XML.
"""
import datetime
import os
import random
import struct
import subprocess
import sys
import xmlrpc.client as xc

BATCH = 1000

# ---------------------------------------------------------------- framing


def ser(v, out):
    if v is None:
        out.append(b"n")
    elif v is True:
        out.append(b"t")
    elif v is False:
        out.append(b"f")
    elif isinstance(v, int):
        out.append(b"i" + struct.pack("<q", v))
    elif isinstance(v, float):
        out.append(b"d" + struct.pack("<d", v))
    elif isinstance(v, str):
        b = v.encode("utf-8")
        out.append(b"s" + struct.pack("<I", len(b)) + b)
    elif isinstance(v, bytes):
        out.append(b"b" + struct.pack("<I", len(v)) + v)
    elif isinstance(v, datetime.datetime):
        out.append(b"D" + struct.pack("<HBBBBBI", v.year, v.month, v.day, v.hour, v.minute, v.second,
                                      v.microsecond))
    elif isinstance(v, (list, tuple)):
        out.append(b"a" + struct.pack("<I", len(v)))
        for x in v:
            ser(x, out)
    elif isinstance(v, dict):
        out.append(b"m" + struct.pack("<I", len(v)))
        for k, x in v.items():
            kb = k.encode("utf-8")
            out.append(struct.pack("<I", len(kb)) + kb)
            ser(x, out)
    else:
        raise TypeError(type(v))


def ser_bytes(v):
    out = []
    ser(v, out)
    return b"".join(out)


def deser(b, pos):
    """Returns (canonical form, new position)."""
    tag = b[pos:pos + 1]
    pos += 1
    if tag == b"n":
        return ("nil",), pos
    if tag == b"t":
        return ("bool", True), pos
    if tag == b"f":
        return ("bool", False), pos
    if tag == b"i":
        return ("int", struct.unpack_from("<q", b, pos)[0]), pos + 8
    if tag == b"d":
        return ("double", b[pos:pos + 8]), pos + 8
    if tag in (b"s", b"b"):
        (n,) = struct.unpack_from("<I", b, pos)
        pos += 4
        raw = bytes(b[pos:pos + n])
        return (("string", raw.decode("utf-8")) if tag == b"s" else ("bytes", raw)), pos + n
    if tag == b"D":
        parts = struct.unpack_from("<HBBBBBI", b, pos)
        return ("datetime", parts), pos + struct.calcsize("<HBBBBBI")
    if tag == b"a":
        (n,) = struct.unpack_from("<I", b, pos)
        pos += 4
        items = []
        for _ in range(n):
            x, pos = deser(b, pos)
            items.append(x)
        return ("array", items), pos
    if tag == b"m":
        (n,) = struct.unpack_from("<I", b, pos)
        pos += 4
        members = []
        for _ in range(n):
            (kl,) = struct.unpack_from("<I", b, pos)
            pos += 4
            k = bytes(b[pos:pos + kl]).decode("utf-8")
            pos += kl
            x, pos = deser(b, pos)
            members.append((k, x))
        # erplink keeps repeated keys (lookups return the last); Python's dict keeps the first
        # position and the last value: compare with Python's view of the same members.
        merged = {}
        for k, x in members:
            merged[k] = x
        return ("struct", list(merged.items())), pos
    raise ValueError("bad tag %r at %d" % (tag, pos - 1))


def canon(v):
    """The canonical (type-strict, order-keeping) form of a Python value."""
    if v is None:
        return ("nil",)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, float):
        return ("double", struct.pack("<d", v))
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, (bytes, bytearray)):
        return ("bytes", bytes(v))
    if isinstance(v, datetime.datetime):
        return ("datetime", (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond))
    if isinstance(v, (list, tuple)):
        return ("array", [canon(x) for x in v])
    if isinstance(v, dict):
        return ("struct", [(k, canon(x)) for k, x in v.items()])
    raise TypeError(type(v))


def frames(payloads):
    return b"".join(struct.pack("<I", len(p)) + p for p in payloads)


def unframe(data):
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        pos += 4
        out.append(data[pos:pos + n])
        pos += n
    return out


def run_helper(helper, mode, payloads):
    r = subprocess.run([helper, mode], input=frames(payloads), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    if r.returncode != 0:
        sys.exit("helper %s failed (%d): %s" % (mode, r.returncode, r.stderr.decode(errors="replace")))
    out = unframe(r.stdout)
    if len(out) != len(payloads):
        sys.exit("helper %s answered %d frames for %d" % (mode, len(out), len(payloads)))
    return out


def helper_error(p):
    code = struct.unpack_from("<i", p, 1)[0]
    return "erplink error %d: %s" % (code, bytes(p[5:]).decode("utf-8", errors="replace"))

# ---------------------------------------------------------------- generation


SNIPPETS = ["a", "b", "Z", "0", "9", " ", "  ", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\r\n", "]]>", "&amp;",
            "<value>", "é", "ü", "ñ", "中", "文", "€", "😀", "𝄞", "\u00a0", "\u200b", "\ufffd", "\u0300",
            "Azure Interior", "res.partner", "]]", "--", "<!--", "?>", "\\", "%", "#", ";"]


def rand_char(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(SNIPPETS)
    # any code point XML 1.0 can carry (no controls, no surrogates, no U+FFFE/U+FFFF)
    while True:
        cp = rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0xD7FF), rng.randint(0xE000, 0xFFFD),
                         rng.randint(0x10000, 0x10FFFF)])
        return chr(cp)


def rand_str(rng):
    n = rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 40])
    return "".join(rand_char(rng) for _ in range(n))


INT_EDGES_32 = [0, 1, -1, 2**31 - 1, -2**31, 42, -42, 1000000]
INT_EDGES_64 = [2**31, -2**31 - 1, 2**63 - 1, -2**63, 2**53 + 1, -(2**40)]


def rand_int(rng, wide):
    r = rng.random()
    if r < 0.3:
        return rng.choice(INT_EDGES_32 + (INT_EDGES_64 if wide else []))
    if wide and r < 0.6:
        return rng.randint(-2**63, 2**63 - 1)
    return rng.randint(-2**31, 2**31 - 1)


def rand_float(rng):
    r = rng.random()
    if r < 0.2:
        return rng.choice([0.0, -0.0, 1.0, -1.5, 0.1, 1e-310, 5e-324, 1.7976931348623157e308, 2.0**53, 1e22, 123456.789])
    if r < 0.5:
        return rng.uniform(-1e6, 1e6)
    if r < 0.7:
        return float(rng.randint(-10**6, 10**6))
    while True:
        f = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if f == f and f not in (float("inf"), float("-inf")):
            return f


def rand_datetime(rng, with_usec):
    d = datetime.date.fromordinal(rng.randint(1, datetime.date(9999, 12, 31).toordinal()))
    return datetime.datetime(d.year, d.month, d.day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                             rng.randint(0, 999999) if with_usec else 0)


def rand_value(rng, depth, wide):
    r = rng.random()
    if depth < 4 and r < 0.25:
        if rng.random() < 0.5:
            return [rand_value(rng, depth + 1, wide) for _ in range(rng.choice([0, 1, 2, 3, 5, 8]))]
        d = {}
        for _ in range(rng.choice([0, 1, 2, 3, 5, 8])):
            d[rand_str(rng)] = rand_value(rng, depth + 1, wide)
        return d
    kind = rng.randrange(8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rand_int(rng, wide)
    if kind == 3:
        return rand_float(rng)
    if kind == 4:
        return rand_str(rng)
    if kind == 5:
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 2, 3, 4, 57, 58, 200])))
    if kind == 6:
        return rand_datetime(rng, wide and rng.random() < 0.3)
    return rand_str(rng)


def strip_usec(v):
    """What the tree becomes once sent in Python's dateTime.iso8601 format (seconds only)."""
    if isinstance(v, datetime.datetime):
        return v.replace(microsecond=0)
    if isinstance(v, list):
        return [strip_usec(x) for x in v]
    if isinstance(v, dict):
        return {k: strip_usec(x) for k, x in v.items()}
    return v

# ---------------------------------------------------------------- checks


class Mismatch(Exception):
    pass


def fail(direction, tree, xml, got, want):
    print("MISMATCH (%s)" % direction)
    print("tree: %r" % (tree,))
    print("xml:  %r" % (xml[:4000],))
    print("got:  %r" % (got,))
    print("want: %r" % (want,))
    raise Mismatch()


def check_python_to_erplink(helper, trees):
    docs = [xc.dumps((t,), methodresponse=True, allow_none=True).encode("utf-8") for t in trees]
    out = run_helper(helper, "decode", docs)
    for t, doc, p in zip(trees, docs, out):
        want = canon(xc.loads(doc, use_builtin_types=True)[0][0])
        if p[:1] != b"V":
            fail("python->erplink", t, doc, helper_error(p) if p[:1] == b"X" else p[:1], want)
        got, end = deser(p, 1)
        if end != len(p) or got != want:
            fail("python->erplink", t, doc, got, want)


def check_erplink_to_python(helper, trees):
    out = run_helper(helper, "encode", [ser_bytes(t) for t in trees])
    for t, p in zip(trees, out):
        if p[:1] != b"V":
            fail("erplink->python", t, b"", helper_error(p), canon(t))
        xml = bytes(p[1:])
        try:
            got = canon(xc.loads(xml, use_builtin_types=True)[0][0])
        except Exception as e:  # noqa: BLE001 - any failure is a mismatch
            fail("erplink->python", t, xml, "Python could not load it: %r" % e, canon(strip_usec(t)))
        want = canon(strip_usec(t))
        if got != want:
            fail("erplink->python", t, xml, got, want)


def check_calls(helper, rng, calls):
    # (a) Python encodes calls, erplink decodes them
    docs = [xc.dumps(tuple(params), methodname=name, allow_none=True).encode("utf-8") for name, params in calls]
    out = run_helper(helper, "decode_call", docs)
    for (name, params), doc, p in zip(calls, docs, out):
        pparams, pname = xc.loads(doc, use_builtin_types=True)
        want = (pname, canon(list(pparams)))
        if p[:1] != b"C":
            fail("python->erplink call", params, doc, helper_error(p), want)
        (ml,) = struct.unpack_from("<I", p, 1)
        got_name = bytes(p[5:5 + ml]).decode("utf-8")
        tree, end = deser(p, 5 + ml)
        if (got_name, tree) != want or end != len(p):
            fail("python->erplink call", params, doc, (got_name, tree), want)
    # (b) erplink encodes calls, Python decodes them
    payloads = []
    for name, params in calls:
        nb = name.encode("utf-8")
        payloads.append(struct.pack("<I", len(nb)) + nb + ser_bytes(list(params)))
    out = run_helper(helper, "encode_call", payloads)
    for (name, params), p in zip(calls, out):
        if p[:1] != b"V":
            fail("erplink->python call", params, b"", helper_error(p), None)
        xml = bytes(p[1:])
        pparams, pname = xc.loads(xml, use_builtin_types=True)
        got = (pname, canon(list(pparams)))
        want = (name, canon(strip_usec(list(params))))
        if got != want:
            fail("erplink->python call", params, xml, got, want)


def check_faults(helper, faults):
    docs = [xc.dumps(xc.Fault(code, msg), methodresponse=True).encode("utf-8") for code, msg in faults]
    out = run_helper(helper, "decode", docs)
    for (code, msg), doc, p in zip(faults, docs, out):
        try:
            xc.loads(doc)
            want = None
        except xc.Fault as f:
            want = canon({"faultCode": f.faultCode, "faultString": f.faultString})
        if p[:1] != b"F":
            fail("python->erplink fault", (code, msg), doc, helper_error(p) if p[:1] == b"X" else p[:1], want)
        got, _ = deser(p, 1)
        if got != want:
            fail("python->erplink fault", (code, msg), doc, got, want)


def check_fixtures(helper):
    """Real Odoo 17/19 transcripts: erplink must decode every XML-RPC body exactly as Python does,
    and call every HTML body HTML. Returns the number of bodies checked."""
    root = os.environ.get("ERPLINK_FIXTURES")
    if not root or not os.path.isdir(root):
        return 0
    resp, calls, html = [], [], []
    for ver in sorted(os.listdir(root)):
        for sub in ("xmlrpc", "xmlrpc-legacy"):
            d = os.path.join(root, ver, sub)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if not name.endswith((".request", ".response")):
                    continue
                with open(os.path.join(d, name), "rb") as f:
                    raw = f.read()
                head, sep, body = raw.partition(b"\r\n\r\n")
                if not sep or not body:
                    continue
                ctype = b""
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-type:"):
                        ctype = line.split(b":", 1)[1].strip().lower()
                where = "%s/%s/%s" % (ver, sub, name)
                if ctype.startswith(b"text/html"):
                    html.append((where, body))
                elif ctype.startswith(b"text/xml") and body.lstrip().startswith(b"<"):
                    (calls if name.endswith(".request") and b"<methodCall>" in body else resp).append((where, body))
    out = run_helper(helper, "decode", [b for _, b in resp]) if resp else []
    for (where, body), p in zip(resp, out):
        try:
            want = ("V", canon(xc.loads(body, use_builtin_types=True)[0][0]))
        except xc.Fault as f:
            want = ("F", canon({"faultCode": f.faultCode, "faultString": f.faultString}))
        except Exception as e:  # noqa: BLE001 - Python refuses it: erplink must refuse it too
            want = ("X", repr(e))
        if p[:1] in (b"V", b"F"):
            got = (p[:1].decode(), deser(p, 1)[0])
        else:
            got = ("X", helper_error(p))
        if got[0] != want[0] or (want[0] != "X" and got != want):
            fail("fixture " + where, None, body, got, want)
    out = run_helper(helper, "decode_call", [b for _, b in calls]) if calls else []
    for (where, body), p in zip(calls, out):
        try:
            params, name = xc.loads(body, use_builtin_types=True)
        except Exception as e:  # noqa: BLE001 - Python refuses it: erplink must refuse it too
            if p[:1] != b"X":
                fail("fixture " + where, None, body, p[:200], "an error like Python's %r" % e)
            continue
        if p[:1] != b"C":
            fail("fixture " + where, None, body, helper_error(p), name)
        (ml,) = struct.unpack_from("<I", p, 1)
        got = (bytes(p[5:5 + ml]).decode("utf-8"), deser(p, 5 + ml)[0])
        if got != (name, canon(list(params))):
            fail("fixture " + where, None, body, got, (name, canon(list(params))))
    out = run_helper(helper, "decode", [b for _, b in html]) if html else []
    for (where, body), p in zip(html, out):
        if p[:1] != b"X" or b"the server answered HTML, not XML-RPC" not in p:
            fail("fixture " + where, None, body, p[:200], "the server answered HTML, not XML-RPC")
    return len(resp) + len(calls) + len(html)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: oracle.py PATH-TO-xmlrpc_oracle_helper")
    helper = sys.argv[1]
    seed = int(os.environ.get("ERPLINK_ORACLE_SEED", "20240601"))
    count = int(os.environ.get("ERPLINK_ORACLE_TREES", "10000"))
    rng = random.Random(seed)
    stats = {"py2c": 0, "c2py": 0, "calls": 0, "faults": 0, "fixtures": 0}
    try:
        stats["fixtures"] = check_fixtures(helper)
        done = 0
        while done < count:
            n = min(BATCH, count - done)
            narrow = [rand_value(rng, 0, False) for _ in range(n)]
            check_python_to_erplink(helper, narrow)
            stats["py2c"] += n
            wide = [rand_value(rng, 0, True) for _ in range(n)]
            check_erplink_to_python(helper, wide)
            stats["c2py"] += n
            k = max(1, n // 10)
            # Python does not escape method names: keep them to characters that need no escaping
            calls = [(rng.choice(["execute_kw", "version", "login", "a.b_c", "méthode.中文", "m%d" % rng.randrange(999)]),
                      [rand_value(rng, 1, False) for _ in range(rng.randrange(5))]) for _ in range(k)]
            check_calls(helper, rng, calls)
            stats["calls"] += k
            faults = [(rng.randint(-2**31, 2**31 - 1), rand_str(rng)) for _ in range(max(1, n // 50))]
            check_faults(helper, faults)
            stats["faults"] += len(faults)
            done += n
    except Mismatch:
        print("xmlrpc oracle: FAILED (seed=%d, reproduce with ERPLINK_ORACLE_SEED=%d)" % (seed, seed))
        return 1
    print("xmlrpc oracle: seed=%d python->erplink %d trees, erplink->python %d trees, calls %d both ways, faults %d, "
          "Odoo transcript bodies %d: all equal" % (seed, stats["py2c"], stats["c2py"], stats["calls"], stats["faults"],
                                                   stats["fixtures"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
