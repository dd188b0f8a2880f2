#!/usr/bin/env python3
"""Driver of bench/run py_razorpay_verify (see py_razorpay_verify.sh)."""
import hashlib
import hmac
import json
import sys
import time

from erplink import razorpay as erp

SECRET = "whsec_bench_0123456789abcdef"
ev = {"entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": "payment.captured", "contains": ["payment"],
      "payload": {"payment": {"entity": {"id": "pay_DESlfW9H8K9uqM", "entity": "payment", "amount": 50000,
                                         "currency": "INR", "status": "captured", "order_id": "order_DESlLckIVRkHWj",
                                         "method": "upi", "email": "gaurav.kumar@example.com",
                                         "contact": "+919876543210", "notes": {"note": "\u20b9 500"}}}},
      "created_at": 1567674606}
b = json.dumps(ev, ensure_ascii=False).encode()
BODY = b[:-1] + b',"pad":"' + b"x" * (1024 - len(b) - 9) + b'"}'
assert len(BODY) == 1024
SIG = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
KEY = SECRET.encode()
BODY_STR = BODY.decode()

verifier = erp.Verifier(SECRET)
vw = verifier.verify_webhook


def f_erplink():
    vw(BODY, SIG)


def f_oneshot():
    erp.verify_webhook(BODY, SIG, SECRET)


def f_hmac():
    if not hmac.compare_digest(hmac.new(KEY, BODY, hashlib.sha256).hexdigest(), SIG):
        raise SystemExit("hmac peer failed")


impls = {"erplink": f_erplink, "erplink_oneshot": f_oneshot, "python_hmac": f_hmac}
try:
    import razorpay
    util = razorpay.Utility(None)

    def f_sdk():
        util.verify_webhook_signature(BODY_STR, SIG, SECRET)  # raises SignatureVerificationError if wrong
    impls["razorpay_sdk"] = f_sdk
except Exception as e:  # noqa: BLE001 - reported, not fatal
    print("razorpay SDK not measured: %s" % e, file=sys.stderr)


def rate(fn):
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        for _ in range(1000):
            fn()
        n += 1000
        t = time.perf_counter()
        if t - t0 >= 1.0:
            return n / (t - t0)


best = {k: 0.0 for k in impls}
for rnd in range(5):
    for k, fn in impls.items():
        best[k] = max(best[k], rate(fn))
    print("round %d: %s" % (rnd + 1, ", ".join("%s %.0f" % (k, best[k]) for k in impls)), file=sys.stderr)
out = {"bench": "py_razorpay_verify", "unit": "calls/s (1 KB webhook)"}
out.update({k: round(v) for k, v in best.items()})
for peer in ("python_hmac", "razorpay_sdk"):
    if peer in best:
        out["ratio_vs_" + peer] = round(best["erplink"] / best[peer], 2)
print(json.dumps(out))
