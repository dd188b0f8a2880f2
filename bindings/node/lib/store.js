'use strict';
// The store layer (erplink/store.h): one SQLite file shared by processes, the dedup of
// delivered events, a size-capped blob cache and the outbox. Every call that touches the file
// returns a Promise and runs on the addon's worker threads; close() waits for calls in flight.
// Dedup and Outbox also run over storage primitives written in JavaScript (`ops` objects: your
// own database); the policy stays the C library's, the primitives are called on the main thread.

module.exports = function store(I) {
  const { native, run, classes, codes } = I;
  const SYNC = { normal: 1, full: 2 };

  class Store {
    #h;
    /** @internal use Store.open() */
    constructor(handle) {
      if (handle === undefined || typeof handle !== 'object' && typeof handle !== 'function' && handle !== null) {
        throw new classes.invalid_argument('use `await Store.open(path)`', { code: codes.EINVAL });
      }
      this.#h = handle;
    }
    /** Opens (and by default creates) a store file. */
    static async open(path, options = {}) {
      const o = I.opts(options, 'Store.open');
      let sync;
      if (o.sync != null) {
        sync = SYNC[o.sync];
        if (sync === undefined) throw new classes.invalid_argument("sync must be 'normal' or 'full'", { code: codes.EINVAL });
      }
      const h = await run(o.signal, (tok) => native.storeOpen(String(path), {
        create: o.create === undefined ? true : !!o.create,
        busyTimeoutMs: o.busyTimeoutMs,
        sync,
        maxConnections: o.maxConnections,
      }, tok));
      return new Store(h);
    }
    /** @internal */
    get _handle() {
      return this.#h;
    }
    get path() {
      return I.sync(() => native.storePath(this.#h))();
    }
    /** SQLite's integrity check; StoreError when the file is damaged. */
    check(options = {}) {
      return run(I.opts(options).signal, (tok) => native.storeCheck(this.#h, tok));
    }
    /** Closes the file (after the calls in flight, and after the dedups and caches opened on it). */
    close() {
      native.close(this.#h);
    }
  }

  class Dedup {
    #h;
    #ready = null;
    #own = null;
    /**
     * In memory by default; with `store` (an open Store) and `name` in that store file;
     * with `path`, in a store file of its own opened on first use; with `ops`, over your own
     * storage primitives (DedupOps: insertIfAbsent and remove required, purge and count optional).
     */
    constructor(options = {}) {
      const o = I.opts(options, 'Dedup');
      const capacity = I.int(o.capacity, 100000);
      const ttlMs = o.ttlMs;
      if (ttlMs == null) throw new classes.invalid_argument('Dedup: ttlMs is required', { code: codes.EINVAL });
      if ([o.ops, o.store, o.path].filter((x) => x != null).length > 1) {
        throw new classes.invalid_argument('Dedup: give at most one of ops, store and path', { code: codes.EINVAL });
      }
      if (o.ops != null) {
        this.#h = I.sync(() => native.dedupNewCustom(o.ops, capacity, ttlMs))();
      } else if (o.path != null) {
        const name = o.name == null ? 'dedup' : o.name;
        this.#ready = Store.open(o.path).then((st) => {
          this.#own = st;
          this.#h = I.sync(() => native.dedupNewSqlite(st._handle, name, capacity, ttlMs))();
          this.#own.close(); // freed when the dedup is
        });
        this.#ready.catch(() => {}); // reported by the first call
      } else if (o.store != null) {
        if (!(o.store instanceof Store)) throw new classes.invalid_argument('Dedup: store must be a Store', { code: codes.ETYPE });
        if (o.name == null) throw new classes.invalid_argument('Dedup: a name is required with a store', { code: codes.EINVAL });
        this.#h = I.sync(() => native.dedupNewSqlite(o.store._handle, o.name, capacity, ttlMs))();
      } else {
        this.#h = I.sync(() => native.dedupNewMemory(capacity, ttlMs))();
      }
    }
    /** A dedup over your own storage primitives: `new Dedup({ ...options, ops })`. */
    static custom(ops, options = {}) {
      return new Dedup({ ...I.opts(options, 'Dedup.custom'), ops });
    }
    // fn(handle) now (so that a call made before close() is in flight before it), or once
    // the store file of `path` is open
    #with(signal, fn) {
      if (this.#ready) return this.#ready.then(() => run(signal, (tok) => fn(this.#h, tok)));
      return run(signal, (tok) => fn(this.#h, tok));
    }
    /** Records id; true when it was recorded before (and has not expired): a redelivery. */
    seen(id, options = {}) {
      const o = I.opts(options);
      const now = I.int(o.nowMs, Date.now());
      return this.#with(o.signal, (h, tok) => native.dedupSeen(h, id, now, tok));
    }
    /** Forgets id (e.g. when handling it failed, so that the retry is handled); true if it was there. */
    forget(id, options = {}) {
      return this.#with(I.opts(options).signal, (h, tok) => native.dedupForget(h, id, tok));
    }
    /** How many ids are remembered (not expired). */
    count(options = {}) {
      const o = I.opts(options);
      const now = I.int(o.nowMs, Date.now());
      return this.#with(o.signal, (h, tok) => native.dedupCount(h, now, tok));
    }
    close() {
      if (this.#ready) this.#ready.then(() => native.close(this.#h), () => {});
      else native.close(this.#h);
    }
  }

  class BlobCache {
    #h;
    constructor(store, name, maxBytes) {
      if (!(store instanceof Store)) throw new classes.invalid_argument('BlobCache: store must be a Store', { code: codes.ETYPE });
      this.#h = I.sync(() => native.blobNew(store._handle, name, maxBytes))();
    }
    /** @internal the native handle (an esi.Client borrows it as its cache store) */
    get _handle() {
      return this.#h;
    }
    /** The bytes under key (a Buffer), or null. */
    get(key, options = {}) {
      return run(I.opts(options).signal, (tok) => native.blobGet(this.#h, key, tok));
    }
    put(key, data, options = {}) {
      return run(I.opts(options).signal, (tok) => native.blobPut(this.#h, key, data, tok));
    }
    remove(key, options = {}) {
      return run(I.opts(options).signal, (tok) => native.blobRemove(this.#h, key, tok));
    }
    evict(targetBytes = 0, options = {}) {
      return run(I.opts(options).signal, (tok) => native.blobEvict(this.#h, targetBytes, tok));
    }
    /** {bytes, count} */
    size(options = {}) {
      return run(I.opts(options).signal, (tok) => native.blobSize(this.#h, tok));
    }
    close() {
      native.close(this.#h);
    }
  }

  const STATES = { pending: 0, retry_wait: 1, leased: 2, dead: 3, done: 4 };
  const OUTCOMES = { 1: 'DONE', 2: 'RETRY', 3: 'DEAD', 4: 'RELEASE' };
  const OB = { enqueue: 0, enqueueMany: 1, claim: 2, list: 3, requeue: 4, discard: 5, count: 6, complete: 7 };
  const codeNames = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]));
  function state(s) {
    const v = typeof s === 'number' ? s : STATES[s];
    if (v === undefined) throw new classes.invalid_argument(`unknown outbox state '${s}'`, { code: codes.EINVAL });
    return v;
  }
  function failure(error) {
    if (typeof error === 'number') return error;
    if (error && typeof error.code === 'number') return error.code;
    throw new classes.invalid_argument('error must be an ERPLINK_E* code or an ErplinkError', { code: codes.ETYPE });
  }

  /** One item of a Batch, read when the batch was made. */
  class Item {
    #batch;
    constructor(batch, index, it) {
      this.#batch = batch;
      this.index = index;
      Object.assign(this, it);
      this.errorCodeName = it.errorCode ? (codeNames[it.errorCode] || String(it.errorCode)) : null;
      /** what complete() recorded ('DONE', 'RETRY', 'DEAD', 'RELEASE'), null before and for a stale item */
      this.outcome = null;
    }
    done() { this.#batch.done(this.index); }
    failed(error, reason = null, retryAfterMs = null) { this.#batch.failed(this.index, error, reason, retryAfterMs); }
    retry(error, reason = null, retryAfterMs = null) { this.#batch.retry(this.index, error, reason, retryAfterMs); }
    release() { this.#batch.release(this.index); }
  }

  /** Claimed (or listed) outbox items; mark each, then `await complete()` records them all. */
  class Batch {
    #h;
    #outbox;
    constructor(raw, outbox, claimed) {
      this.#h = raw.handle;
      this.#outbox = outbox;
      this.claimed = claimed;
      this.items = raw.items.map((it, i) => new Item(this, i, it));
      this.stale = null;
    }
    get length() { return this.items.length; }
    [Symbol.iterator]() { return this.items[Symbol.iterator](); }
    done(i) { native.outboxMark(this.#h, i, 0); }
    failed(i, error, reason = null, retryAfterMs = null) { native.outboxMark(this.#h, i, 1, failure(error), reason, retryAfterMs); }
    retry(i, error, reason = null, retryAfterMs = null) { native.outboxMark(this.#h, i, 2, failure(error), reason, retryAfterMs); }
    release(i) { native.outboxMark(this.#h, i, 3); }
    /** Records the marks (unmarked items are released) -> how many items were stale (their lease taken over). */
    async complete(options = {}) {
      const o = I.opts(options);
      const r = await run(o.signal, (tok) => native.outboxCall(this.#outbox, OB.complete, tok, this.#h,
        I.int(o.nowMs, Date.now())));
      r.outcomes.forEach((oc, i) => { this.items[i].outcome = OUTCOMES[oc] || null; });
      this.stale = r.stale;
      return r.stale;
    }
    close() { native.close(this.#h); }
  }
  for (const m of ['done', 'failed', 'retry', 'release']) Batch.prototype[m] = I.sync(Batch.prototype[m]);

  const OUTBOX_FNS = ['upsert', 'claim', 'finish', 'list', 'requeue', 'discard', 'count', 'purge'];
  const CUSTOM = Symbol('custom outbox');
  // claim and list may return any iterable of rows (or a Promise of one): the addon reads arrays
  function rowsArray(r) {
    return r != null && typeof r === 'object' && !Array.isArray(r) && typeof r[Symbol.iterator] === 'function' ? Array.from(r) : r;
  }
  // The ops object as the addon calls it: each method called on `ops` itself (its `this`)
  function outboxOps(ops) {
    if (ops == null || typeof ops !== 'object') throw new classes.invalid_argument('Outbox.custom: ops must be an object', { code: codes.ETYPE });
    const a = {};
    for (const name of OUTBOX_FNS) {
      const f = ops[name];
      if (typeof f !== 'function') {
        a[name] = f; // absent, or not a function: the addon says which
      } else if (name === 'claim' || name === 'list') {
        a[name] = (...args) => {
          const r = f.apply(ops, args);
          return r instanceof Promise ? r.then(rowsArray) : rowsArray(r);
        };
      } else {
        a[name] = (...args) => f.apply(ops, args);
      }
    }
    return a;
  }

  /** A transactional outbox in a store file (erplink_outbox): enqueue, claim with a lease, mark, complete. */
  class Outbox {
    #h;
    /** options: leaseMs, maxAttempts, backoffMs ([base, cap]), jitter, doneRetentionMs */
    constructor(store, name, options = {}) {
      const custom = store === CUSTOM;
      if (!custom && !(store instanceof Store)) throw new classes.invalid_argument('Outbox: store must be a Store', { code: codes.ETYPE });
      const o = I.opts(options, 'Outbox');
      const [bb, bc] = o.backoffMs == null ? [undefined, undefined] : o.backoffMs;
      const policy = { leaseMs: o.leaseMs, maxAttempts: o.maxAttempts, backoffBaseMs: bb, backoffCapMs: bc, jitter: o.jitter,
        doneRetentionMs: o.doneRetentionMs };
      if (custom) this.#h = I.sync(() => native.outboxNewCustom(outboxOps(name), policy))();
      else this.#h = I.sync(() => native.outboxNew(store._handle, name, policy))();
    }
    /**
     * An outbox over your own storage primitives (OutboxOps: upsert, claim, finish, list,
     * requeue, discard, count required; purge optional), with the same policy options.
     */
    static custom(ops, options = {}) {
      return new Outbox(CUSTOM, ops, options);
    }
    /** @internal the native handle (cartona.Client.outboxFlush borrows it) */
    get _handle() {
      return this.#h;
    }
    #call(op, signal, ...args) {
      return run(signal, (tok) => native.outboxCall(this.#h, op, tok, ...args));
    }
    /** Enqueues (or replaces the pending payload of) key. */
    async enqueue(key, payload, options = {}) {
      const o = I.opts(options);
      return this.#call(OB.enqueue, o.signal, key, payload, I.int(o.nowMs, Date.now()));
    }
    /** Enqueues many in one transaction: an object {key: payload} or [[key, payload], ...]. */
    async enqueueMany(items, options = {}) {
      const o = I.opts(options);
      const pairs = Array.isArray(items) || typeof items[Symbol.iterator] === 'function' ? [...items] : Object.entries(items);
      return this.#call(OB.enqueueMany, o.signal, pairs.map((p) => p[0]), pairs.map((p) => p[1]), I.int(o.nowMs, Date.now()));
    }
    /** Leases up to maxItems due items -> Batch. */
    async claim(maxItems = 100, options = {}) {
      const o = I.opts(options);
      return new Batch(await this.#call(OB.claim, o.signal, maxItems, I.int(o.nowMs, Date.now())), this.#h, true);
    }
    /** The items in a state ('dead' by default), by key -> Batch (not claimed). */
    async list(st = 'dead', options = {}) {
      const o = I.opts(options);
      return new Batch(await this.#call(OB.list, o.signal, state(st), I.int(o.offset, 0), I.int(o.limit, 100)), this.#h, false);
    }
    /** Dead letters back to pending (one key, or all with null) -> how many. */
    async requeue(key = null, options = {}) {
      const o = I.opts(options);
      return this.#call(OB.requeue, o.signal, key, I.int(o.nowMs, Date.now()));
    }
    /** Deletes dead letters (one key, or all with null) -> how many. */
    async discard(key = null, options = {}) {
      return this.#call(OB.discard, I.opts(options).signal, key);
    }
    async count(st, options = {}) {
      const o = I.opts(options);
      return this.#call(OB.count, o.signal, state(st), I.int(o.nowMs, Date.now()));
    }
    close() { native.close(this.#h); }
  }

  return { Store, Dedup, BlobCache, Outbox, Batch, Item, STATES: Object.freeze(Object.keys(STATES)) };
};
