'use strict';
// Custom store backends written in JavaScript for the tests of erplink.store: the
// erplink_dedup_ops and erplink_outbox_ops contracts (include/erplink/store.h) over a Map, as a
// caller would write them over their own store. A port of tests/bindings/store_ops.py
// (DictDedupOps, DictOutboxOps; itself the C suite's tests/core/store/test_outbox.c `tbox`).
// Each method returns its value at once; asyncOps() wraps a backend so that every method
// returns a Promise settled after a setImmediate (a driver that answers later), so that the
// tests cover both.

/** The C enum erplink_outbox_state, as passed to `list` and `count`. */
const STATE = Object.freeze({ PENDING: 0, RETRY_WAIT: 1, LEASED: 2, DEAD: 3, DONE: 4 });
/** The C enum erplink_outbox_outcome, as passed to `finish`. */
const OUTCOME = Object.freeze({ DONE: 1, RETRY: 2, DEAD: 3, RELEASE: 4 });

// this backend's own row states (not the enum above)
const R_PENDING = 0;
const R_LEASED = 1;
const R_DEAD = 2;
const R_DONE = 3;

const DEDUP_METHODS = ['insertIfAbsent', 'remove', 'purge', 'count'];
const OUTBOX_METHODS = ['upsert', 'claim', 'finish', 'list', 'requeue', 'discard', 'count', 'purge'];

/** erplink_dedup_ops over a Map id -> expiry (ms). */
class DictDedupOps {
  constructor() {
    this.ids = new Map();
    this.calls = 0; // insertIfAbsent calls
    this.removes = 0;
    this.purges = 0;
    this.counts = 0;
  }

  insertIfAbsent(id, expiresAtMs, nowMs) {
    this.calls++;
    const exp = this.ids.get(id);
    if (exp !== undefined && exp > nowMs) return false;
    this.ids.set(id, expiresAtMs);
    return true;
  }

  remove(id) {
    this.removes++;
    return this.ids.delete(id);
  }

  purge(nowMs, maxEntries) {
    this.purges++;
    for (const [k, e] of this.ids) if (e <= nowMs) this.ids.delete(k);
    const over = this.ids.size - maxEntries;
    if (over > 0) {
      const first = [...this.ids].sort((a, b) => a[1] - b[1]).slice(0, over); // stable: insertion order on ties
      for (const [k] of first) this.ids.delete(k);
    }
  }

  count(nowMs) {
    this.counts++;
    let n = 0;
    for (const e of this.ids.values()) if (e > nowMs) n++;
    return n;
  }
}

