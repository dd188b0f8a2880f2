'use strict';
// erplink.cartona in Node against the Cartona simulator (tests/servers/cartona_sim.py): listing,
// bulk updates with per-item outcomes, orders, syncOrders with an async importFn, status and
// detail updates, StatusMap and the vocabularies (tests/vectors/cartona_status_map.json), errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const { cartona } = erplink;
const { start, CARTONA_TOKEN } = require('./node_servers');
const { memory, assertNoGrowth } = require('./node_mem');

let sim;
test.before(async () => { sim = await start('cartona_sim.py', '--token', CARTONA_TOKEN); });
test.after(async () => { if (sim) await sim.stop(); });
const get = async (p) => (await fetch(sim.url + p)).json();
const post = async (p, data) => {
  const r = await fetch(sim.url + p, { method: 'POST', body: JSON.stringify(data), headers: { 'content-type': 'application/json' } });
  const t = await r.text();
  return t ? JSON.parse(t) : null;
};
const reset = () => post('/_control/reset', {});
const client = (opts = {}) => new cartona.Client({ token: CARTONA_TOKEN, baseUrl: `${sim.url}/api/v1/`, backoffMs: 0,
  maxAttempts: 2, ...opts });

const ORDERS = [
  { hashed_id: 'o1', status: 'pending', total_price: '100', retailer: { retailer_name: 'A' },
    order_details: [{ id: 11, amount: 2, selling_price: '7.5', product_name: 'tea' }] },
  { hashed_id: 'o2', status: 'pending', installment_cost: 30, order_details: [] },
  { hashed_id: 'o3', status: 'approved', wallet_top_up: '5' },
];

test('testConnection and listProducts', async () => {
  await reset();
  const c = client();
  await c.testConnection();
  await c.updateProducts([{ supplier_product_id: 'p1', selling_price: 3.5 }]);
  const lst = await c.listProducts({ page: 1, perPage: 10 });
  assert.ok(lst !== null && typeof lst === 'object');
  assert.notEqual(await c.listProducts({ supplierProductId: 'p1' }), null);
  c.close();
});

test('bulk update: per-item outcomes in input order, counts, batches', async () => {
  await reset();
  const items = Array.from({ length: 7 }, (_, i) => ({ supplier_product_id: `p${i}`, selling_price: 1 + i,
    available_stock_quantity: i }));
  items.push({ supplier_product_id: 'unknown-1', selling_price: 1.0 });
  items.push({ selling_price: 2.0 });
  const c = client({ batchSize: 3, supplierCode: 1 });
  const r = await c.updateProducts(items);
  assert.deepEqual(r.outcomes.map((o) => o.index), [...items.keys()]);
  assert.deepEqual(r.counts, { updated: 7, rejected: 1, rejected_locally: 1, not_sent: 0 });
  assert.equal(r.updated, 7);
  assert.equal(r.batches, 3);
  assert.ok(r.attempts >= 3);
  const bad = r.outcomes[7];
  assert.equal(bad.status, 'rejected');
  assert.match(bad.message, /not found/);
  assert.ok(bad.error instanceof erplink.ValidationError);
  assert.equal(bad.errorCategory, 'validation');
  assert.equal(bad.httpStatus, 200);
  assert.equal(bad.retryable, false);
  const local = r.outcomes[8];
  assert.equal(local.status, 'rejected_locally');
  assert.equal(local.httpStatus, 0);
  assert.ok(local.error instanceof erplink.ErplinkError);
  assert.ok(r.outcomes[0].ok && r.outcomes[0].error === null && r.outcomes[0].message === null);
  assert.deepEqual(r.failed.map((o) => o.status), ['rejected', 'rejected_locally']);
  const products = (await get('/_control/state')).products;
  assert.equal(Object.values(products).find((p) => p.supplier_product_id === 'p3').supplier_code, 1);
  c.close();
});

test('base products and stock; a 503 makes items not_sent (retryable)', async () => {
  await reset();
  const c = client();
  let r = await c.updateBaseProducts([{ base_product_id: 'b1', unit: 'box', unit_count: 6, selling_price: 9 }]);
  assert.equal(r.counts.updated, 1);
  r = await c.updateStock([{ base_product_id: 'b1', available_stock_quantity: 12 }, { base_product_id: 'b2' }]);
  assert.deepEqual(r.outcomes.map((o) => o.status), ['updated', 'rejected_locally']);
  assert.equal((await c.updateStock([])).counts.updated, 0);
  await post('/_control/faults', { rate: 1.0, kinds: ['503'], path_prefix: 'supplier-product/bulk' });
  r = await c.updateProducts([{ supplier_product_id: 'p1', selling_price: 1 }]);
  const o = r.outcomes[0];
  assert.equal(o.status, 'not_sent');
  assert.equal(o.httpStatus, 503);
  assert.ok(o.error instanceof erplink.ServerError && o.retryable);
  c.close();
});

