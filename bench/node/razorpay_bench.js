'use strict';
// Driver of bench/run node_razorpay_verify (see node_razorpay_verify.sh).
const crypto = require('crypto');
const path = require('path');

const { razorpay } = require(process.env.ERPLINK_NODE_MODULE);
const Razorpay = require(path.join(process.argv[2], 'razorpay'));

const SECRET = 'whsec_bench_0123456789abcdef';
const ev = { entity: 'event', account_id: 'acc_BFQ7uQEaa7j2z7', event: 'payment.captured', contains: ['payment'],
  payload: { payment: { entity: { id: 'pay_DESlfW9H8K9uqM', entity: 'payment', amount: 50000, currency: 'INR',
    status: 'captured', order_id: 'order_DESlLckIVRkHWj', method: 'upi', email: 'gaurav.kumar@example.com',
    contact: '+919876543210', notes: { note: '\u20b9 500' } } } }, created_at: 1567674606 };
let s = JSON.stringify(ev);
s = s.slice(0, -1) + ',"pad":"' + 'x'.repeat(1024 - Buffer.byteLength(s) - 9) + '"}';
const BODY_STR = s;
const BODY = Buffer.from(s);
if (BODY.length !== 1024) throw new Error(`body is ${BODY.length} bytes`);
const SIG = crypto.createHmac('sha256', SECRET).update(BODY).digest('hex');
const SIG_BUF = Buffer.from(SIG, 'hex');

const verifier = new razorpay.Verifier(SECRET);
const impls = {
  erplink: () => verifier.verifyWebhook(BODY_STR, SIG),
  erplink_buffer: () => verifier.verifyWebhook(BODY, SIG),
  erplink_oneshot: () => razorpay.verifyWebhook(BODY_STR, SIG, SECRET),
  razorpay_sdk: () => {
    if (!Razorpay.validateWebhookSignature(BODY_STR, SIG, SECRET)) throw new Error('sdk: no match');
  },
  node_crypto: () => {
    if (!crypto.timingSafeEqual(crypto.createHmac('sha256', SECRET).update(BODY).digest(), SIG_BUF)) {
      throw new Error('crypto: no match');
    }
  },
};
// every implementation must reject a wrong signature (so that nothing is timed that does not verify)
const BAD = SIG.slice(0, -1) + (SIG.endsWith('0') ? '1' : '0');
try { verifier.verifyWebhook(BODY, BAD); throw new Error('erplink accepted a bad signature'); } catch (e) {
  if (!(e instanceof Error) || e.name !== 'SignatureError') throw e;
}
if (Razorpay.validateWebhookSignature(BODY_STR, BAD, SECRET)) throw new Error('sdk accepted a bad signature');

function round(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  do {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (el < 1);
  return n / el;
}

const best = Object.fromEntries(Object.keys(impls).map((k) => [k, 0]));
for (const k of Object.keys(impls)) round(impls[k]); // warm-up
for (let r = 0; r < 5; r++) {
  for (const [k, fn] of Object.entries(impls)) best[k] = Math.max(best[k], round(fn));
}
console.log(`node_razorpay_verify (1 KB body, Node ${process.version}), best of 5 one-second rounds, calls/s:`);
for (const [k, v] of Object.entries(best)) console.log(`  ${k.padEnd(16)} ${v.toFixed(0).padStart(10)}`);
const out = { bench: 'node_razorpay_verify', unit: 'calls/s', node: process.version };
for (const [k, v] of Object.entries(best)) out[k] = Math.round(v);
out.ratio_vs_razorpay_sdk = +(best.erplink / best.razorpay_sdk).toFixed(2);
out.ratio_buffer_vs_razorpay_sdk = +(best.erplink_buffer / best.razorpay_sdk).toFixed(2);
out.ratio_vs_node_crypto = +(best.erplink_buffer / best.node_crypto).toFixed(2);
out.target_ratio_vs_razorpay_sdk = 2;
console.log(JSON.stringify(out));
