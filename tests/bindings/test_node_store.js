'use strict';
// erplink.store in Node: Store, Dedup (memory and SQLite) with the shared vectors of
// tests/vectors/store.json (the same results as C and Python), BlobCache, errors, lifetimes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const { memory, assertNoGrowth } = require('./node_mem');
const { runDedupVector, runOutboxVector, outboxPolicy } = require('./node_store_vectors');
const { store } = erplink;
const STORE = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'store.json'), 'utf8'));
const T0 = STORE.t0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'erplink-node-store-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = () => path.join(tmp, `s${n++}.db`);

for (const kind of ['memory', 'sqlite']) {
  for (const c of STORE.dedup) {
    test(`dedup vector ${c.name} (${kind})`, async () => {
      let st = null;
      let d;
      if (kind === 'memory') d = new store.Dedup({ capacity: c.capacity, ttlMs: c.ttl_ms });
      else {
        st = await store.Store.open(file());
        d = new store.Dedup({ store: st, name: 'events', capacity: c.capacity, ttlMs: c.ttl_ms });
      }
      await runDedupVector(erplink, d, c, T0);
      d.close();
      if (st) st.close();
    });
  }
}

test('Store: open, path, check, errors', async () => {
  const f = file();
  const st = await store.Store.open(f, { sync: 'full', busyTimeoutMs: 1000, maxConnections: 2 });
  assert.equal(st.path, f);
  await st.check();
  st.close();
  assert.throws(() => st.path, erplink.InvalidArgumentError);
  st.close(); // idempotent
  await assert.rejects(store.Store.open(path.join(tmp, 'none.db'), { create: false }), erplink.NotFoundError);
  await assert.rejects(store.Store.open(path.join(tmp, 'no', 'dir', 'x.db')), erplink.StoreError);
  await assert.rejects(store.Store.open(f, { sync: 'sometimes' }), erplink.InvalidArgumentError);
  fs.writeFileSync(path.join(tmp, 'junk.db'), Buffer.alloc(8192, 7));
  await assert.rejects(store.Store.open(path.join(tmp, 'junk.db')), erplink.StoreError);
  assert.throws(() => new store.Store(), erplink.InvalidArgumentError);
});

test('Dedup: argument errors', async () => {
  assert.throws(() => new store.Dedup({ capacity: 10 }), erplink.InvalidArgumentError); // no ttl
  assert.throws(() => new store.Dedup({ capacity: -1, ttlMs: 1 }), erplink.InvalidArgumentError);
  assert.throws(() => new store.Dedup({ store: {}, name: 'x', ttlMs: 1 }), erplink.InvalidArgumentError);
  const d = new store.Dedup({ ttlMs: 1000 });
  await assert.rejects(d.seen(''), erplink.InvalidArgumentError);
  await assert.rejects(d.seen(42), erplink.InvalidArgumentError);
  await assert.rejects(d.seen('x'.repeat(2000)), erplink.InvalidArgumentError);
  d.close();
  await assert.rejects(d.seen('a'), erplink.InvalidArgumentError); // closed
});

test('a store closed while a dedup uses it stays open until the dedup is closed', async () => {
  const f = file();
  const st = await store.Store.open(f);
  const d = new store.Dedup({ store: st, name: 'e', ttlMs: 60000 });
  st.close();
  assert.equal(await d.seen('a'), false);
  assert.equal(await d.seen('a'), true);
  d.close();
  const st2 = await store.Store.open(f);
  const d2 = new store.Dedup({ store: st2, name: 'e', ttlMs: 60000 });
  assert.equal(await d2.seen('a'), true); // it was written to the file
  d2.close();
  st2.close();
});

test('close() while calls are in flight waits for them', async () => {
  const d = new store.Dedup({ ttlMs: 60000 });
  const calls = Array.from({ length: 50 }, (_, i) => d.seen(`id${i}`));
  d.close();
  assert.deepEqual(await Promise.all(calls), Array(50).fill(false));
  await assert.rejects(d.seen('late'), erplink.InvalidArgumentError);
});

