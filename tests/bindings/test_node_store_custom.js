'use strict';
// Caller-written store backends in Node (erplink_dedup_ops / erplink_outbox_ops, written in
// JavaScript: tests/bindings/node_store_ops.js): the shared vectors of tests/vectors/store.json
// over backends answering at once and with Promises, that the object's methods are the ones
// called (with the documented arguments), optional and required primitives, a throw or a
// rejection coming back as the very value thrown, wrong results refused, concurrent calls,
// close() with calls in flight, an esi.Client over a custom cache (against
// tests/servers/esi_sim.py) and the Cartona outbox flush over SQLite and custom outboxes
// (against tests/servers/cartona_sim.py, with injected faults).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const MODULE = process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node');
const erplink = require(MODULE);
const { store, esi, cartona } = erplink;
const { start, jsonRequest, CARTONA_TOKEN } = require('./node_servers');
const { DictDedupOps, DictOutboxOps, asyncOps, STATE, OUTCOME } = require('./node_store_ops');
const { runDedupVector, runOutboxVector, outboxPolicy } = require('./node_store_vectors');

const STORE = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', 'store.json'), 'utf8'));
const T0 = STORE.t0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'erplink-node-store-custom-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = () => path.join(tmp, `s${n++}.db`);

const isErplink = (e) => e instanceof erplink.ErplinkError;
const same = (v) => (e) => e === v;
const tick = () => new Promise((r) => setImmediate(r));

// ------------------------------------------------------------------ the shared vectors

const DEDUP_KINDS = {
  // new store.Dedup({ ops }) over a backend answering at once
  'custom-sync': (c) => new store.Dedup({ ops: new DictDedupOps(), capacity: c.capacity, ttlMs: c.ttl_ms }),
  // store.Dedup.custom() over a backend answering with Promises
  'custom-async': (c) => store.Dedup.custom(asyncOps(new DictDedupOps()), { capacity: c.capacity, ttlMs: c.ttl_ms }),
};

for (const [kind, make] of Object.entries(DEDUP_KINDS)) {
  for (const c of STORE.dedup) {
    test(`dedup vector ${c.name} (${kind})`, async () => {
      const d = make(c);
      await runDedupVector(erplink, d, c, T0);
      d.close();
    });
  }
}

const OUTBOX_KINDS = {
  'custom-sync': () => new DictOutboxOps(),
  'custom-sync-arrays': () => new DictOutboxOps({ arrays: true }),
  'custom-async': () => asyncOps(new DictOutboxOps()),
};

for (const [kind, makeOps] of Object.entries(OUTBOX_KINDS)) {
  for (const c of STORE.outbox) {
    test(`outbox vector ${c.name} (${kind})`, async () => {
      const ob = store.Outbox.custom(makeOps(), outboxPolicy(c));
      await runOutboxVector(erplink, ob, c, T0);
      ob.close();
    });
  }
}

// ------------------------------------------------------------------ dedup: the object is the store

class RecordingDedup extends DictDedupOps {
  constructor() {
    super();
    this.log = [];
  }
  insertIfAbsent(...a) {
    this.log.push(['insertIfAbsent', ...a]);
    return super.insertIfAbsent(...a);
  }
  remove(...a) {
    this.log.push(['remove', ...a]);
    return super.remove(...a);
  }
  purge(...a) {
    this.log.push(['purge', ...a]);
    return super.purge(...a);
  }
  count(...a) {
    this.log.push(['count', ...a]);
    return super.count(...a);
  }
}

test('custom dedup: the methods of the object are called, erplink computes expiries and purges', async () => {
  const ops = new RecordingDedup();
  const d = new store.Dedup({ ops, capacity: 320, ttlMs: 10000 });
  for (let i = 0; i < 100; i++) {
    assert.equal(await d.seen(`p${i}`, { nowMs: T0 }), false);
    assert.equal(await d.seen(`p${i}`, { nowMs: T0 + 1 }), true); // duplicates do not count for the purge cadence
  }
  assert.equal(ops.calls, 200);
  assert.equal(ops.purges, 5); // capacity 320: a purge every 20 recordings
  assert.equal(ops.ids.get('p0'), T0 + 10000); // erplink computes the expiry
  const inserts = ops.log.filter((l) => l[0] === 'insertIfAbsent');
  assert.deepEqual(inserts[0], ['insertIfAbsent', 'p0', T0 + 10000, T0]);
  assert.deepEqual(inserts[1], ['insertIfAbsent', 'p0', T0 + 10001, T0 + 1]);
  const purges = ops.log.filter((l) => l[0] === 'purge');
  assert.equal(purges.length, 5);
  for (const pl of purges) {
    assert.equal(pl.length, 3);
    assert.equal(typeof pl[1], 'number');
    assert.equal(pl[2], 320); // purged down to the capacity
  }
  assert.equal(await d.forget('p0'), true);
  assert.equal(await d.forget('p0'), false);
  assert.deepEqual(ops.log.filter((l) => l[0] === 'remove'), [['remove', 'p0'], ['remove', 'p0']]);
  assert.equal(await d.count({ nowMs: T0 + 2 }), 99);
  assert.deepEqual(ops.log.at(-1), ['count', T0 + 2]);
  assert.equal(await d.count({ nowMs: T0 + 10000 }), 0); // expired
  assert.equal(await d.seen('p1', { nowMs: T0 + 10000 }), false); // expired: new again
  d.close();
  await assert.rejects(d.seen('p1'), erplink.InvalidArgumentError); // closed
  const n0 = ops.calls;
  await assert.rejects(d.seen('p2'), erplink.InvalidArgumentError);
  assert.equal(ops.calls, n0); // a closed dedup does not call the object
});

test('custom dedup: Dedup.custom() over a plain object of Promise-returning functions', async () => {
  const inner = new DictDedupOps();
  const ops = asyncOps(inner);
  const d = store.Dedup.custom(ops, { capacity: 100, ttlMs: 1000 });
  assert.equal(await d.seen('a', { nowMs: T0 }), false);
  assert.equal(await d.seen('a', { nowMs: T0 + 999 }), true);
  assert.equal(await d.seen('a', { nowMs: T0 + 1000 }), false);
  assert.equal(await d.count({ nowMs: T0 + 1000 }), 1);
  assert.equal(await d.forget('a'), true);
  assert.equal(await d.count({ nowMs: T0 + 1000 }), 0);
  assert.deepEqual([inner.calls, inner.removes, inner.counts], [3, 1, 2]);
  // a primitive that answers much later (a slow database) is waited for
  const later = (f) => new Promise((r) => setTimeout(() => r(f()), 50));
  const slow = { ...ops, insertIfAbsent: (...a) => later(() => inner.insertIfAbsent(...a)) };
  const d2 = store.Dedup.custom(slow, { ttlMs: 1000 });
  const t = Date.now();
  assert.equal(await d2.seen('slow', { nowMs: T0 }), false);
  assert.ok(Date.now() - t >= 40);
  assert.equal(await d2.seen('slow', { nowMs: T0 }), true);
  d.close();
  d2.close();
});