function byKeyBytes(a, b) {
  return Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/**
 * erplink_outbox_ops over a Map key -> row. `options.arrays`: hand rows as arrays
 * [key, payload, generation, attempts, errorCode, errorMessage, changedMs] instead of objects
 * (both forms are part of the API).
 */
class DictOutboxOps {
  constructor(options = {}) {
    this.rows = new Map();
    this.arrays = !!options.arrays;
    this.calls = Object.fromEntries(OUTBOX_METHODS.map((m) => [m, 0]));
  }

  #row(r, changed) {
    const c = changed ? r.changed : 0;
    if (this.arrays) return [r.key, r.payload, r.gen, r.attempts, r.errCode, r.errMsg, c];
    return { key: r.key, payload: r.payload, generation: r.gen, attempts: r.attempts, errorCode: r.errCode,
      errorMessage: r.errMsg, changedMs: c };
  }

  upsert(key, payload, nowMs) {
    this.calls.upsert++;
    const p = Buffer.from(payload); // a copy: the caller's buffer is not ours to keep
    const r = this.rows.get(key);
    if (r === undefined) {
      this.rows.set(key, { key, state: R_PENDING, payload: p, newer: null, gen: nowMs, attempts: 0, ready: nowMs,
        changed: nowMs, errCode: 0, errMsg: null });
    } else if (r.state === R_LEASED) {
      r.newer = p;
    } else if (r.state === R_PENDING) {
      r.payload = p;
    } else {
      Object.assign(r, { state: R_PENDING, payload: p, attempts: 0, ready: nowMs, changed: nowMs, errCode: 0,
        errMsg: null });
    }
  }

  claim(max, nowMs, leaseUntilMs) {
    this.calls.claim++;
    const due = [...this.rows.values()]
      .filter((r) => (r.state === R_PENDING || r.state === R_LEASED) && r.ready <= nowMs)
      .sort((a, b) => a.ready - b.ready).slice(0, max);
    return due.map((r) => {
      r.state = R_LEASED;
      r.gen += 1;
      r.attempts += 1;
      if (r.newer !== null) {
        r.payload = r.newer;
        r.newer = null;
      }
      r.ready = leaseUntilMs;
      r.changed = nowMs;
      return this.#row(r, false);
    });
  }

  finish(key, generation, outcome, readyAtMs, code, message, nowMs) {
    this.calls.finish++;
    const r = this.rows.get(key);
    if (r === undefined || r.state !== R_LEASED || r.gen !== generation) return false;
    if (outcome === OUTCOME.DONE || outcome === OUTCOME.DEAD) {
      if (r.newer !== null) {
        Object.assign(r, { payload: r.newer, newer: null, state: R_PENDING, attempts: 0, ready: nowMs });
      } else {
        r.state = outcome === OUTCOME.DONE ? R_DONE : R_DEAD;
      }
      if (outcome === OUTCOME.DONE) [r.errCode, r.errMsg] = [0, null];
      else [r.errCode, r.errMsg] = [code, message];
    } else {
      if (r.newer !== null) {
        r.payload = r.newer;
        r.newer = null;
      }
      r.state = R_PENDING;
      r.ready = readyAtMs;
      if (outcome === OUTCOME.RELEASE && r.attempts > 0) r.attempts -= 1;
      if (code !== 0) [r.errCode, r.errMsg] = [code, message];
    }
    r.changed = nowMs;
    return true;
  }

  list(state, offset, max) {
    this.calls.list++;
    const want = { [STATE.LEASED]: R_LEASED, [STATE.DEAD]: R_DEAD, [STATE.DONE]: R_DONE }[state] ?? R_PENDING;
    const sel = [...this.rows.values()].filter((r) => r.state === want).sort(byKeyBytes);
    const rows = sel.slice(offset, offset + max).map((r) => this.#row(r, true));
    return rows[Symbol.iterator](); // an iterable, not an array: both are accepted
  }

  requeue(key, nowMs) {
    this.calls.requeue++;
    let n = 0;
    for (const r of this.rows.values()) {
      if (r.state === R_DEAD && (key === null || r.key === key)) {
        Object.assign(r, { state: R_PENDING, attempts: 0, ready: nowMs, changed: nowMs, errCode: 0, errMsg: null });
        n++;
      }
    }
    return n;
  }

  discard(key) {
    this.calls.discard++;
    const gone = [...this.rows.values()].filter((r) => r.state === R_DEAD && (key === null || r.key === key));
    for (const r of gone) this.rows.delete(r.key);
    return gone.length;
  }

  count(state, nowMs) {
    this.calls.count++;
    const rows = [...this.rows.values()];
    if (state === STATE.PENDING) return rows.filter((r) => r.state === R_PENDING && r.ready <= nowMs).length;
    if (state === STATE.RETRY_WAIT) return rows.filter((r) => r.state === R_PENDING && r.ready > nowMs).length;
    const want = { [STATE.LEASED]: R_LEASED, [STATE.DEAD]: R_DEAD }[state] ?? R_DONE;
    return rows.filter((r) => r.state === want).length;
  }

  purge(doneBeforeMs) {
    this.calls.purge++;
    for (const r of [...this.rows.values()]) {
      if (r.state === R_DONE && r.changed < doneBeforeMs) this.rows.delete(r.key);
    }
  }
}

/**
 * The same backend answering asynchronously: a plain object whose methods (those of `ops`
 * among `methods` that exist) each return a Promise; the operation runs after a setImmediate
 * (atomically then: JavaScript runs one callback at a time) and the Promise settles with its
 * result, or rejects with what it threw. `target` is the wrapped backend (its counters).
 */
function asyncOps(ops, methods = ops instanceof DictDedupOps ? DEDUP_METHODS : OUTBOX_METHODS) {
  const out = { target: ops };
  for (const m of methods) {
    if (typeof ops[m] !== 'function') continue;
    out[m] = (...args) => new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(ops[m](...args));
        } catch (e) {
          reject(e);
        }
      });
    });
  }
  return out;
}

module.exports = { DictDedupOps, DictOutboxOps, asyncOps, STATE, OUTCOME, DEDUP_METHODS, OUTBOX_METHODS };
