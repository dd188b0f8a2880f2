'use strict';
// The Odoo client (erplink/odoo.h). Every method returns a Promise; the C call runs on the
// addon's worker threads (one client serves concurrent calls: the C client is thread-safe
// and keeps a pool of connections). The last argument of every method is an options object
// that may hold `signal` (an AbortSignal: aborting cancels the request in flight with
// CancelledError).

module.exports = function odoo(I) {
  const { native, run, classes, codes } = I;
  const PROTOCOLS = { auto: 0, xmlrpc: 1, jsonrpc: 2, json2: 3 };
  const OP = {
    protocol: 0, version: 1, serverVersion: 2, authenticate: 3, executeKw: 4, call: 5, search: 6, searchCount: 7,
    read: 8, searchRead: 9, create: 10, createMany: 11, write: 12, unlink: 13, fieldsGet: 14, nameSearch: 15,
    readGroup: 16, cursorNew: 17,
  };
  const CALL_IDEMPOTENT = 1;
  const inval = (msg) => new classes.invalid_argument(msg, { code: codes.EINVAL });

  class Client {
    #h;
    /**
     * @param {object} options url, db, login, password, apiKey, protocol ('auto' | 'xmlrpc' |
     *   'jsonrpc' | 'json2'), timeoutMs, connectTimeoutMs, maxAttempts, userAgent, log
     *   ((level, message) => void, on the main thread; lines are redacted), logLevel ('error' ..
     *   'trace', default 'info'), context ({lang, tz, allowedCompanyIds}). No request is sent here.
     */
    constructor(options) {
      const o = I.opts(options, 'odoo.Client');
      const protocol = PROTOCOLS[o.protocol == null ? 'auto' : o.protocol];
      if (protocol === undefined) throw inval(`unknown protocol '${o.protocol}' (auto, xmlrpc, jsonrpc, json2)`);
      const ctx = o.context || {};
      for (const k of Object.keys(ctx)) {
        if (!['lang', 'tz', 'allowedCompanyIds'].includes(k)) {
          throw inval(`context key '${k}': the default context holds lang, tz and allowedCompanyIds ` +
            "(pass other keys in kwargs.context of a call)");
        }
      }
      this.#h = I.sync(() => native.odooClientNew({
        url: o.url, db: o.db, login: o.login, password: o.password, apiKey: o.apiKey, protocol,
        timeoutMs: o.timeoutMs, connectTimeoutMs: o.connectTimeoutMs, maxAttempts: o.maxAttempts, userAgent: o.userAgent,
        log: o.log, logLevel: o.logLevel,
        lang: ctx.lang, tz: ctx.tz, allowedCompanyIds: ctx.allowedCompanyIds,
      }))();
    }

    #call(op, options, ...args) {
      const o = I.opts(options);
      return run(o.signal, (tok) => native.odooCall(this.#h, op, tok, ...args));
    }

    /** Frees the client once the calls in flight are over; later calls fail. Idempotent. */
    close() {
      native.close(this.#h);
    }

    /** 'xmlrpc', 'jsonrpc' or 'json2' ('auto' resolved, which may ask the server its version). */
    protocol(options) {
      return this.#call(OP.protocol, options);
    }
    /** The server's version structure. */
    version(options) {
      return this.#call(OP.version, options);
    }
    /** The server's major version (17, 19, ...), asked once and remembered. */
    serverVersion(options) {
      return this.#call(OP.serverVersion, options);
    }
    /** Authenticates now (otherwise the first call does) -> uid. AuthError on bad credentials. */
    authenticate(options) {
      return this.#call(OP.authenticate, options);
    }
    /** model.method(...args, **kwargs); `idempotent: true` lets erplink retry it after a reset or 502/503/504. */
    executeKw(model, method, args = [], kwargs = {}, options = {}) {
      const o = I.opts(options);
      if (o.idempotent) return this.#call(OP.call, o, model, method, args, kwargs == null ? {} : kwargs, CALL_IDEMPOTENT);
      return this.#call(OP.executeKw, o, model, method, args, kwargs == null ? {} : kwargs);
    }
    /** search(domain, offset, limit, order) -> ids (limit 0: no limit). */
    search(model, domain = [], options = {}) {
      const o = I.opts(options);
      return this.#call(OP.search, o, model, domain, I.int(o.offset, 0), I.int(o.limit, 0), o.order);
    }
    searchCount(model, domain = [], options = {}) {
      return this.#call(OP.searchCount, options, model, domain);
    }
    /** read(ids, fields) -> records (fields null: all). */
    read(model, ids, fields = null, options = {}) {
      return this.#call(OP.read, options, model, ids, fields);
    }
    /** search_read(domain, fields, offset, limit, order) -> records. */
    searchRead(model, domain = [], options = {}) {
      const o = I.opts(options);
      return this.#call(OP.searchRead, o, model, domain, o.fields, I.int(o.offset, 0), I.int(o.limit, 0), o.order);
    }
    /** create(vals): an object gives the new id, an array of objects the new ids. Never retried. */
    create(model, vals, options = {}) {
      return this.#call(Array.isArray(vals) ? OP.createMany : OP.create, options, model, vals);
    }
    write(model, ids, vals, options = {}) {
      return this.#call(OP.write, options, model, ids, vals);
    }
    unlink(model, ids, options = {}) {
      return this.#call(OP.unlink, options, model, ids);
    }
    /** fields_get(attributes) -> field descriptions (attributes null: every attribute). */
    fieldsGet(model, attributes = null, options = {}) {
      return this.#call(OP.fieldsGet, options, model, attributes);
    }
    /** name_search(name, domain, operator, limit) -> [[id, display_name], ...]. */
    nameSearch(model, name = '', options = {}) {
      const o = I.opts(options);
      return this.#call(OP.nameSearch, o, model, name, o.domain || [], o.operator, I.int(o.limit, 0));
    }
    /** read_group(domain, fields, groupby, offset, limit, orderby, lazy) -> groups. */
    readGroup(model, domain, fields, groupby, options = {}) {
      const o = I.opts(options);
      return this.#call(OP.readGroup, o, model, domain, fields, groupby, I.int(o.offset, 0), I.int(o.limit, 0),
        o.orderby, o.lazy === undefined || o.lazy ? 1 : 0);
    }
    /**
     * Every record matching domain, in id order, read pageSize (default 1000) at a time through
     * an odoo_cursor (memory bounded by one page): `for await (const rec of client.iterSearchRead(...))`.
     * `break` (or a throw) frees the cursor; no request is in flight between pages.
     */
    async *iterSearchRead(model, domain = [], options = {}) {
      const o = I.opts(options);
      const cur = await this.#call(OP.cursorNew, o, model, domain, o.fields, I.int(o.pageSize, 1000));
      try {
        for (;;) {
          const page = await run(o.signal, (tok) => native.odooCursorNext(cur, this.#h, tok));
          if (page === null) return;
          yield* page;
        }
      } finally {
        native.close(cur);
      }
    }
  }

  return { Client, PROTOCOLS: Object.freeze(Object.keys(PROTOCOLS)), CALL_IDEMPOTENT };
};