test('custom dedup: purge and count are optional; without count, count() is an InvalidArgumentError', async () => {
  const ids = new Set();
  const onlyRequired = {
    insertIfAbsent(id) {
      if (ids.has(id)) return false;
      ids.add(id);
      return true;
    },
    remove(id) { return ids.delete(id); },
  };
  const d = new store.Dedup({ ops: onlyRequired, capacity: 1, ttlMs: 1000 });
  for (let i = 0; i < 40; i++) assert.equal(await d.seen(`n${i}`, { nowMs: T0 }), false); // no purge: never called
  assert.equal(await d.seen('n0', { nowMs: T0 }), true);
  await assert.rejects(d.count(), erplink.InvalidArgumentError);
  assert.equal(await d.forget('n0'), true);
  d.close();
  // a property present but undefined is absent too
  const ops = new DictDedupOps();
  const noPurge = { insertIfAbsent: ops.insertIfAbsent.bind(ops), remove: ops.remove.bind(ops), purge: undefined,
    count: ops.count.bind(ops) };
  const d2 = store.Dedup.custom(noPurge, { capacity: 1, ttlMs: 1000 });
  for (let i = 0; i < 40; i++) await d2.seen(`n${i}`, { nowMs: T0 });
  assert.equal(await d2.count({ nowMs: T0 }), 40); // never purged
  assert.equal(ops.purges, 0);
  d2.close();
});

test('custom dedup: a missing required primitive or a non-function is refused at construction', () => {
  const good = new DictDedupOps();
  const bad = [
    { insertIfAbsent() { return true; } }, // no remove
    { remove() { return true; } }, // no insertIfAbsent
    { insertIfAbsent: 'yes', remove() { return true; } },
    { insertIfAbsent() { return true; }, remove() { return true; }, count: 3 },
    { insertIfAbsent() { return true; }, remove() { return true; }, purge: 'daily' },
    {},
  ];
  for (const ops of bad) {
    assert.throws(() => new store.Dedup({ ops, ttlMs: 1000 }), isErplink, Object.keys(ops).join(','));
    assert.throws(() => store.Dedup.custom(ops, { ttlMs: 1000 }), isErplink, Object.keys(ops).join(','));
  }
  assert.throws(() => store.Dedup.custom(42, { ttlMs: 1000 }), isErplink);
  assert.throws(() => store.Dedup.custom('ops', { ttlMs: 1000 }), isErplink);
  assert.throws(() => store.Dedup.custom(good, {}), erplink.InvalidArgumentError); // no ttl
  assert.throws(() => store.Dedup.custom(good, { ttlMs: 1000, capacity: -1 }), erplink.InvalidArgumentError);
  assert.equal(good.calls, 0);
});

class BreakingDedup extends DictDedupOps {
  constructor() {
    super();
    this.fail = undefined; // a value to throw
    this.rejectWith = undefined; // a value to reject with (the method returns a Promise)
    this.result = undefined; // a value to return instead
    this.countResult = undefined;
    this.removeResult = undefined;
  }
  insertIfAbsent(...a) {
    if (this.fail !== undefined) throw this.fail;
    if (this.rejectWith !== undefined) return Promise.reject(this.rejectWith);
    if (this.result !== undefined) return this.result;
    return super.insertIfAbsent(...a);
  }
  remove(id) {
    if (this.removeResult !== undefined) return this.removeResult;
    return super.remove(id);
  }
  count(nowMs) {
    if (this.countResult !== undefined) return this.countResult;
    return super.count(nowMs);
  }
}

test('custom dedup: a throw or a rejection in a primitive is what the call rejects with', async () => {
  const ops = new BreakingDedup();
  const d = store.Dedup.custom(ops, { capacity: 16, ttlMs: 10000 });
  const down = new Error('db down');
  ops.fail = down;
  await assert.rejects(d.seen('x', { nowMs: T0 }), same(down));
  ops.fail = undefined;
  const gone = new Error('connection lost');
  ops.rejectWith = gone;
  await assert.rejects(d.seen('x', { nowMs: T0 }), same(gone));
  ops.rejectWith = undefined;
  // an erplink error thrown by the method comes back as it is
  const conflict = new erplink.ConflictError('could not serialize access', { code: erplink.codes.ECONFLICT });
  ops.fail = conflict;
  await assert.rejects(d.seen('x', { nowMs: T0 }), same(conflict));
  ops.fail = undefined;
  // nothing stale is left behind: the next calls work
  assert.equal(await d.seen('x', { nowMs: T0 }), false);
  assert.equal(await d.seen('x', { nowMs: T0 }), true);
  d.close();
});

test('custom dedup: a thrown or rejected object that is not an Error comes back as it is', async () => {
  const ops = new BreakingDedup();
  const d = store.Dedup.custom(ops, { ttlMs: 10000 });
  const obj = { why: 'custom failure object' };
  ops.fail = obj;
  await assert.rejects(d.seen('x', { nowMs: T0 }), same(obj));
  ops.fail = undefined;
  ops.rejectWith = obj;
  await assert.rejects(d.seen('x', { nowMs: T0 }), same(obj));
  ops.rejectWith = undefined;
  assert.equal(await d.seen('x', { nowMs: T0 }), false);
  d.close();
});

test('custom dedup: a thrown or rejected primitive value (string, number) comes back as it is', async () => {
  const ops = new BreakingDedup();
  const d = store.Dedup.custom(ops, { ttlMs: 10000 });
  for (const v of ['a string', 42]) {
    ops.fail = v;
    await assert.rejects(d.seen('x', { nowMs: T0 }), same(v), `throw ${v}`);
    ops.fail = undefined;
    ops.rejectWith = v;
    await assert.rejects(d.seen('x', { nowMs: T0 }), same(v), `reject ${v}`);
    ops.rejectWith = undefined;
  }
  assert.equal(await d.seen('x', { nowMs: T0 }), false);
  d.close();
});