test('orders: pull, parse, accessors', async () => {
  await reset();
  await post('/_control/orders', ORDERS);
  const c = client();
  const orders = await c.pullOrders({ page: 1, perPage: 50 });
  c.close();
  assert.deepEqual(orders.map((o) => o.hashedId), ['o1', 'o2', 'o3']);
  const o1 = orders[0];
  assert.equal(o1.status, 'pending');
  assert.equal(o1.number('total_price'), 100);
  assert.equal(o1.text('total_price'), '100');
  assert.equal(o1.retailerText('retailer_name'), 'A');
  assert.equal(o1.text('nope'), null);
  assert.deepEqual(orders.map((o) => o.paymentMethod), ['standard', 'instalment', 'wallet_top_up']);
  assert.deepEqual(o1.raw.retailer, { retailer_name: 'A' });
  const ln = o1.lines[0];
  assert.deepEqual([ln.quantity, ln.unitPrice, ln.text('product_name'), ln.raw.id, ln.number('selling_price')],
    [2, 7.5, 'tea', 11, 7.5]);
  assert.throws(() => o1.number('retailer'), erplink.InvalidArgumentError);
  assert.equal(cartona.parseOrders('[{"hashed_id": "x", "status": "pending"}]')[0].hashedId, 'x');
  assert.equal(cartona.parseOrders({ orders: [{ hashed_id: 5, status: 'pending' }] })[0].hashedId, '5');
  assert.throws(() => cartona.parseOrders('[{"status": "pending"}]'), erplink.ProtocolError);
  assert.throws(() => cartona.parseOrders('not json'), erplink.ProtocolError);
});

test('syncOrders: an async importFn; a rejection marks that order failed and not acknowledged', async () => {
  await reset();
  await post('/_control/orders', ORDERS);
  const c = client();
  const imported = [];
  const rep = await c.syncOrders(async (order) => {
    await new Promise((r) => setTimeout(r, 5));
    if (order.hashedId === 'o2') throw new RangeError('no such customer');
    imported.push(order.hashedId);
  }, { maxPages: 5, perPage: 2 });
  assert.deepEqual(imported, ['o1', 'o3']);
  assert.deepEqual(rep.counts, { acked: 2, import_failed: 1, ack_failed: 0, unmarked: 0 });
  assert.ok(rep.pages >= 2 && rep.entries.length === 3);
  const failed = rep.entries.filter((e) => e.outcome === 'import_failed');
  assert.equal(failed[0].hashedId, 'o2');
  assert.match(failed[0].message, /no such customer/);
  assert.ok(failed[0].error instanceof RangeError);
  assert.deepEqual((await get('/_control/state')).queue, ['o2']);
  const rep2 = await c.syncOrders(() => Promise.resolve());
  assert.equal(rep2.counts.acked, 1);
  assert.deepEqual((await get('/_control/state')).queue, []);
  c.close();
});

test('syncOrders: a failed pull rejects with the report', async () => {
  await reset();
  await post('/_control/orders', ORDERS);
  await post('/_control/faults', { rate: 1.0, kinds: ['500'], path_prefix: 'order/pull' });
  const c = client();
  await assert.rejects(c.syncOrders(async () => {}), (e) => e instanceof erplink.ServerError && e.report.counts.acked === 0);
  c.close();
});

test('status and detail updates', async () => {
  await reset();
  await post('/_control/orders', ORDERS);
  const c = client();
  await c.ackOrders(['o1']);
  await c.updateOrderStatuses([{ hashed_id: 'o2', status: 'approved' }]);
  await c.updateOrderStatus('o3', 'cancelled_by_supplier', { cancellationReason: 'out_of_stock' });
  await assert.rejects(c.updateOrderStatuses([{ hashed_id: 'o2', status: 'no_such_status' }]), erplink.ValidationError);
  await assert.rejects(c.updateOrderStatus('o2', 'delivered', { cancellationReason: 'because' }), erplink.ValidationError);
  await assert.rejects(c.updateOrderStatus('missing', 'approved'), erplink.NotFoundError);
  const ch = new cartona.OrderChanges('o1').setQuantity('11', 3).addLine(1, 2.5, { supplierProductId: 'p9' }).cancelLine('11');
  await c.updateOrderDetails(ch);
  await assert.rejects(c.updateOrderDetails(new cartona.OrderChanges('o1')), erplink.InvalidArgumentError);
  await assert.rejects(c.updateOrderDetails(new cartona.OrderChanges('o1').addLine(1, -1, { supplierProductId: 'x' })),
    erplink.InvalidArgumentError);
  await assert.rejects(c.updateOrderDetails({}), erplink.InvalidArgumentError);
  const st = await get('/_control/state');
  assert.equal(st.orders.o2.status, 'approved');
  assert.equal(st.orders.o3.status, 'cancelled_by_supplier');
  c.close();
});

