'use strict';
// erplink.razorpay in Node: the shared signature vectors of tests/vectors/razorpay_signatures.json
// (the same outcomes as C and Python), every body type, secret rotation, event parsing, errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const { memory, assertNoGrowth } = require('./node_mem');
const { razorpay } = erplink;
const VECTORS = path.join(root, 'tests', 'vectors');
const SIG = JSON.parse(fs.readFileSync(path.join(VECTORS, 'razorpay_signatures.json'), 'utf8')).cases;

function outcome(fn) {
  try {
    assert.equal(fn(), 0);
    return 'OK';
  } catch (e) {
    if (!(e instanceof erplink.ErplinkError)) throw e;
    return e.codeName;
  }
}

const bodyOf = (c) => ('body' in c ? Buffer.from(c.body, 'utf8') : fs.readFileSync(path.join(VECTORS, c.body_file)));

for (const c of SIG) {
  test(`signature vector ${c.kind} ${c.expect} ${c.why || ''}`, () => {
    const { signature: sig, secret } = c;
    if (c.kind === 'webhook') {
      const body = bodyOf(c);
      const ab = body.buffer.slice(body.byteOffset, body.byteOffset + body.length);
      const views = [body, new Uint8Array(ab), ab, new DataView(ab)];
      if ('body' in c) views.push(c.body);
      for (const b of views) assert.equal(outcome(() => razorpay.verifyWebhook(b, sig, secret)), c.expect);
      assert.equal(outcome(() => razorpay.verifyWebhook(body, sig, [secret])), c.expect);
      assert.equal(outcome(() => new razorpay.Verifier(secret).verifyWebhook(body, sig)), c.expect);
    } else if (c.kind === 'payment') {
      const a = [c.order_id, c.payment_id, sig];
      assert.equal(outcome(() => razorpay.verifyPayment(...a, secret)), c.expect);
      assert.equal(outcome(() => new razorpay.Verifier([secret]).verifyPayment(...a)), c.expect);
    } else if (c.kind === 'subscription') {
      const a = [c.payment_id, c.subscription_id, sig];
      assert.equal(outcome(() => razorpay.verifySubscription(...a, secret)), c.expect);
      assert.equal(outcome(() => new razorpay.Verifier(secret).verifySubscription(...a)), c.expect);
    } else {
      const a = [c.payment_link_id, c.payment_link_reference_id, c.payment_link_status, c.payment_id, sig];
      assert.equal(outcome(() => razorpay.verifyPaymentLink(...a, secret)), c.expect);
      assert.equal(outcome(() => new razorpay.Verifier(secret).verifyPaymentLink(...a)), c.expect);
    }
  });
}

const hmac = (secret, text) => crypto.createHmac('sha256', secret).update(text).digest('hex');

test('secret rotation: the index of the secret that matched', () => {
  const body = '{"event":"payment.captured"}';
  const v = new razorpay.Verifier(['new', 'old', 'older']);
  assert.equal(v.size, 3);
  assert.equal(v.verifyWebhook(body, hmac('new', body)), 0);
  assert.equal(v.verifyWebhook(body, hmac('older', body)), 2);
  assert.equal(razorpay.verifyWebhook(body, hmac('old', body), ['new', 'old']), 1);
  assert.throws(() => v.verifyWebhook(body, hmac('other', body)), razorpay.SignatureError || erplink.SignatureError);
  assert.equal(v.verifyPayment('order_1', 'pay_1', hmac('old', 'order_1|pay_1')), 1);
  assert.equal(razorpay.verifyPayment('order_1', 'pay_1', hmac('older', 'order_1|pay_1'), ['a', 'older']), 1);
  assert.equal(v.verifySubscription('pay_1', 'sub_1', hmac('new', 'pay_1|sub_1')), 0);
  assert.equal(v.verifyPaymentLink('plink_1', '', 'paid', 'pay_1', hmac('older', 'plink_1||paid|pay_1')), 2);
  v.close();
  assert.throws(() => v.verifyWebhook(body, hmac('new', body)), erplink.InvalidArgumentError);
});

test('malformed input is InvalidArgumentError, a mismatch SignatureError; no secret in messages', () => {
  const body = Buffer.from('{}');
  const bad = [
    () => razorpay.verifyWebhook(body, 'short', 'sekrit-value'),
    () => razorpay.verifyWebhook(body, hmac('x', '{}').toUpperCase(), 'sekrit-value'),
    () => razorpay.verifyWebhook(body, hmac('x', '{}'), ''),
    () => razorpay.verifyWebhook(body, hmac('x', '{}'), []),
    () => razorpay.verifyWebhook(42, hmac('x', '{}'), 'sekrit-value'),
    () => razorpay.verifyWebhook(new Float64Array(2), hmac('x', '{}'), 'sekrit-value'),
    () => razorpay.verifyPayment('o|1', 'p', hmac('x', 'o|1|p'), 'sekrit-value'),
    () => new razorpay.Verifier(Array(65).fill('s')),
  ];
  for (const f of bad) assert.throws(f, erplink.InvalidArgumentError);
  try {
    razorpay.verifyWebhook(body, hmac('x', '{}'), 'sekrit-value');
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof erplink.SignatureError);
    assert.equal(e.code, erplink.codes.ESIGNATURE);
    assert.equal(e.category, 'signature');
    assert.ok(!e.message.includes('sekrit-value') && !e.message.includes(hmac('x', '{}')));
    assert.ok(e.stack.includes('test_node_razorpay.js'));
  }
});