test('custom dedup: a result of the wrong type is an ErplinkError, never read as an answer', async () => {
  const ops = new BreakingDedup();
  const d = store.Dedup.custom(ops, { ttlMs: 10000 });
  for (const bad of ['yes', null, {}, [], Promise.resolve('yes'), Promise.resolve(undefined)]) {
    ops.result = bad;
    await assert.rejects(d.seen('b', { nowMs: T0 }), isErplink, String(bad));
  }
  ops.result = undefined;
  // a forgotten `return` (undefined)
  const forgetful = { insertIfAbsent() {}, remove() { return false; } };
  const d2 = store.Dedup.custom(forgetful, { ttlMs: 1000 });
  await assert.rejects(d2.seen('b', { nowMs: T0 }), isErplink);
  d2.close();
  for (const bad of ['many', -1, {}, Promise.resolve('many')]) {
    ops.countResult = bad;
    await assert.rejects(d.count({ nowMs: T0 }), isErplink, String(bad));
  }
  ops.countResult = undefined;
  ops.removeResult = 'gone';
  await assert.rejects(d.forget('b'), isErplink);
  ops.removeResult = undefined;
  assert.equal(await d.seen('b', { nowMs: T0 }), false);
  assert.equal(await d.count({ nowMs: T0 }), 1);
  d.close();
});

test('custom dedup: a throwing purge does not turn a recorded "new" into an error', async () => {
  class BadPurge extends DictDedupOps {
    purge() {
      this.purges++;
      throw new Error('purge is broken');
    }
  }
  const ops = new BadPurge();
  const d = store.Dedup.custom(ops, { capacity: 16, ttlMs: 10000 });
  const news = [];
  for (let i = 0; i < 40; i++) news.push(await d.seen(`p${i}`, { nowMs: T0 })); // a purge every 16 recordings
  assert.deepEqual(news, Array(40).fill(false));
  assert.ok(ops.purges >= 2);
  assert.equal(await d.seen('p0', { nowMs: T0 }), true);
  d.close();
});

for (const [kind, makeOps] of [['sync', () => new DictDedupOps()], ['async', () => asyncOps(new DictDedupOps())]]) {
  test(`custom dedup (${kind}): 50 concurrent seen() give exactly one "new" per distinct id`, async () => {
    const ops = makeOps();
    const d = store.Dedup.custom(ops, { capacity: 1000, ttlMs: 60000 });
    const ids = Array.from({ length: 50 }, (_, i) => `e${(i * 7) % 13}`);
    const res = await Promise.all(ids.map((id) => d.seen(id, { nowMs: T0 })));
    const news = {};
    res.forEach((seen, i) => { if (!seen) news[ids[i]] = (news[ids[i]] || 0) + 1; });
    assert.deepEqual(Object.keys(news).sort(), [...new Set(ids)].sort());
    assert.ok(Object.values(news).every((v) => v === 1), JSON.stringify(news));
    assert.equal(res.filter((s) => s).length, 50 - 13);
    assert.equal(await d.count({ nowMs: T0 }), 13);
    d.close();
  });
}

test('custom dedup: concurrent failing calls each reject with their own error', async () => {
  const d = store.Dedup.custom({
    insertIfAbsent(id) {
      const e = new Error(`no ${id}`);
      e.id = id;
      if (id.endsWith('1')) return Promise.reject(e);
      throw e;
    },
    remove() { return false; },
  }, { ttlMs: 1000 });
  const ids = Array.from({ length: 20 }, (_, i) => `f${i}`);
  const res = await Promise.allSettled(ids.map((id) => d.seen(id, { nowMs: T0 })));
  res.forEach((r, i) => {
    assert.equal(r.status, 'rejected');
    assert.equal(r.reason.id, ids[i]);
  });
  d.close();
});

test('custom dedup: close() with calls in flight neither deadlocks nor loses them (child process, 30 s cap)', () => {
  const script = `
    const erplink = require(${JSON.stringify(MODULE)});
    const { DictDedupOps, asyncOps } = require(${JSON.stringify(path.join(__dirname, 'node_store_ops.js'))});
    (async () => {
      const out = {};
      for (const [kind, ops] of [['sync', new DictDedupOps()], ['async', asyncOps(new DictDedupOps())]]) {
        const d = erplink.store.Dedup.custom(ops, { ttlMs: 60000 });
        const calls = Array.from({ length: 20 }, (_, i) => d.seen('id' + i));
        d.close();
        const r = await Promise.allSettled(calls);
        let late;
        try { await d.seen('late'); late = 'resolved'; } catch (e) { late = e instanceof erplink.InvalidArgumentError; }
        out[kind] = { results: r.map((x) => x.status === 'fulfilled' ? x.value : 'rejected: ' + x.reason), late };
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 30000, encoding: 'utf8' });
  assert.equal(r.error, undefined, `the child did not finish: ${r.error}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const kind of ['sync', 'async']) {
    assert.deepEqual(out[kind].results, Array(20).fill(false), kind);
    assert.equal(out[kind].late, true, kind);
  }
});

// ------------------------------------------------------------------ outbox: the object is the store

class RecordingOutbox extends DictOutboxOps {
  constructor(options) {
    super(options);
    this.log = [];
  }
}
for (const m of ['upsert', 'claim', 'finish', 'list', 'requeue', 'discard', 'count', 'purge']) {
  RecordingOutbox.prototype[m] = function recorded(...a) {
    this.log.push([m, ...a]);
    return DictOutboxOps.prototype[m].apply(this, a);
  };
}

