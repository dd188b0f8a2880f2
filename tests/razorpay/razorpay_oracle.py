#!/usr/bin/env python3
"""Cross-checks erplink's Razorpay verification against independent HMAC-SHA256 peers.

1,200 random webhook cases (fixed seed): bodies binary (NUL bytes included) and UTF-8 JSON
(non-ASCII such as the rupee sign), empty to 70 KB; secrets of 1 to 200 bytes (random
non-NUL bytes or dashboard-like ASCII); 1 to 4 secrets per case (rotation) with the signing
secret at a random index. Each is checked three ways: Python's hmac signature must verify
(with the right matched index), the same signature with one hex digit changed must give
ERPLINK_ESIGNATURE, and the signature upper-cased must give ERPLINK_EINVAL. 300 random
payment / subscription / payment link cases likewise. 100 cases with ASCII secrets are
signed with `openssl dgst -sha256 -hmac` instead of Python. Prints TAP."""
import hashlib
import hmac
import random
import re
import shutil
import subprocess
import sys

ESIGNATURE = -120
EINVAL = -1
rng = random.Random(20261121)

def rand_bytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))

def rand_secret():
    n = rng.choice([1, 8, 20, 24, 32, 63, 64, 65, 100, 200])
    if rng.random() < 0.5:
        return bytes(rng.randint(1, 255) for _ in range(n))  # no NUL: secrets are C strings
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(n)).encode()

def rand_body(i):
    n = rng.choice([0, 1, 63, 64, 65, 1000, 1024, rng.randint(0, 6000), 70000])
    if i % 2:
        return rand_bytes(n)
    note = "".join(rng.choice(["a", "\u20b9", "\u00e9", "\U0001F600", " ", "\"", "\\"]) for _ in range(n // 8))
    return ('{"entity":"event","event":"payment.captured","payload":{"payment":{"entity":{"amount":%d,'
            '"currency":"INR","notes":{"n":%s}}}}}' % (rng.randint(0, 10**12), repr(note))).encode("utf-8")

def rand_id(prefix):
    return (prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))).encode()

def hx(b):
    return b.hex() if b else "-"

def flip(sig):
    i = rng.randrange(64)
    c = sig[i]
    return sig[:i] + ("0" if c != "0" else "1") + sig[i + 1:]

def main():
    tool = sys.argv[1]
    cases = []  # (line_fields, kind, nsecrets, matched_index, message, secrets)
    for i in range(1200):
        ns = rng.choice([1, 1, 1, 2, 3, 4])
        secrets = [rand_secret() for _ in range(ns)]
        while len(set(secrets)) != ns:
            secrets = [rand_secret() for _ in range(ns)]
        k = rng.randrange(ns)
        body = rand_body(i)
        cases.append(("webhook", secrets, k, [body], body))
    for i in range(300):
        ns = rng.choice([1, 1, 2])
        secrets = [rand_secret() for _ in range(ns)]
        while len(set(secrets)) != ns:
            secrets = [rand_secret() for _ in range(ns)]
        k = rng.randrange(ns)
        kind = ["payment", "subscription", "payment_link"][i % 3]
        if kind == "payment":
            fields = [rand_id("order_"), rand_id("pay_")]
        elif kind == "subscription":
            fields = [rand_id("pay_"), rand_id("sub_")]
        else:
            ref = rng.choice([b"", b"TS1989", "r\u20b9f|x".encode()])
            fields = [rand_id("plink_"), ref, rng.choice([b"paid", b"partially_paid"]), rand_id("pay_")]
        cases.append((kind, secrets, k, fields, b"|".join(fields)))

    lines = []
    expect = []
    for kind, secrets, k, fields, msg in cases:
        sig = hmac.new(secrets[k], msg, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(sig, hmac.new(secrets[k], msg, hashlib.sha256).hexdigest())
        sec = ",".join(s.hex() for s in secrets)
        f = " ".join(hx(x) for x in fields)
        one_ok = kind == "webhook" or len(secrets) == 1
        for variant, s, rc in (("good", sig, 0), ("flipped", flip(sig), ESIGNATURE), ("upper", sig.upper(), EINVAL)):
            if variant == "upper" and sig.upper() == sig:
                continue
            lines.append(f"{kind} {s} {sec} {f}")
            exp_one = str(rc) if one_ok else "na"
            expect.append((variant, kind, f"{exp_one} {rc} {k if rc == 0 else -1}"))

    # openssl as a second oracle: 100 webhook cases with ASCII secrets
    openssl = shutil.which("openssl")
    n_ossl = 0
    if openssl:
        for i in range(100):
            secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.choice([6, 24, 40, 80])))
            body = rand_body(i)
            r = subprocess.run([openssl, "dgst", "-sha256", "-hmac", secret], input=body, capture_output=True, timeout=30)
            m = re.search(rb"= ([0-9a-f]{64})", r.stdout)
            if not m:
                print(f"# openssl failed: {r.stderr!r}")
                continue
            n_ossl += 1
            lines.append(f"webhook {m.group(1).decode()} {secret.encode().hex()} {hx(body)}")
            expect.append(("openssl", "webhook", "0 0 0"))

    out = subprocess.run([tool], input=("\n".join(lines) + "\n").encode(), capture_output=True, timeout=600)
    got = out.stdout.decode().splitlines()
    print("1..4")
    if out.returncode != 0 or len(got) != len(expect):
        print(f"# tool exit {out.returncode}, {len(got)} lines for {len(expect)} cases: {out.stderr[:500]!r}")
    bad = {"good": 0, "flipped": 0, "upper": 0, "openssl": 0}
    count = {"good": 0, "flipped": 0, "upper": 0, "openssl": 0}
    for i, (variant, kind, e) in enumerate(expect):
        count[variant] += 1
        g = got[i] if i < len(got) else "<missing>"
        if g != e:
            bad[variant] += 1
            if bad[variant] <= 5:
                print(f"# case {i} ({variant} {kind}): expected '{e}', got '{g}'")
    print(("ok" if bad["good"] == 0 and count["good"] >= 1500 else "not ok") +
          f" 1 - {count['good']} signatures made by Python's hmac verify with the right secret index ({bad['good']} bad)")
    print(("ok" if bad["flipped"] == 0 and count["flipped"] >= 1500 else "not ok") +
          f" 2 - {count['flipped']} signatures with one changed hex digit give ESIGNATURE ({bad['flipped']} bad)")
    print(("ok" if bad["upper"] == 0 and count["upper"] >= 1500 else "not ok") +
          f" 3 - {count['upper']} upper-cased signatures give EINVAL ({bad['upper']} bad)")
    if not openssl:
        print("not ok 4 - openssl command line not found")
    else:
        print(("ok" if bad["openssl"] == 0 and n_ossl >= 100 else "not ok") +
              f" 4 - {n_ossl} signatures made by `openssl dgst -sha256 -hmac` verify ({bad['openssl']} bad)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
