'use strict';
// The Cartona supplier API (erplink/cartona*.h): bulk product and stock updates with per-item
// outcomes, orders (pull, parse, acknowledge, status and detail updates), the order intake
// (syncOrders with an async importFn) and the Odoo <-> Cartona status map. Every call that
// talks to Cartona returns a Promise and runs on the addon's worker threads.

module.exports = function cartona(I, store) {
  const { native, run, sync, classes, codes } = I;
  const OP = { test: 0, list: 1, products: 2, base: 3, stock: 4, pull: 5, ack: 6, statuses: 7, status: 8,
    details: 9, intakeNew: 10, intakeNext: 11, intakeFinish: 12 };
  const BASE_URL_PRODUCTION = 'https://supplier-integrations.cartona.com/api/v1/';

  class OrderLine {
    #owner;
    #ptr;
    constructor(owner, l) {
      this.#owner = owner;
      this.#ptr = l.ptr;
      this.quantity = l.quantity;
      this.unitPrice = l.unitPrice;
      this.raw = l.raw;
    }
    /** A member as text (numbers formatted), or null. */
    text(key) {
      return native.cartonaOrderField(this.#owner, this.#ptr, 3, key);
    }
    /** A member as a number (ValidationError when it is not one). */
    number(key) {
      return native.cartonaOrderField(this.#owner, this.#ptr, 4, key);
    }
  }
  OrderLine.prototype.text = sync(OrderLine.prototype.text);
  OrderLine.prototype.number = sync(OrderLine.prototype.number);

  class Order {
    #owner;
    #ptr;
    constructor(owner, o) {
      this.#owner = owner;
      this.#ptr = o.ptr;
      this.hashedId = o.hashedId;
      this.status = o.status;
      this.paymentMethod = o.paymentMethod;
      this.raw = o.raw;
      this.lines = o.lines.map((l) => new OrderLine(owner, l));
    }
    /** @internal */
    get _ptr() {
      return this.#ptr;
    }
    text(key) {
      return native.cartonaOrderField(this.#owner, this.#ptr, 0, key);
    }
    number(key) {
      return native.cartonaOrderField(this.#owner, this.#ptr, 1, key);
    }
    /** A member of the order's retailer, as text, or null. */
    retailerText(key) {
      return native.cartonaOrderField(this.#owner, this.#ptr, 2, key);
    }
  }
  for (const m of ['text', 'number', 'retailerText']) Order.prototype[m] = sync(Order.prototype[m]);

  const ordersOf = (r) => r.orders.map((o) => new Order(r.owner, o));
  /** Parses an orders answer (JSON text or an already decoded value) into Orders. */
  const parseOrders = sync((data) => ordersOf(native.cartonaParseOrders(data)));

  function bulkResult(r) {
    for (const o of r.outcomes) {
      o.error = o.error === null ? null : I.convert(o.error);
      o.ok = o.status === 'updated';
      o.errorCategory = o.error ? o.error.category : null;
    }
    r.updated = r.counts.updated;
    r.failed = r.outcomes.filter((o) => !o.ok);
    return r;
  }

  class Client {
    #h;
    /**
     * @param {object} options token, baseUrl, supplierCode, batchSize, concurrency, timeoutMs,
     *   connectTimeoutMs, maxAttempts, backoffMs, userAgent, log, logLevel (as odoo.Client). No request
     *   is sent here.
     */
    constructor(options) {
      const o = I.opts(options, 'cartona.Client');
      this.#h = sync(() => native.cartonaClientNew(o))();
    }
    #call(op, options, ...args) {
      const o = I.opts(options);
      return run(o.signal, (tok) => native.cartonaCall(this.#h, op, tok, ...args));
    }
    close() {
      native.close(this.#h);
    }
    testConnection(options) {
      return this.#call(OP.test, options);
    }
    listProducts(options = {}) {
      const o = I.opts(options);
      return this.#call(OP.list, o, I.int(o.page, 1), I.int(o.perPage, 100), o.internalProductId, o.supplierProductId);
    }
    /**
     * Bulk product update -> BulkResult (one outcome per item, in input order; never throws per
     * item). `progress(done, total)` is called on the main thread after each batch, before the
     * Promise settles; a throw in it stops the update and the Promise rejects with it.
     */
    async updateProducts(items, options = {}) {
      return this.#bulk(OP.products, items, options);
    }
    async updateBaseProducts(items, options = {}) {
      return this.#bulk(OP.base, items, options);
    }
    async updateStock(items, options = {}) {
      return this.#bulk(OP.stock, items, options);
    }
    async #bulk(op, items, options) {
      const o = I.opts(options);
      if (o.progress != null && typeof o.progress !== 'function') {
        throw new classes.invalid_argument('progress must be a function', { code: codes.ETYPE });
      }
      return bulkResult(await this.#call(op, o, [...items], o.progress));
    }
    async pullOrders(options = {}) {
      const o = I.opts(options);
      return ordersOf(await this.#call(OP.pull, o, I.int(o.page, 1), I.int(o.perPage, 100), o.from, o.to));
    }
    ackOrders(hashedIds, options) {
      return this.#call(OP.ack, options, [...hashedIds]);
    }
    /** items: [{hashed_id, status, ...}] as Cartona takes them. */
    updateOrderStatuses(items, options) {
      return this.#call(OP.statuses, options, items);
    }
    updateOrderStatus(hashedId, status, options = {}) {
      const o = I.opts(options);
      return this.#call(OP.status, o, hashedId, status, o.retailerOtp, o.cancellationReason,
        o.estimatedDeliveryDay, o.deliveryDay);
    }
    /** changes: an OrderChanges. */
    updateOrderDetails(changes, options) {
      if (!(changes instanceof OrderChanges)) {
        return Promise.reject(new classes.invalid_argument('changes must be an OrderChanges', { code: codes.ETYPE }));
      }
      return this.#call(OP.details, options, changes.hashedId, changes._list);
    }
    /** outboxEnqueue(outbox, item, options) of the module (enqueueing needs no network). */
    outboxEnqueue(outbox, item, options = {}) {
      return outboxEnqueue(outbox, item, options);
    }
    /**
     * Flushes an outbox to Cartona (cartona_outbox_flush): claims up to `maxItems` (100) due
     * items, sends them through the bulk update of `kind` ('products', 'base_products',
     * 'stock') and records each outcome: updated -> done; refused by Cartona or locally ->
     * a dead letter at once (the same payload would be refused again; a newer enqueue of the
     * product revives it); not sent (network, timeout, 5xx, rate limit, authentication) ->
     * retried with the outbox's backoff, dead after its maxAttempts; cancelled -> released.
     * -> {claimed, updated, retrying, dead, released, stale}. Several workers may flush one outbox.
     */
    outboxFlush(outbox, options = {}) {
      const o = I.opts(options);
      if (!(outbox instanceof store.Outbox)) {
        return Promise.reject(new classes.invalid_argument('outbox must be a store.Outbox', { code: codes.ETYPE }));
      }
      return run(o.signal, (tok) => native.cartonaOutboxFlush(this.#h, outbox._handle, I.int(o.kind, 'products'),
        I.int(o.maxItems, 100), I.int(o.nowMs, -1), tok));
    }
    /**
     * The order intake: every new order of the queue goes to `await importFn(order)`; exactly the
     * orders whose import resolved are then acknowledged (`synced`); a rejection or a throw marks
     * that order failed and not acknowledged (it comes back next pull) -> SyncReport. A failed
     * pull rejects with its error, carrying `.report` (the orders imported before are acknowledged).
     */
    async syncOrders(importFn, options = {}) {
      const o = I.opts(options);
      const intake = await this.#call(OP.intakeNew, o, I.int(o.maxPages, 10), I.int(o.perPage, 100));
      const errors = {};
      let pullError = null;
      try {
        for (;;) {
          let order;
          try {
            const raw = await run(o.signal, (tok) => native.cartonaCall(intake, OP.intakeNext, tok));
            if (raw === null) break;
            order = new Order(intake, raw);
          } catch (e) {
            pullError = e;
            break;
          }
          try {
            await importFn(order);
            native.cartonaIntakeDone(intake, order._ptr, true, null);
          } catch (e) {
            errors[order.hashedId] = e;
            native.cartonaIntakeDone(intake, order._ptr, false, e instanceof Error ? e.message : String(e));
          }
        }
        const report = await run(null, (tok) => native.cartonaCall(intake, OP.intakeFinish, tok));
        for (const e of report.entries) e.error = errors[e.hashedId] || null;
        if (pullError) {
          pullError.report = report;
          throw pullError;
        }
        return report;
      } finally {
        native.close(intake);
      }
    }
  }

  class OrderChanges {
    constructor(hashedId) {
      this.hashedId = hashedId;
      this._list = [];
    }
    setQuantity(lineId, amount) {
      this._list.push([0, String(lineId), amount]);
      return this;
    }
    addLine(amount, price, { supplierProductId = null, internalProductId = null } = {}) {
      this._list.push([1, supplierProductId, internalProductId, amount, price]);
      return this;
    }
    cancelLine(lineId) {
      this._list.push([2, String(lineId)]);
      return this;
    }
  }

  class StatusMap {
    #h;
    /** @param {boolean} [withDefaults=true] start from erplink's default mapping (else empty) */
    constructor(withDefaults = true) {
      this.#h = sync(() => native.cartonaStatusMapNew(!!withDefaults))();
    }
    toCartona(odooState) {
      return native.cartonaStatusMap(this.#h, 0, odooState, null);
    }
    toOdoo(cartonaStatus) {
      return native.cartonaStatusMap(this.#h, 1, cartonaStatus, null);
    }
    setOutbound(odooState, cartonaStatus) {
      native.cartonaStatusMap(this.#h, 2, odooState, cartonaStatus);
    }
    setInbound(cartonaStatus, odooState) {
      native.cartonaStatusMap(this.#h, 3, cartonaStatus, odooState);
    }
  }
  for (const m of ['toCartona', 'toOdoo', 'setOutbound', 'setInbound']) StatusMap.prototype[m] = sync(StatusMap.prototype[m]);

  /**
   * Enqueues a product update in a store.Outbox (cartona_outbox_enqueue), keyed by its first
   * identifier (supplier_product_id, else internal_product_id, else base_product_id with unit
   * and unit_count) so the latest update of each product wins: enqueue the complete state you
   * want, not a delta. Committed when the Promise resolves. Use one outbox per endpoint kind.
   */
  function outboxEnqueue(outbox, item, options = {}) {
    const o = I.opts(options);
    if (!(outbox instanceof store.Outbox)) {
      return Promise.reject(new classes.invalid_argument('outbox must be a store.Outbox', { code: codes.ETYPE }));
    }
    return run(o.signal, (tok) => native.cartonaOutboxEnqueue(outbox._handle, item, I.int(o.nowMs, -1), tok));
  }

  return {
    BASE_URL_PRODUCTION,
    outboxEnqueue,
    Client,
    Order,
    OrderLine,
    OrderChanges,
    StatusMap,
    parseOrders,
    statusSettable: sync((s) => native.cartonaVocab(0, s)),
    cancellationReasonValid: sync((s) => native.cartonaVocab(1, s)),
    unitValid: sync((s) => native.cartonaVocab(2, s)),
  };
};