test('custom outbox: the methods of the object are called with the documented arguments', async () => {
  const ops = new RecordingOutbox();
  const ob = store.Outbox.custom(ops, { leaseMs: 1000, maxAttempts: 3, backoffMs: [100, 100], jitter: 0,
    doneRetentionMs: 0 });
  const last = (m) => ops.log.filter((l) => l[0] === m).at(-1);
  await ob.enqueue('k1', 'h\u00e9llo', { nowMs: T0 });
  let u = last('upsert');
  assert.equal(u.length, 4);
  assert.equal(u[1], 'k1');
  assert.ok(Buffer.isBuffer(u[2]), 'upsert gets a Buffer');
  assert.deepEqual(u[2], Buffer.from('h\u00e9llo'));
  assert.equal(u[3], T0);
  await ob.enqueue('k2', Buffer.from([0, 1, 255]), { nowMs: T0 });
  assert.deepEqual(last('upsert')[2], Buffer.from([0, 1, 255]));
  await ob.enqueue('k3', new Uint8Array([7]), { nowMs: T0 });
  assert.deepEqual(last('upsert')[2], Buffer.from([7]));
  await ob.enqueueMany([['k4', 'x'], ['k5', 'y']], { nowMs: T0 }); // one upsert each, in order
  assert.deepEqual(ops.log.filter((l) => l[0] === 'upsert').slice(-2).map((l) => l[1]), ['k4', 'k5']);

  const b = await ob.claim(3, { nowMs: T0 + 1 });
  const c = last('claim');
  assert.equal(c.length, 4);
  assert.equal(typeof c[1], 'number');
  assert.ok(c[1] >= 3, 'claim asks for at least what was asked'); // it may ask for more and hand back at most 3
  assert.deepEqual(c.slice(2), [T0 + 1, T0 + 1 + 1000]);
  assert.deepEqual(b.items.map((i) => i.key), ['k1', 'k2', 'k3']);
  assert.deepEqual(b.items[0].payload, Buffer.from('h\u00e9llo'));
  assert.deepEqual(b.items[1].payload, Buffer.from([0, 1, 255]));
  assert.equal(b.items[0].generation, T0 + 1); // the generation the object handed out
  assert.equal(b.items[0].attempts, 1);
  b.items[0].done();
  b.items[1].failed(erplink.codes.EVALIDATION, 'bad price');
  b.items[2].retry(erplink.codes.EUNAVAILABLE, null, 5000);
  assert.equal(await b.complete({ nowMs: T0 + 2 }), 0);
  assert.deepEqual(b.items.map((i) => i.outcome), ['DONE', 'DEAD', 'RETRY']);
  const fin = ops.log.filter((l) => l[0] === 'finish');
  assert.equal(fin.length, 3);
  for (const f of fin) {
    assert.equal(f.length, 8);
    assert.ok(typeof f[1] === 'string' && typeof f[2] === 'number' && typeof f[4] === 'number' &&
      typeof f[5] === 'number' && typeof f[7] === 'number', JSON.stringify(f));
    assert.ok(f[6] === null || typeof f[6] === 'string', JSON.stringify(f));
    assert.equal(f[7], T0 + 2);
  }
  const byKey = Object.fromEntries(fin.map((f) => [f[1], f]));
  assert.deepEqual([byKey.k1[3], byKey.k2[3], byKey.k3[3]], [OUTCOME.DONE, OUTCOME.DEAD, OUTCOME.RETRY]);
  assert.equal(byKey.k1[2], T0 + 1);
  assert.equal(byKey.k2[5], erplink.codes.EVALIDATION);
  assert.equal(byKey.k2[6], 'bad price');
  assert.equal(byKey.k3[5], erplink.codes.EUNAVAILABLE);
  assert.equal(typeof byKey.k3[6], 'string'); // the code's description
  assert.ok(byKey.k3[4] >= T0 + 2 + 5000, 'the retry waits at least the retry-after');

  assert.equal(await ob.count('dead', { nowMs: T0 + 3 }), 1);
  assert.deepEqual(last('count'), ['count', STATE.DEAD, T0 + 3]);
  assert.equal(await ob.count('retry_wait', { nowMs: T0 + 3 }), 1);
  assert.deepEqual(last('count'), ['count', STATE.RETRY_WAIT, T0 + 3]);
  assert.equal(await ob.count('pending', { nowMs: T0 + 3 }), 2);
  assert.deepEqual(last('count'), ['count', STATE.PENDING, T0 + 3]);
  assert.equal(await ob.count('done', { nowMs: T0 + 3 }), 1);
  assert.deepEqual(last('count'), ['count', STATE.DONE, T0 + 3]);
  assert.equal(await ob.count('leased', { nowMs: T0 + 3 }), 0);
  assert.deepEqual(last('count'), ['count', STATE.LEASED, T0 + 3]);

  const dl = await ob.list('dead', { offset: 0, limit: 10 });
  assert.deepEqual(last('list'), ['list', STATE.DEAD, 0, 10]);
  assert.deepEqual(dl.items.map((i) => [i.key, i.errorCodeName, i.errorMessage, i.changedMs]),
    [['k2', 'EVALIDATION', 'bad price', T0 + 2]]);
  dl.close();
  (await ob.list('pending', { offset: 1, limit: 5 })).close();
  assert.deepEqual(last('list'), ['list', STATE.PENDING, 1, 5]);
  assert.equal(await ob.requeue('k2', { nowMs: T0 + 4 }), 1);
  assert.deepEqual(last('requeue'), ['requeue', 'k2', T0 + 4]);
  assert.equal(await ob.requeue(null, { nowMs: T0 + 4 }), 0);
  assert.deepEqual(last('requeue'), ['requeue', null, T0 + 4]);
  assert.ok(ops.rows.has('k1'));
  const b2 = await ob.claim(10, { nowMs: T0 + 5 }); // k2, k4, k5 (k3 waits for its retry)
  assert.deepEqual(b2.items.map((i) => i.key).sort(), ['k2', 'k4', 'k5']);
  // done items (retention 0) are purged at each claim: k1, done at T0 + 2
  assert.deepEqual(last('purge'), ['purge', T0 + 5]);
  assert.equal(ops.rows.has('k1'), false);
  for (const it of b2.items) it.failed(erplink.codes.EVALIDATION, 'no');
  await b2.complete({ nowMs: T0 + 6 });
  assert.equal(await ob.discard('k4'), 1);
  assert.deepEqual(last('discard'), ['discard', 'k4']);
  assert.equal(await ob.discard(), 2);
  assert.deepEqual(last('discard'), ['discard', null]);
  assert.equal(await ob.count('dead', { nowMs: T0 + 7 }), 0);
  b.close();
  b2.close();
  ob.close();
  await assert.rejects(ob.count('dead'), erplink.InvalidArgumentError); // closed
});

test('custom outbox: purge is optional; missing required primitives are refused at construction', async () => {
  const full = new DictOutboxOps();
  const bind = (o, names) => Object.fromEntries(names.map((m) => [m, o[m].bind(o)]));
  const REQUIRED = ['upsert', 'claim', 'finish', 'list', 'requeue', 'discard', 'count'];
  const noPurge = bind(full, REQUIRED);
  const ob = store.Outbox.custom(noPurge, { doneRetentionMs: 0 });
  await ob.enqueue('a', '1', { nowMs: T0 });
  const b = await ob.claim(10, { nowMs: T0 });
  b.done(0);
  await b.complete({ nowMs: T0 });
  b.close();
  (await ob.claim(10, { nowMs: T0 + 100000 })).close();
  assert.equal(await ob.count('done', { nowMs: T0 + 100000 }), 1); // nothing purges it
  ob.close();
  for (const missing of REQUIRED) {
    const ops = bind(full, REQUIRED.filter((m) => m !== missing));
    assert.throws(() => store.Outbox.custom(ops), isErplink, `without ${missing}`);
    assert.throws(() => store.Outbox.custom({ ...ops, [missing]: 'not a function' }), isErplink,
      `${missing} not a function`);
  }
  assert.throws(() => store.Outbox.custom({ ...noPurge, purge: 5 }), isErplink);
  assert.throws(() => store.Outbox.custom(null), isErplink);
  assert.throws(() => store.Outbox.custom(7), isErplink);
  assert.throws(() => store.Outbox.custom(noPurge, { leaseMs: 0 }), erplink.InvalidArgumentError);
  assert.throws(() => store.Outbox.custom(noPurge, { backoffMs: [10, 5] }), erplink.InvalidArgumentError);
  assert.throws(() => store.Outbox.custom(noPurge, { jitter: 1.5 }), erplink.InvalidArgumentError);
  assert.equal(full.calls.upsert, 1);
});

