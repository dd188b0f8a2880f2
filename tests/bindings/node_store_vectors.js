'use strict';
// The shared store vectors of tests/vectors/store.json, run against any erplink.store.Dedup or
// Outbox (memory, SQLite, or a backend written in JavaScript): the same steps and expected
// results as the C and Python suites. Used by test_node_store.js and test_node_store_custom.js.
const assert = require('node:assert/strict');

/** Runs one dedup vector `c` against `d` (times are offsets from t0). */
async function runDedupVector(erplink, d, c, t0) {
  for (const [i, s] of c.steps.entries()) {
    const where = `step ${i} ${JSON.stringify(s.slice(0, 2)).slice(0, 80)}`;
    if (s[0] === 'seen') assert.equal(await d.seen(s[1], { nowMs: t0 + s[2] }), s[3], where);
    else if (s[0] === 'forget') assert.equal(await d.forget(s[1]), s[2], where);
    else if (s[0] === 'count') assert.equal(await d.count({ nowMs: t0 + s[1] }), s[2], where);
    else {
      assert.equal(s[0], 'seen_error');
      await assert.rejects(d.seen(s[1], { nowMs: t0 + s[2] }), (e) => e instanceof erplink.ErplinkError &&
        e.codeName === s[3], where);
    }
  }
}

/** The Outbox options of an outbox vector's policy. */
function outboxPolicy(c) {
  const p = c.policy;
  return { leaseMs: p.lease_ms, maxAttempts: p.max_attempts, backoffMs: p.backoff_ms, jitter: p.jitter };
}

/** Runs one outbox vector `c` against `ob` (made with outboxPolicy(c)); closes its batches. */
async function runOutboxVector(erplink, ob, c, t0) {
  const batches = {};
  const row = (i) => [i.key, i.payload.toString(), i.attempts, i.errorCodeName || 'OK', i.errorMessage];
  for (const [n, s] of c.steps.entries()) {
    const where = `step ${n} ${JSON.stringify(s).slice(0, 100)}`;
    switch (s[0]) {
      case 'enqueue': await ob.enqueue(s[1], s[2], { nowMs: t0 + s[3] }); break;
      case 'enqueue_many': await ob.enqueueMany(s[1], { nowMs: t0 + s[2] }); break;
      case 'claim': {
        const b = batches[s[1]] = await ob.claim(s[2], { nowMs: t0 + s[3] });
        assert.deepEqual(b.items.map(row), s[4], where);
        break;
      }
      case 'mark': {
        const it = batches[s[1]].items[s[2]];
        if (s[3] === 'done') it.done();
        else if (s[3] === 'release') it.release();
        else it[s[3] === 'failed' ? 'failed' : 'retry'](erplink.codes[s[4]], s[5], s[6] < 0 ? null : s[6]);
        break;
      }
      case 'complete': {
        const b = batches[s[1]];
        assert.equal(await b.complete({ nowMs: t0 + s[2] }), s[3], where);
        assert.deepEqual(b.items.map((i) => i.outcome), s[4], where);
        break;
      }
      case 'drop': batches[s[1]].close(); delete batches[s[1]]; break;
      case 'count': assert.equal(await ob.count(s[1], { nowMs: t0 + s[2] }), s[3], where); break;
      case 'list': {
        const b = await ob.list(s[1], { offset: s[2], limit: s[3] });
        assert.deepEqual(b.items.map((i) => [...row(i), i.changedMs - t0]), s[4], where);
        b.close();
        break;
      }
      case 'requeue': assert.equal(await ob.requeue(s[1], { nowMs: t0 + s[2] }), s[3], where); break;
      default: assert.equal(s[0], 'discard'); assert.equal(await ob.discard(s[1]), s[2], where);
    }
  }
  for (const b of Object.values(batches)) b.close();
}

module.exports = { runDedupVector, runOutboxVector, outboxPolicy };
