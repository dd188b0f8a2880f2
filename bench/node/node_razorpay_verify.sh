#!/usr/bin/env bash
# bench/run node_razorpay_verify: Razorpay webhook verification of a 1 KB body from Node, in calls/s:
#   erplink:           new razorpay.Verifier(secret).verifyWebhook(body, signature), keyed once, the
#                      body as the string the SDK takes too (Next.js: await req.text());
#   erplink_buffer:    the same with the body as a Buffer (await req.arrayBuffer(): read in place);
#   erplink_oneshot:   razorpay.verifyWebhook(body, signature, secret) (keys an HMAC per call);
#   razorpay_sdk:      Razorpay.validateWebhookSignature(body, signature, secret) of the official
#                      `razorpay` npm SDK (crypto.createHmac per call, compared with ===);
#   node_crypto:       crypto.timingSafeEqual over createHmac(...).digest() (the careful hand-written way).
# Alternating rounds, best of 5 one-second rounds each, one process. Last line: one JSON object
# with ratio_vs_razorpay_sdk (target >= 2).
PEERS="razorpay@2.9.8"
PEERS_TAG=razorpay-2.9.8
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec node "$here/razorpay_bench.js" "$NODE_PEERS"