class FlakyOutbox extends DictOutboxOps {
  constructor(options) {
    super(options);
    this.fail = {}; // method -> value to throw
    this.reject = {}; // method -> value to reject with
    this.results = {}; // method -> value to return instead
    this.extraRows = [];
  }
}
for (const m of ['upsert', 'claim', 'finish', 'list', 'requeue', 'discard', 'count', 'purge']) {
  FlakyOutbox.prototype[m] = function flaky(...a) {
    if (m in this.fail) throw this.fail[m];
    if (m in this.reject) return Promise.reject(this.reject[m]);
    if (m in this.results) return this.results[m];
    const r = DictOutboxOps.prototype[m].apply(this, a);
    return m === 'claim' ? [...r, ...this.extraRows] : r;
  };
}

test('custom outbox: a throw or a rejection in a primitive is what the call rejects with', async () => {
  const ops = new FlakyOutbox();
  const ob = store.Outbox.custom(ops, { leaseMs: 1000, doneRetentionMs: 0 });
  const down = new Error('database is gone');
  ops.fail.upsert = down;
  await assert.rejects(ob.enqueue('a', '1', { nowMs: T0 }), same(down));
  await assert.rejects(ob.enqueueMany([['a', '1']], { nowMs: T0 }), same(down));
  delete ops.fail.upsert;
  const rej = new TypeError('rejected upsert');
  ops.reject.upsert = rej;
  await assert.rejects(ob.enqueue('a', '1', { nowMs: T0 }), same(rej));
  delete ops.reject.upsert;
  await ob.enqueue('a', '1', { nowMs: T0 });
  for (const [m, call] of [
    ['claim', () => ob.claim(10, { nowMs: T0 })],
    ['count', () => ob.count('pending', { nowMs: T0 })],
    ['list', () => ob.list('pending')],
    ['requeue', () => ob.requeue(null, { nowMs: T0 })],
    ['discard', () => ob.discard(null)],
  ]) {
    const e = new Error(`${m} broke`);
    ops.fail[m] = e;
    await assert.rejects(call(), same(e), `${m} throwing`);
    delete ops.fail[m];
    const r = { failed: m };
    ops.reject[m] = r;
    await assert.rejects(call(), same(r), `${m} rejecting`);
    delete ops.reject[m];
  }
  const b = await ob.claim(10, { nowMs: T0 });
  assert.deepEqual(b.items.map((i) => i.key), ['a']);
  b.items[0].done();
  const conflict = new erplink.ConflictError('serialization failure', { code: erplink.codes.ECONFLICT });
  ops.fail.finish = conflict;
  await assert.rejects(b.complete({ nowMs: T0 + 1 }), same(conflict));
  delete ops.fail.finish;
  // nothing was recorded: the batch may be completed again
  assert.equal(await b.complete({ nowMs: T0 + 2 }), 0);
  assert.equal(b.items[0].outcome, 'DONE');
  b.close();
  assert.equal(await ob.count('done', { nowMs: T0 + 3 }), 1);
  ob.close();
});

test('custom outbox: a failing purge (best effort, before a claim) does not mask the claim\'s own error', async () => {
  const ops = new FlakyOutbox();
  const ob = store.Outbox.custom(ops, { doneRetentionMs: 0 }); // purge before every claim
  await ob.enqueue('a', '1', { nowMs: T0 });
  const purgeErr = new Error('purge broke');
  const claimErr = new Error('claim broke');
  ops.fail.purge = purgeErr;
  ops.fail.claim = claimErr;
  await assert.rejects(ob.claim(10, { nowMs: T0 }), same(claimErr));
  delete ops.fail.claim;
  const b = await ob.claim(10, { nowMs: T0 + 1 }); // the purge still fails: ignored
  assert.deepEqual(b.items.map((i) => i.key), ['a']);
  b.close();
  ob.close();
});

test('custom outbox: rows and results of the wrong shape are ErplinkErrors', async () => {
  const ops = new FlakyOutbox();
  const ob = store.Outbox.custom(ops, { leaseMs: 1000, maxAttempts: 100 });
  await ob.enqueue('a', '1', { nowMs: T0 });
  let now = T0;
  const claimRejects = async (what, max = 10) => {
    now += 5000; // past the lease of what the failed claim leased
    await assert.rejects(ob.claim(max, { nowMs: now }), isErplink, what);
  };
  ops.extraRows = [{ payload: 'x', generation: 1, attempts: 1 }]; // no key
  await claimRejects('a row with no key');
  ops.extraRows = [['b']]; // too short
  await claimRejects('a short array row');
  ops.extraRows = [{ key: 'c', payload: 42, generation: 1, attempts: 1 }];
  await claimRejects('a payload that is a number');
  ops.extraRows = [{ key: 'x', payload: '1', generation: 1, attempts: 1 },
    { key: 'y', payload: '2', generation: 1, attempts: 1 }];
  await claimRejects('more rows than asked for', 1);
  ops.extraRows = [42];
  await claimRejects('a row that is a number');
  ops.extraRows = [];
  for (const bad of [42, Promise.resolve(7), [{ key: 'q' }]]) { // not rows; a row without its fields
    ops.results.claim = bad;
    now += 5000;
    await assert.rejects(ob.claim(1, { nowMs: now }), isErplink, `claim returning ${bad}`);
  }
  delete ops.results.claim;
  for (const bad of ['many', -1, {}, Promise.resolve('many')]) {
    ops.results.count = bad;
    await assert.rejects(ob.count('pending', { nowMs: now }), isErplink, `count returning ${bad}`);
  }
  delete ops.results.count;
  for (const bad of ['two', -1, {}]) {
    ops.results.requeue = bad;
    await assert.rejects(ob.requeue(null, { nowMs: now }), isErplink, `requeue returning ${bad}`);
    ops.results.discard = bad;
    await assert.rejects(ob.discard(null), isErplink, `discard returning ${bad}`);
  }
  delete ops.results.requeue;
  delete ops.results.discard;
  ops.results.list = [{ nokey: 1 }];
  await assert.rejects(ob.list('dead'), isErplink, 'list rows with no key');
  delete ops.results.list;
  // after all that, the outbox works
  now += 5000;
  const b = await ob.claim(10, { nowMs: now });
  assert.deepEqual(b.items.map((i) => i.key), ['a']);
  b.items[0].done();
  ops.results.finish = 'applied';
  await assert.rejects(b.complete({ nowMs: now }), isErplink, 'finish returning a string');
  delete ops.results.finish;
  assert.equal(await b.complete({ nowMs: now }), 0);
  assert.equal(b.items[0].outcome, 'DONE');
  b.close();
  ob.close();
});