test('verification is synchronous and quick', () => {
  const body = Buffer.alloc(1024, 'a');
  const v = new razorpay.Verifier('s');
  const sig = hmac('s', body);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) assert.equal(v.verifyWebhook(body, sig), 0);
  const usPer = Number(process.hrtime.bigint() - t0) / 1000 / 1000;
  assert.ok(usPer < 200, `${usPer} us per verification`);
});

const EVENT = {
  entity: 'event', account_id: 'acc_1', event: 'payment.captured', contains: ['payment'], created_at: 1700000000,
  payload: {
    payment: { entity: { id: 'pay_1', order_id: 'order_1', amount: 50000, currency: 'INR', status: 'captured',
      email: 'a@b.c', contact: '+911', method: 'upi', notes: [], fee: 10, description: 'x' } },
  },
};

test('parseEvent: fields, entities, notes [] -> {}, members by name', () => {
  for (const body of [JSON.stringify(EVENT), Buffer.from(JSON.stringify(EVENT))]) {
    const ev = razorpay.parseEvent(body, 'evt_1');
    assert.equal(ev.id, 'evt_1');
    assert.equal(ev.name, 'payment.captured');
    assert.equal(ev.accountId, 'acc_1');
    assert.equal(ev.createdAt, 1700000000);
    assert.deepEqual(ev.contains, ['payment']);
    assert.deepEqual(ev.root, EVENT);
    assert.deepEqual(ev.payload, EVENT.payload);
    const p = ev.payment;
    assert.ok(p instanceof razorpay.Entity);
    assert.deepEqual([p.id, p.orderId, p.amount, p.currency, p.status, p.email, p.contact, p.method],
      ['pay_1', 'order_1', 50000, 'INR', 'captured', 'a@b.c', '+911', 'upi']);
    assert.deepEqual(p.notes, {});
    assert.deepEqual(p.raw, EVENT.payload.payment.entity);
    assert.equal(p.string('description'), 'x');
    assert.equal(p.string('missing'), null);
    assert.equal(p.integer('fee'), 10);
    assert.equal(p.integer('missing'), null);
    assert.throws(() => p.integer('description'), erplink.ValidationError);
    assert.equal(ev.order, null);
    assert.equal(ev.entity('refund'), null);
  }
  const ev = razorpay.parseEvent(JSON.stringify({ event: 'order.paid' }));
  assert.equal(ev.id, null);
  assert.equal(ev.createdAt, null);
  assert.equal(ev.payload, null);
});

test('parseEvent errors: ProtocolError, ValidationError, InvalidArgumentError', () => {
  assert.throws(() => razorpay.parseEvent('not json'), erplink.ProtocolError);
  assert.throws(() => razorpay.parseEvent('{"no_event":1}'), erplink.ValidationError);
  assert.throws(() => razorpay.parseEvent('{"event":5}'), erplink.ValidationError);
  assert.throws(() => razorpay.parseEvent(''), erplink.InvalidArgumentError);
});

test('razorpay.Dedup: a redelivery is seen, in memory and in a store file', async () => {
  const d = new razorpay.Dedup();
  assert.equal(await d.seen('evt_1'), false);
  assert.equal(await d.seen('evt_1'), true);
  assert.equal(await d.count(), 1);
  assert.equal(await d.forget('evt_1'), true);
  assert.equal(await d.seen('evt_1'), false);
  d.close();
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'erplink-node-'));
  const file = path.join(dir, 'events.db');
  const a = new razorpay.Dedup({ path: file });
  assert.equal(await a.seen('evt_2'), false);
  a.close();
  const b = new razorpay.Dedup({ path: file }); // the same file: kept across restarts
  assert.equal(await b.seen('evt_2'), true);
  b.close();
  const st = await erplink.store.Store.open(file);
  const c = new razorpay.Dedup({ store: st, ttlMs: 1000 });
  assert.equal(await c.seen('evt_3', { nowMs: 1 }), false);
  assert.equal(await c.seen('evt_3', { nowMs: 1001 }), false); // expired
  c.close();
  st.close();
  assert.throws(() => new razorpay.Dedup({ path: file, store: st }), erplink.InvalidArgumentError);
  const bad = new razorpay.Dedup({ path: path.join(dir, 'no', 'such', 'dir.db') });
  await assert.rejects(bad.seen('x'), erplink.StoreError);
  fs.rmSync(dir, { recursive: true, force: true });
});

// Node-API runs the finalizers of collected handles from the event loop: the loop yields
// (as a server does between requests) so that they can run.
const tick = () => new Promise((r) => setImmediate(r));

test('verification and parsing do not leak', async () => {
  const body = Buffer.from(JSON.stringify(EVENT));
  const sig = hmac('s', body);
  const run = () => {
    const v = new razorpay.Verifier(['s', 't']);
    v.verifyWebhook(body, sig);
    assert.throws(() => v.verifyWebhook(body, hmac('u', body)), erplink.SignatureError);
    v.close();
    razorpay.parseEvent(body, 'e').payment.raw;
  };
  for (let i = 0; i < 2000; i++) if (run(), i % 500 === 0) await tick();
  const before = memory();
  for (let i = 0; i < 40000; i++) if (run(), i % 500 === 0) await tick();
  assertNoGrowth(assert, before, 32 * 1024 * 1024);
});
