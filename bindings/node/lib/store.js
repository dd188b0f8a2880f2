'use strict';
// The store layer (erplink/store.h): one SQLite file shared by processes, the dedup of
// delivered events and a size-capped blob cache. Every call that touches the file returns a
// Promise and runs on the addon's worker threads; close() waits for calls in flight.

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
     * with `path`, in a store file of its own opened on first use.
     */
    constructor(options = {}) {
      const o = I.opts(options, 'Dedup');
      const capacity = I.int(o.capacity, 100000);
      const ttlMs = o.ttlMs;
      if (ttlMs == null) throw new classes.invalid_argument('Dedup: ttlMs is required', { code: codes.EINVAL });
      if (o.path != null) {
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

  return { Store, Dedup, BlobCache };
};