test('custom outbox: payloads as Buffer, Uint8Array or string; rows as objects, arrays or iterables', async () => {
  const rowsOf = (form, rows) => {
    if (form === 'arrays') return rows.map((r) => [r.key, r.payload, r.generation, r.attempts, 0, null, 0]);
    if (form === 'iterable') return new Set(rows);
    return rows;
  };
  for (const form of ['objects', 'arrays', 'iterable']) {
    for (const [pk, conv] of [['buffer', (s) => Buffer.from(s)], ['uint8array', (s) => new Uint8Array(Buffer.from(s))],
      ['string', (s) => s]]) {
      const inner = new DictOutboxOps();
      const ops = Object.fromEntries(['upsert', 'finish', 'list', 'requeue', 'discard', 'count']
        .map((m) => [m, inner[m].bind(inner)]));
      ops.claim = (max, nowMs, until) => rowsOf(form, inner.claim(max, nowMs, until)
        .map((r) => ({ ...r, payload: conv(r.payload.toString()) })));
      const ob = store.Outbox.custom(ops);
      await ob.enqueue('k', 'h\u00e9', { nowMs: T0 });
      const b = await ob.claim(5, { nowMs: T0 });
      assert.deepEqual(b.items.map((i) => [i.key, i.payload]), [['k', Buffer.from('h\u00e9')]], `${form}/${pk}`);
      b.done(0);
      assert.equal(await b.complete({ nowMs: T0 }), 0);
      assert.equal(inner.rows.get('k').state, 3, 'done in the backend'); // the backend's own numbering
      b.close();
      ob.close();
    }
  }
});

test('custom outbox: concurrent producers and consumers, each item claimed once (sync and async)', async () => {
  for (const ops of [new DictOutboxOps(), asyncOps(new DictOutboxOps())]) {
    const ob = store.Outbox.custom(ops, { leaseMs: 60000 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => ob.enqueue(`k${i % 20}`, `v${i}`, { nowMs: T0 })));
    assert.equal(await ob.count('pending', { nowMs: T0 }), 20);
    const batches = await Promise.all(Array.from({ length: 4 }, () => ob.claim(6, { nowMs: T0 + 1 })));
    const keys = batches.flatMap((b) => b.items.map((i) => i.key));
    assert.equal(keys.length, 20);
    assert.equal(new Set(keys).size, 20);
    for (const b of batches) for (const it of b.items) it.done();
    const stale = await Promise.all(batches.map((b) => b.complete({ nowMs: T0 + 2 })));
    assert.deepEqual(stale, [0, 0, 0, 0]);
    assert.equal(await ob.count('done', { nowMs: T0 + 2 }), 20);
    for (const b of batches) b.close();
    ob.close();
  }
});

// ------------------------------------------------------------------ simulators

const UA = 'erplink-tests/1.0 (tests@example.com)';
let esiSim;
let esiBase;
let cartonaSim;

const ctl = jsonRequest;

// started on first need (the tests above do not need them), stopped at the end
let esiStarting = null;
let cartonaStarting = null;
test.after(async () => {
  await Promise.all([esiSim && esiSim.stop(), cartonaSim && cartonaSim.stop()]);
});

async function esiReset() {
  if (!esiStarting) {
    esiStarting = start('esi_sim.py').then(async (s) => {
      esiSim = s;
      esiBase = await ctl(`${esiSim.url}/_ctl/config`, 'POST', {});
    });
  }
  await esiStarting;
  await ctl(`${esiSim.url}/_ctl/config`, 'POST', esiBase);
  await ctl(`${esiSim.url}/_ctl/reset`, 'POST', {});
}

async function cartonaReset() {
  if (!cartonaStarting) {
    cartonaStarting = start('cartona_sim.py', '--token', CARTONA_TOKEN).then((s) => { cartonaSim = s; });
  }
  await cartonaStarting;
  await ctl(`${cartonaSim.url}/_control/reset`, 'POST', {});
}
const esiClient = (opts = {}) => new esi.Client({ userAgent: UA, baseUrl: esiSim.url, maxAttempts: 1, ...opts });
const ORDERS = ['/markets/{region_id}/orders', { path: { region_id: 10000002 } }];

// ------------------------------------------------------------------ esi.Client over a custom cache

function mapCache({ async = false, uint8 = false } = {}) {
  const m = new Map();
  const calls = { get: [], put: [] };
  const later = (f) => (async ? new Promise((resolve, reject) => setImmediate(() => {
    try {
      resolve(f());
    } catch (e) {
      reject(e);
    }
  })) : f());
  return {
    m,
    calls,
    cache: {
      get(key) {
        calls.get.push(key);
        return later(() => {
          const v = m.get(key);
          if (v === undefined) return null;
          return uint8 ? new Uint8Array(v) : v;
        });
      },
      put(key, data) {
        calls.put.push([key, data]);
        return later(() => { m.set(key, Buffer.from(data)); });
      },
    },
  };
}

for (const variant of [{}, { async: true }, { uint8: true }]) {
  test(`esi.Client with a custom cache ${JSON.stringify(variant)}: put gets a Buffer, the repeat is a hit from get`,
    async () => {
      await esiReset();
      const { m, calls, cache } = mapCache(variant);
      const c1 = esiClient({ cache });
      const r1 = await c1.get(...ORDERS);
      assert.equal(r1.cacheStatus, 'miss');
      assert.ok(calls.get.length >= 1, 'get was asked first');
      assert.ok(calls.get.every((k) => typeof k === 'string' && k.length > 0));
      assert.ok(calls.put.length >= 1, 'put was called');
      for (const [k, data] of calls.put) {
        assert.equal(typeof k, 'string');
        assert.ok(Buffer.isBuffer(data), 'put receives a Buffer');
        assert.ok(data.length > 0);
      }
      assert.ok(m.size >= 1);
      const gets = calls.get.length;
      const puts = calls.put.length;
      // a second client over the same cache object: answered from it, no request sent
      const c2 = esiClient({ cache });
      const r2 = await c2.get(...ORDERS);
      assert.equal(r2.cacheStatus, 'hit');
      assert.equal(r2.fromCache, true);
      assert.equal(r2.requests, 0);
      assert.deepEqual(r2.items, r1.items);
      assert.ok(calls.get.length > gets, 'the hit came through get');
      assert.equal(calls.put.length, puts, 'a hit stores nothing');
      const hits = await ctl(`${esiSim.url}/_ctl/hits`, 'GET');
      assert.equal(hits['GET /markets/10000002/orders'], 1, JSON.stringify(hits));
      // the caller's store emptied: a miss again
      m.clear();
      assert.equal((await c2.get(...ORDERS)).cacheStatus, 'miss');
      c1.close();
      c2.close();
    });
}