test('errors: AuthError (no token in the message), NetworkError, invalid arguments, closed client', async () => {
  await reset();
  const c = new cartona.Client({ token: 'wrong-token', baseUrl: `${sim.url}/api/v1/`, backoffMs: 0 });
  await assert.rejects(c.testConnection(), (e) => e instanceof erplink.AuthError && e.httpStatus === 401 &&
    !e.message.includes('wrong-token'));
  const r = await c.updateProducts([{ supplier_product_id: 'p1', selling_price: 1 }]);
  assert.ok(['rejected', 'not_sent'].includes(r.outcomes[0].status) && r.outcomes[0].error instanceof erplink.AuthError);
  c.close();
  await assert.rejects(c.testConnection(), erplink.InvalidArgumentError);
  const n = new cartona.Client({ token: CARTONA_TOKEN, baseUrl: 'http://127.0.0.1:9/api/v1/', maxAttempts: 1 });
  await assert.rejects(n.pullOrders(), erplink.NetworkError);
  n.close();
  assert.throws(() => new cartona.Client({ token: '', baseUrl: `${sim.url}/api/v1/` }), erplink.InvalidArgumentError);
  assert.throws(() => new cartona.Client({ token: 't', baseUrl: 'ftp://x' }), erplink.InvalidArgumentError);
  const a = new cartona.Client({ token: 't', baseUrl: `${sim.url}/api/v1/` });
  await assert.rejects(a.testConnection({ signal: AbortSignal.abort() }), erplink.CancelledError);
  a.close();
});

test('StatusMap and the vocabularies: tests/vectors/cartona_status_map.json', () => {
  const V = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'cartona_status_map.json'), 'utf8'));
  const m = new cartona.StatusMap();
  for (const [dir, fn] of [['outbound', (k) => m.toCartona(k)], ['inbound', (k) => m.toOdoo(k)]]) {
    for (const [k, want] of Object.entries(V[dir])) {
      if (want === null) assert.throws(() => fn(k), erplink.ValidationError, `${dir} ${k}`);
      else assert.equal(fn(k), want, `${dir} ${k}`);
    }
  }
  assert.deepEqual(Object.fromEntries(Object.keys(V.settable).map((k) => [k, cartona.statusSettable(k)])), V.settable);
  assert.deepEqual(Object.fromEntries(Object.keys(V.cancellation_reasons).map((k) => [k, cartona.cancellationReasonValid(k)])),
    V.cancellation_reasons);
  const e = new cartona.StatusMap(false);
  assert.throws(() => e.toCartona('sale'), erplink.ValidationError);
  e.setOutbound('sale', 'approved');
  assert.equal(e.toCartona('sale'), 'approved');
  e.setInbound('approved', 'sale');
  assert.equal(e.toOdoo('approved'), 'sale');
  assert.equal(cartona.unitValid('box'), true);
  assert.equal(cartona.unitValid('no-such-unit'), false);
});

test('cartona calls do not leak', async () => {
  await reset();
  const c = client({ batchSize: 50 });
  const items = Array.from({ length: 100 }, (_, i) => ({ supplier_product_id: `p${i}`, selling_price: 1,
    description: 'x'.repeat(500) }));
  const round = async () => {
    await c.updateProducts(items);
    cartona.parseOrders(JSON.stringify(ORDERS));
    await assert.rejects(c.updateOrderStatus('missing', 'approved'), erplink.NotFoundError);
  };
  for (let i = 0; i < 20; i++) await round();
  const before = memory();
  for (let i = 0; i < 150; i++) await round();
  assertNoGrowth(assert, before, 32 * 1024 * 1024);
  c.close();
});

test('bulk progress: called on the main thread after each batch, before the Promise settles; a throw stops and rejects', async () => {
  await reset();
  const items = Array.from({ length: 9 }, (_, i) => ({ supplier_product_id: `p${i}`, selling_price: 1 }));
  const c = client({ batchSize: 3, concurrency: 1 });
  const calls = [];
  const r = await c.updateProducts(items, { progress: (done, total) => calls.push([done, total]) });
  assert.equal(r.updated, 9);
  assert.deepEqual(calls, [[3, 9], [6, 9], [9, 9]]);
  const one = Array.from({ length: 10 }, (_, i) => ({ supplier_product_id: `q${i}`, selling_price: 1 }));
  const b = client({ batchSize: 1, concurrency: 1 });
  class Boom extends Error {}
  await assert.rejects(b.updateProducts(one, { progress: (done) => { throw new Boom(`stop at ${done}`); } }),
    (e) => e instanceof Boom && e.message === 'stop at 1');
  assert.equal((await b.updateProducts(one.slice(0, 1))).updated, 1); // the client still works
  const state = await get('/_control/state');
  assert.ok(Object.values(state.products).filter((p) => String(p.supplier_product_id).startsWith('q')).length < 10);
  await assert.rejects(b.updateProducts(one, { progress: 5 }), erplink.InvalidArgumentError);
  b.close();
  c.close();
});