test('BlobCache: put/get/remove/evict/size, bodies of every kind', async () => {
  const st = await store.Store.open(file());
  const c = new store.BlobCache(st, 'pages', 1 << 20);
  await c.put('a', 'h\u00e9llo');
  await c.put('b', Buffer.from([0, 1, 2, 255]));
  await c.put('c', new Uint8Array([9, 9]));
  assert.deepEqual(await c.get('a'), Buffer.from('h\u00e9llo'));
  assert.deepEqual(await c.get('b'), Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(await c.get('c'), Buffer.from([9, 9]));
  assert.equal(await c.get('zz'), null);
  const s = await c.size();
  assert.equal(s.count, 3);
  assert.ok(s.bytes >= 6 + 4 + 2);
  assert.equal(await c.remove('c'), true);
  assert.equal(await c.remove('c'), false);
  await c.evict(0);
  assert.deepEqual(await c.size(), { bytes: 0, count: 0 });
  await assert.rejects(c.put('', 'x'), erplink.InvalidArgumentError);
  await assert.rejects(c.put('k', 5), erplink.InvalidArgumentError);
  assert.throws(() => new store.BlobCache({}, 'x', 1), erplink.InvalidArgumentError);
  c.close();
  st.close();
});

test('an aborted signal cancels before the call', async () => {
  const d = new store.Dedup({ ttlMs: 1000 });
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(d.seen('x', { signal: ac.signal }), erplink.CancelledError);
  await assert.rejects(d.seen('x', { signal: 'nope' }), erplink.InvalidArgumentError);
  assert.equal(await d.seen('x', { signal: new AbortController().signal }), false);
  d.close();
});

test('store calls do not leak', async () => {
  const st = await store.Store.open(file());
  const c = new store.BlobCache(st, 'big', 1 << 20);
  const big = Buffer.alloc(64 * 1024, 1);
  const round = async (i) => {
    const d = new store.Dedup({ ttlMs: 1000, capacity: 10 });
    await d.seen(`x${i}`);
    await assert.rejects(d.seen(''), erplink.InvalidArgumentError);
    d.close();
    await c.put(`k${i % 4}`, big);
    await c.get(`k${i % 4}`);
  };
  for (let i = 0; i < 200; i++) await round(i);
  const before = memory();
  for (let i = 0; i < 2000; i++) await round(i); // 2000 x 64 KB would leak 128 MB
  assertNoGrowth(assert, before, 48 * 1024 * 1024);
  c.close();
  st.close();
});

for (const c of STORE.outbox) {
  test(`outbox vector ${c.name} (sqlite)`, async () => {
    const st = await store.Store.open(file());
    const ob = new store.Outbox(st, 'ob', outboxPolicy(c));
    await runOutboxVector(erplink, ob, c, T0);
    ob.close();
    st.close();
  });
}

test('outbox argument errors', async () => {
  const st = await store.Store.open(file());
  const ob = new store.Outbox(st, 'ob');
  await assert.rejects(ob.enqueue('', 'x'), erplink.InvalidArgumentError);
  await assert.rejects(ob.enqueue('k', 5), erplink.InvalidArgumentError);
  await assert.rejects(ob.count('sometimes'), erplink.InvalidArgumentError);
  await assert.rejects(ob.claim(-1), erplink.InvalidArgumentError);
  await ob.enqueue('k', Buffer.from([1, 2]));
  const b = await ob.claim(10);
  assert.deepEqual(b.items[0].payload, Buffer.from([1, 2]));
  assert.throws(() => b.done(5), erplink.InvalidArgumentError);
  assert.throws(() => b.failed(0, 'bad'), erplink.InvalidArgumentError);
  b.failed(0, new erplink.ValidationError('no', { code: erplink.codes.EVALIDATION }), 'price');
  assert.equal(await b.complete(), 0);
  assert.equal(b.items[0].outcome, 'DEAD');
  b.close();
  assert.throws(() => new store.Outbox({}, 'x'), erplink.InvalidArgumentError);
  ob.close();
  st.close();
});

test('a JavaScript backend that awaits erplink calls does not starve the pool (more calls than workers)', async () => {
  // Each outer seen() holds a worker while its insertIfAbsent awaits an inner seen(), which
  // needs a worker of its own: with a fixed pool of 16, 100 such calls at once would deadlock.
  const inner = new store.Dedup({ capacity: 1000, ttlMs: 60000 });
  const calls = { insert: 0 };
  const d = store.Dedup.custom({
    async insertIfAbsent(id) { calls.insert++; return !(await inner.seen(id)); },
    remove(id) { return inner.forget(id); },
  }, { capacity: 1000, ttlMs: 60000 });
  const ids = Array.from({ length: 100 }, (_, i) => `k${i % 30}`);
  const seen = await Promise.race([
    Promise.all(ids.map((id) => d.seen(id))),
    new Promise((_, reject) => setTimeout(() => reject(new Error('deadlocked: no answer in 20 s')), 20000).unref()),
  ]);
  assert.equal(seen.filter((s) => !s).length, 30);
  assert.equal(calls.insert, 100);
  assert.equal(await d.forget('k1'), true);
  assert.equal(await d.seen('k1'), false);
  d.close();
  inner.close();
});

test('a JavaScript backend call stops waiting when its AbortSignal aborts', async () => {
  let release;
  const d = store.Dedup.custom({
    insertIfAbsent() { return new Promise((resolve) => { release = resolve; }); },
    remove() { return false; },
  }, { ttlMs: 1000 });
  const ac = new AbortController();
  const p = d.seen('slow', { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(p, erplink.CancelledError);
  release(true); // the late answer is dropped
  d.close();
});