test('esi.Client with a custom cache: a throwing or rejecting get rejects the call with that value', async () => {
  await esiReset();
  const boom = new Error('cache down');
  const c = esiClient({ cache: { get() { throw boom; }, put() {} } });
  await assert.rejects(c.get(...ORDERS), same(boom));
  c.close();
  const nope = new Error('cache rejected');
  const c2 = esiClient({ cache: { get: () => Promise.reject(nope), put: () => Promise.resolve() } });
  await assert.rejects(c2.get(...ORDERS), same(nope));
  c2.close();
});

test('esi.Client with a custom cache: a cache object without get or put is refused at construction', async () => {
  await esiReset();
  assert.throws(() => esiClient({ cache: { get() { return null; } } }), isErplink);
  assert.throws(() => esiClient({ cache: { put() {} } }), isErplink);
  assert.throws(() => esiClient({ cache: { get: 1, put() {} } }), isErplink);
  assert.throws(() => esiClient({ cache: 'yes' }), erplink.InvalidArgumentError);
});

test('esi.Client with a custom cache: a throwing or rejecting put rejects the call with that value', async () => {
  await esiReset();
  const boom = new Error('cache full');
  const c = esiClient({ cache: { get() { return null; }, put() { throw boom; } } });
  await assert.rejects(c.get(...ORDERS), same(boom));
  c.close();
  const nope = new Error('put rejected');
  const c2 = esiClient({ cache: { get: async () => null, put: () => Promise.reject(nope) } });
  await assert.rejects(c2.get(...ORDERS), same(nope));
  c2.close();
});

// ------------------------------------------------------------------ Cartona over an outbox

const cartonaCtl = (p, body) => ctl(cartonaSim.url + p, body === undefined ? 'GET' : 'POST', body);
const cartonaClient = (opts = {}) => new cartona.Client({ token: CARTONA_TOKEN, baseUrl: `${cartonaSim.url}/api/v1/`,
  backoffMs: 0, maxAttempts: 1, batchSize: 10, concurrency: 1, ...opts });
const product = (i, price) => ({ supplier_product_id: `p${String(i).padStart(2, '0')}`, selling_price: price,
  available_stock_quantity: i });
const simProducts = async () => Object.fromEntries(Object.values((await cartonaCtl('/_control/state')).products)
  .map((p) => [p.supplier_product_id, p]));

const CARTONA_OUTBOXES = {
  sqlite: async (opts) => {
    const st = await store.Store.open(file());
    const ob = new store.Outbox(st, 'cartona.products', opts);
    return { ob, ops: null, close: () => { ob.close(); st.close(); } };
  },
  custom: async (opts) => {
    const ops = new DictOutboxOps();
    const ob = store.Outbox.custom(ops, opts);
    return { ob, ops, close: () => ob.close() };
  },
  'custom-async': async (opts) => {
    const ops = asyncOps(new DictOutboxOps());
    const ob = store.Outbox.custom(ops, opts);
    return { ob, ops: ops.target, close: () => ob.close() };
  },
};

const REPORT_KEYS = ['claimed', 'updated', 'retrying', 'dead', 'released', 'stale'];
function checkReport(rep) {
  assert.deepEqual(Object.keys(rep).filter((k) => REPORT_KEYS.includes(k)).sort(), [...REPORT_KEYS].sort());
  for (const k of REPORT_KEYS) assert.ok(Number.isInteger(rep[k]) && rep[k] >= 0, `${k}: ${rep[k]}`);
  assert.equal(rep.claimed, rep.updated + rep.retrying + rep.dead + rep.released + rep.stale, JSON.stringify(rep));
}

