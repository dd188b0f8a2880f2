#!/usr/bin/env bash
# bench/run py_razorpay_verify: Razorpay webhook verification of a 1 KB body from Python, in calls/s:
#   erplink:      erplink.razorpay.Verifier(secret).verify_webhook(body, signature) (keyed once);
#   erplink_oneshot: erplink.razorpay.verify_webhook(body, signature, secret);
#   python_hmac:  hmac.compare_digest(hmac.new(secret, body, sha256).hexdigest(), signature);
#   razorpay_sdk: razorpay.Utility(None).verify_webhook_signature(body_str, signature, secret) (PyPI SDK).
# Alternating rounds, best of 5 one-second rounds each, same process. Last line: one JSON object.
PEERS="razorpay==2.0.1"
PEERS_TAG=razorpay
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec env PYTHONPATH="$PYBENCH_PATH" "$python" "$here/py_razorpay_bench.py"
