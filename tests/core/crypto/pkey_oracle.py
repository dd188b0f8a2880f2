#!/usr/bin/env python3
"""Cross-checks erplink_pkey_* (RS256 and ES256 verification with keys built from JWK
parameters) against the Python package `cryptography` as the independent signer: RSA keys
(2048, 3072 and 4096 bits, e = 65537 and e = 3) and P-256 keys are generated here, at test
time, messages of random lengths signed with them, and the C helper pkey_tool must accept
every genuine signature and refuse every altered one (message, signature, another key,
truncation, algorithm/key mismatch). Unsafe or malformed keys that no honest issuer publishes
must be refused when built: e = 1 (with which a PKCS#1 signature is its own padded digest and
verifies without any private key), even or too
large exponents, even, short or prime moduli, moduli with small factors, EC points off the
curve or of the wrong size. Prints TAP."""
import random
import subprocess
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

EINVAL, ESIGNATURE = -1, -120
rng = random.Random(20260818)


def h(b):
    return b.hex() if b else "-"


def ibytes(n, size=None):
    size = size or max(1, (n.bit_length() + 7) // 8)
    return n.to_bytes(size, "big")


def rand_bytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def flip(b, i=None):
    i = rng.randrange(len(b)) if i is None else i
    return b[:i] + bytes([b[i] ^ (1 << rng.randrange(8))]) + b[i + 1:]


def main():
    tool = sys.argv[1]
    cases = []  # (line, expected kind, expected code, why)

    def add(kind, a, b, alg, data, sig, exp_kind, exp_code, why):
        cases.append((f"{kind} {h(a)} {h(b)} {alg} {h(data)} {h(sig)}", exp_kind, exp_code, why))

    # RSA: genuine signatures verify; any change is refused
    rsa_keys = [rsa.generate_private_key(65537, bits) for bits in (2048, 3072, 4096)] + \
               [rsa.generate_private_key(3, 2048)]
    for k in rsa_keys:
        pub = k.public_key().public_numbers()
        n, e = ibytes(pub.n), ibytes(pub.e)
        other = rsa_keys[(rsa_keys.index(k) + 1) % len(rsa_keys)]
        for _ in range(8):
            msg = rand_bytes(rng.choice([0, 1, 55, 64, 1000, rng.randint(0, 6000)]))
            sig = k.sign(msg, padding.PKCS1v15(), hashes.SHA256())
            add("rsa", n, e, "RS256", msg, sig, "verify", 0, "genuine RS256")
            add("rsa", b"\x00" + n, e, "RS256", msg, sig, "verify", 0, "modulus with a leading zero byte")
            if msg:
                add("rsa", n, e, "RS256", flip(msg), sig, "verify", ESIGNATURE, "altered message")
            add("rsa", n, e, "RS256", msg + b"x", sig, "verify", ESIGNATURE, "extended message")
            add("rsa", n, e, "RS256", msg, flip(sig), "verify", ESIGNATURE, "altered signature")
            add("rsa", n, e, "RS256", msg, sig[:-1], "verify", ESIGNATURE, "truncated signature")
            add("rsa", n, e, "RS256", msg, b"", "verify", ESIGNATURE, "empty signature")
            add("rsa", n, e, "ES256", msg, sig[:64], "verify", EINVAL, "ES256 on an RSA key")
            osig = other.sign(msg, padding.PKCS1v15(), hashes.SHA256())
            add("rsa", n, e, "RS256", msg, osig, "verify", ESIGNATURE, "signed by another key")
            # a PSS signature is not PKCS#1 v1.5
            pss = k.sign(msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
            add("rsa", n, e, "RS256", msg, pss, "verify", ESIGNATURE, "PSS is not RS256")

    # EC P-256: genuine (r || s) signatures verify; DER, altered or truncated ones do not
    ec_keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(4)]
    for k in ec_keys:
        pub = k.public_key().public_numbers()
        x, y = ibytes(pub.x, 32), ibytes(pub.y, 32)
        other = ec_keys[(ec_keys.index(k) + 1) % len(ec_keys)]
        for _ in range(8):
            msg = rand_bytes(rng.choice([0, 1, 32, 1000, rng.randint(0, 6000)]))
            der = k.sign(msg, ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            raw = ibytes(r, 32) + ibytes(s, 32)
            add("ec", x, y, "ES256", msg, raw, "verify", 0, "genuine ES256")
            if msg:
                add("ec", x, y, "ES256", flip(msg), raw, "verify", ESIGNATURE, "altered message")
            add("ec", x, y, "ES256", msg, flip(raw), "verify", ESIGNATURE, "altered signature")
            add("ec", x, y, "ES256", msg, raw[:63], "verify", ESIGNATURE, "63-byte signature")
            add("ec", x, y, "ES256", msg, der, "verify", ESIGNATURE, "DER instead of r || s")
            add("ec", x, y, "ES256", msg, b"\x00" * 64, "verify", ESIGNATURE, "r = s = 0")
            add("ec", x, y, "RS256", msg, raw, "verify", EINVAL, "RS256 on an EC key")
            od = other.sign(msg, ec.ECDSA(hashes.SHA256()))
            orr, oss = decode_dss_signature(od)
            add("ec", x, y, "ES256", msg, ibytes(orr, 32) + ibytes(oss, 32), "verify", ESIGNATURE, "another key")
        add("ec", x, y[:31], "ES256", b"m", b"\x01" * 64, "key", EINVAL, "31-byte y")
        add("ec", b"\x00" + x, y, "ES256", b"m", b"\x01" * 64, "key", EINVAL, "33-byte x")
        add("ec", x, ibytes((pub.y + 1) % (2**256), 32), "ES256", b"m", b"\x01" * 64, "key", EINVAL, "y + 1: off the curve")
    p256 = 2**256 - 2**224 + 2**192 + 2**96 - 1
    add("ec", ibytes(1, 32), ibytes(1, 32), "ES256", b"m", b"\x01" * 64, "key", EINVAL, "(1, 1) is not on P-256")
    add("ec", ibytes(p256, 32), ibytes(1, 32), "ES256", b"m", b"\x01" * 64, "key", EINVAL, "x = p")
    add("ec", b"\x00" * 32, b"\x00" * 32, "ES256", b"m", b"\x01" * 64, "key", EINVAL, "the point at infinity")

    # RSA keys no honest issuer publishes
    good = rsa_keys[0].public_key().public_numbers()
    all_ones = 2**2048 - 1                      # 3 * 5 * 17 * 257 * ...: small factors
    mersenne = 2**2203 - 1                      # prime: not an RSA modulus
    small = rsa.generate_private_key(65537, 1024).public_key().public_numbers().n
    unsafe = [
        (good.n, 1, "invalid RSA public exponent", "e = 1"),
        (good.n, 0, "invalid RSA public exponent", "e = 0"),
        (good.n, 2, "invalid RSA public exponent", "e = 2"),
        (good.n, 65536, "invalid RSA public exponent", "even e"),
        (good.n, good.n + 2, "invalid RSA public exponent", "e > n"),
        (good.n, good.n, "invalid RSA public exponent", "e = n"),
        (good.n - 1, 65537, "modulus is even", "even n"),
        (small, 65537, "1024 bits", "1024-bit n"),
        (2**16385 - 1, 65537, "bits", "16385-bit n"),
        (all_ones, 65537, "public-key check refuses", "n with small factors"),
        (all_ones, 3, "public-key check refuses", "n with small factors, e = 3"),
        (mersenne, 65537, "public-key check refuses", "prime n"),
    ]
    expect_msg = {}
    for n, e, msg, why in unsafe:
        expect_msg[len(cases)] = msg
        add("rsa", ibytes(n), ibytes(e) if e else b"\x00", "RS256", b"m", b"\x01" * 256, "key", EINVAL, why)
    add("rsa", b"", ibytes(65537), "RS256", b"m", b"\x01", "key", EINVAL, "empty n")
    add("rsa", ibytes(good.n), b"", "RS256", b"m", b"\x01", "key", EINVAL, "empty e")

    # e = 1: the padded digest of a message is its own "signature" (no private key involved)
    forged_msg = b'{"alg":"RS256"}.{"sub":"CHARACTER:EVE:1"}'
    digest = hashes.Hash(hashes.SHA256())
    digest.update(forged_msg)
    di = bytes.fromhex("3031300d060960864801650304020105000420") + digest.finalize()
    em = b"\x00\x01" + b"\xff" * (256 - len(di) - 3) + b"\x00" + di
    expect_msg[len(cases)] = "invalid RSA public exponent"
    add("rsa", ibytes(all_ones), b"\x01", "RS256", forged_msg, em, "key", EINVAL, "e = 1 forgery")

    out = subprocess.run([tool], input="".join(c[0] + "\n" for c in cases).encode(), capture_output=True,
                         timeout=600, check=True).stdout.decode().splitlines()
    print("1..3")
    bad = []
    if len(out) != len(cases):
        bad.append(f"expected {len(cases)} lines, got {len(out)}")
    for i, ((_, kind, code, why), line) in enumerate(zip(cases, out)):
        parts = line.split(" ", 2)
        if len(parts) < 2 or parts[0] != kind or int(parts[1]) != code:
            bad.append(f"case {i} ({why}): expected '{kind} {code}', got '{line[:160]}'")
        elif i in expect_msg and (len(parts) < 3 or expect_msg[i] not in parts[2]):
            bad.append(f"case {i} ({why}): message lacks '{expect_msg[i]}': '{line[:160]}'")
    genuine = sum(1 for c in cases if c[2] == 0)
    refused = len(cases) - genuine
    for b in bad[:10]:
        print("# " + b)
    ok_gen = not any("genuine" in b or "leading zero" in b for b in bad)
    print(("ok" if ok_gen and len(out) == len(cases) else "not ok") +
          f" 1 - {genuine} genuine RS256/ES256 signatures from cryptography verify")
    print(("ok" if not bad else "not ok") + f" 2 - {refused} altered signatures and unsafe keys refused with the right code")
    # the oracle itself: cryptography verifies what erplink accepts, and refuses the altered ones
    k = ec_keys[0]
    der = k.sign(b"x", ec.ECDSA(hashes.SHA256()))
    try:
        k.public_key().verify(der, b"y", ec.ECDSA(hashes.SHA256()))
        oracle_ok = False
    except InvalidSignature:
        oracle_ok = True
    print(("ok" if oracle_ok else "not ok") + " 3 - the oracle refuses an altered message (self-check)")
    return 0 if not bad and oracle_ok else 1


if __name__ == "__main__":
    sys.exit(main())