for (const [kind, make] of Object.entries(CARTONA_OUTBOXES)) {
  test(`cartona outbox (${kind}): enqueue, flush, updated items done, a locally invalid item dead`, async () => {
    await cartonaReset();
    const { ob, ops, close } = await make({ leaseMs: 60000, maxAttempts: 4, backoffMs: [100, 1000], jitter: 0 });
    const c = cartonaClient();
    const pe = cartona.outboxEnqueue(ob, product(0, 1.5), { nowMs: T0 });
    assert.ok(pe instanceof Promise, 'outboxEnqueue returns a Promise');
    assert.equal(await pe, undefined);
    await c.outboxEnqueue(ob, product(1, 2.5), { nowMs: T0 });
    await cartona.outboxEnqueue(ob, product(1, 3.5), { nowMs: T0 + 1 }); // the latest value wins
    await cartona.outboxEnqueue(ob, { supplier_product_id: 'neg', selling_price: -5 }, { nowMs: T0 + 1 });
    await assert.rejects(async () => cartona.outboxEnqueue(ob, { selling_price: 1 }, { nowMs: T0 }),
      erplink.InvalidArgumentError);
    await assert.rejects(async () => cartona.outboxEnqueue(ob, 'not an item', { nowMs: T0 }), isErplink);
    await assert.rejects(async () => c.outboxFlush(ob, { kind: 'prices', maxItems: 10, nowMs: T0 + 2 }),
      erplink.InvalidArgumentError);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(async () => c.outboxFlush(ob, { kind: 'products', maxItems: 10, nowMs: T0 + 2,
      signal: ac.signal }), erplink.CancelledError);
    assert.equal(await ob.count('pending', { nowMs: T0 + 2 }), 3);
    const pend = await ob.list('pending', { limit: 10 });
    assert.deepEqual(pend.items.map((i) => i.key), ['s:neg', 's:p00', 's:p01']);
    assert.deepEqual(JSON.parse(pend.items[2].payload.toString()), product(1, 3.5)); // stored as JSON
    pend.close();
    if (ops) {
      assert.ok(ops.calls.upsert >= 4);
      assert.ok(Buffer.isBuffer(ops.rows.get('s:p00').payload));
    }
    const rep = await c.outboxFlush(ob, { kind: 'products', maxItems: 100, nowMs: T0 + 2 });
    checkReport(rep);
    assert.deepEqual([rep.claimed, rep.updated, rep.dead, rep.retrying], [3, 2, 1, 0]);
    const sim = await simProducts();
    assert.equal(sim.p00.selling_price, 1.5);
    assert.equal(sim.p01.selling_price, 3.5);
    assert.equal(sim.neg, undefined); // never sent
    const done = await ob.list('done', { limit: 10 });
    assert.deepEqual(done.items.map((i) => i.key), ['s:p00', 's:p01']);
    done.close();
    const dead = await ob.list('dead', { limit: 10 });
    assert.deepEqual(dead.items.map((i) => i.key), ['s:neg']);
    assert.ok(['EVALIDATION', 'EINVAL'].includes(dead.items[0].errorCodeName), dead.items[0].errorCodeName);
    assert.match(dead.items[0].errorMessage || '', /selling_price/);
    dead.close();
    if (ops) {
      assert.ok(ops.calls.claim >= 1 && ops.calls.finish >= 3, JSON.stringify(ops.calls));
      assert.equal(ops.rows.get('s:p00').state, 3); // done in the backend (its own numbering)
    }
    // nothing due: nothing is sent
    const empty = await c.outboxFlush(ob, { kind: 'products', maxItems: 100, nowMs: T0 + 3 });
    checkReport(empty);
    assert.equal(empty.claimed, 0);
    c.close();
    close();
  });

  test(`cartona outbox (${kind}): flush with injected faults ends every item updated or dead`, async () => {
    await cartonaReset();
    const { ob, close } = await make({ leaseMs: 60000, maxAttempts: 4, backoffMs: [100, 1000], jitter: 0 });
    const c = cartonaClient();
    const N = 40;
    for (let i = 0; i < N; i++) await c.outboxEnqueue(ob, product(i, 1 + i), { nowMs: T0 });
    for (let i = 0; i < N; i++) await cartona.outboxEnqueue(ob, product(i, 100 + i), { nowMs: T0 + 1 }); // coalesced
    for (const bad of ['unknown-1', 'unknown-2']) {
      await cartona.outboxEnqueue(ob, { supplier_product_id: bad, selling_price: 1 }, { nowMs: T0 + 1 });
    }
    await cartona.outboxEnqueue(ob, { supplier_product_id: 'neg', selling_price: -5 }, { nowMs: T0 + 1 });
    assert.equal(await ob.count('pending', { nowMs: T0 + 1 }), N + 3);
    await cartonaCtl('/_control/faults', { rate: 0.4, kinds: ['503', '429', 'reset'], seed: 7, retry_after: 1,
      item_fail_rate: 0.1, path_prefix: 'supplier-product/bulk' });
    let now = T0 + 2;
    const totals = Object.fromEntries(REPORT_KEYS.map((k) => [k, 0]));
    const open = async () => (await ob.count('pending', { nowMs: now })) +
      (await ob.count('retry_wait', { nowMs: now })) + (await ob.count('leased', { nowMs: now }));
    for (let round = 0; round < 60; round++) { // bounded: each item has at most 4 attempts
      const rep = await c.outboxFlush(ob, { kind: 'products', maxItems: 25, nowMs: now });
      checkReport(rep);
      for (const k of REPORT_KEYS) totals[k] += rep[k];
      if (await open() === 0) break;
      now += 2000; // past any backoff (cap 1 s) and retry-after (1 s)
    }
    assert.equal(await open(), 0, JSON.stringify(totals));
    const state = await cartonaCtl('/_control/state');
    assert.ok(Object.keys(state.faults_injected).length > 0, 'no fault was injected');
    let sim = await simProducts();
    const deadB = await ob.list('dead', { offset: 0, limit: 1000 });
    const dead = Object.fromEntries(deadB.items.map((i) => [i.key, i]));
    deadB.close();
    const doneB = await ob.list('done', { offset: 0, limit: 1000 });
    const done = new Set(doneB.items.map((i) => i.key));
    doneB.close();
    assert.equal(totals.updated, done.size, JSON.stringify(totals));
    assert.equal(totals.dead, Object.keys(dead).length, JSON.stringify(totals));
    assert.ok('s:unknown-1' in dead && /not found/.test(dead['s:unknown-1'].errorMessage || ''));
    assert.ok('s:neg' in dead && ['EVALIDATION', 'EINVAL'].includes(dead['s:neg'].errorCodeName));
    for (let i = 0; i < N; i++) { // every product updated with its latest value, or visibly dead-lettered
      const pid = `p${String(i).padStart(2, '0')}`;
      if (done.has(`s:${pid}`)) assert.equal(sim[pid].selling_price, 100 + i, pid); // never done unless Cartona has it
      else assert.ok(dead[`s:${pid}`] && dead[`s:${pid}`].errorMessage, pid);
    }
    assert.equal(done.size + Object.keys(dead).length, N + 3);
    // the faults gone, the dead letters requeued: every real product ends updated
    await cartonaCtl('/_control/faults', { rate: 0, item_fail_rate: 0 });
    const nDead = Object.keys(dead).length;
    assert.equal(await ob.requeue(null, { nowMs: now }), nDead);
    const rep = await c.outboxFlush(ob, { kind: 'products', maxItems: 100, nowMs: now });
    checkReport(rep);
    assert.deepEqual([rep.claimed, rep.updated, rep.dead], [nDead, nDead - 3, 3]);
    sim = await simProducts();
    for (let i = 0; i < N; i++) assert.equal(sim[`p${String(i).padStart(2, '0')}`].selling_price, 100 + i);
    const last = await ob.list('dead', { limit: 10 });
    assert.deepEqual(last.items.map((i) => i.key).sort(), ['s:neg', 's:unknown-1', 's:unknown-2']);
    last.close();
    c.close();
    close();
  });
}

// keep the helpers referenced by a test of their own so that a typo in them shows
test('node_store_ops: the dict backends follow the contract on their own', async () => {
  const d = new DictDedupOps();
  assert.equal(d.insertIfAbsent('a', 10, 0), true);
  assert.equal(d.insertIfAbsent('a', 20, 5), false);
  assert.equal(d.insertIfAbsent('a', 30, 10), true); // expired at 10
  d.insertIfAbsent('b', 40, 10);
  d.insertIfAbsent('c', 50, 10);
  d.purge(10, 2);
  assert.deepEqual([...d.ids.keys()], ['b', 'c']); // 'a' (expiring first) went over the bound
  assert.equal(d.count(45), 1);
  const ao = asyncOps(new DictOutboxOps());
  const p = ao.count(STATE.PENDING, 0);
  assert.ok(p instanceof Promise);
  assert.equal(await p, 0);
  await ao.upsert('k', Buffer.from('v'), 0);
  const rows = await ao.claim(5, 0, 100);
  assert.equal(rows.length, 1);
  assert.equal(await ao.finish('k', rows[0].generation, OUTCOME.DONE, 0, 0, null, 1), true);
  assert.equal(await ao.finish('k', rows[0].generation, OUTCOME.DONE, 0, 0, null, 1), false); // no longer leased
  assert.equal(await ao.count(STATE.DONE, 1), 1);
  assert.equal(ao.insertIfAbsent, undefined);
  await tick();
});
