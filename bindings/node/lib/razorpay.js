'use strict';
// Razorpay signatures and webhook events (erplink/razorpay.h). Verification and parsing are
// synchronous (microseconds of CPU, no thread hop); Dedup is the store's (asynchronous).
//
//   const verifier = new razorpay.Verifier([WEBHOOK_SECRET, OLD_SECRET]); // keyed once
//   const events = new razorpay.Dedup({ path: '/var/lib/shop/erplink.db' });
//   export async function POST(req) {
//     const body = Buffer.from(await req.arrayBuffer());            // the raw bytes
//     verifier.verifyWebhook(body, req.headers.get('x-razorpay-signature')); // SignatureError
//     const ev = razorpay.parseEvent(body, req.headers.get('x-razorpay-event-id'));
//     if (await events.seen(ev.id)) return new Response('', { status: 200 }); // a redelivery
//     ...
//   }
//
// Bodies: Buffer, Uint8Array, ArrayBuffer, DataView (read in place, never copied) or string
// (its UTF-8 bytes). Verifications throw SignatureError on a mismatch and InvalidArgumentError
// on malformed input, and return the index of the matching secret (0 for one secret).
// Comparisons are constant-time; messages never contain a secret or a signature.

module.exports = function razorpay(I, store) {
  const { native, sync, classes, codes } = I;
  const KIND = { payment: 0, subscription: 1, paymentLink: 2 };

  class Verifier {
    #h;
    /** @param {string | readonly string[]} secrets one secret or 1..64 (current first) */
    constructor(secrets) {
      this.#h = sync(() => native.rzVerifierNew(secrets))();
    }
    /** how many secrets */
    get size() {
      return native.rzVerifierCount(this.#h);
    }
    verifyWebhook(body, signature) {
      return native.rzVerifierWebhook(this.#h, body, signature);
    }
    verifyPayment(orderId, paymentId, signature) {
      return native.rzVerifierFields(this.#h, KIND.payment, [orderId, paymentId], signature);
    }
    verifySubscription(paymentId, subscriptionId, signature) {
      return native.rzVerifierFields(this.#h, KIND.subscription, [paymentId, subscriptionId], signature);
    }
    verifyPaymentLink(paymentLinkId, referenceId, status, paymentId, signature) {
      return native.rzVerifierFields(this.#h, KIND.paymentLink, [paymentLinkId, referenceId, status, paymentId],
        signature);
    }
    /** Frees the keyed states now (otherwise the garbage collector does). */
    close() {
      native.close(this.#h);
    }
  }
  for (const m of ['verifyWebhook', 'verifyPayment', 'verifySubscription', 'verifyPaymentLink']) {
    Verifier.prototype[m] = sync(Verifier.prototype[m]);
  }
  Object.defineProperty(Verifier.prototype, 'size', {
    get: sync(Object.getOwnPropertyDescriptor(Verifier.prototype, 'size').get),
  });

  function withVerifier(secrets, fn) {
    const v = new Verifier(secrets);
    try {
      return fn(v);
    } finally {
      v.close();
    }
  }

  const verifyWebhook = sync((body, signature, secret) => typeof secret === 'string'
    ? native.rzVerifyWebhook(body, signature, secret)
    : withVerifier(secret, (v) => v.verifyWebhook(body, signature)));
  const verifyPayment = sync((orderId, paymentId, signature, keySecret) =>
    withVerifier(keySecret, (v) => v.verifyPayment(orderId, paymentId, signature)));
  const verifySubscription = sync((paymentId, subscriptionId, signature, keySecret) =>
    withVerifier(keySecret, (v) => v.verifySubscription(paymentId, subscriptionId, signature)));
  const verifyPaymentLink = sync((paymentLinkId, referenceId, status, paymentId, signature, keySecret) =>
    withVerifier(keySecret, (v) => v.verifyPaymentLink(paymentLinkId, referenceId, status, paymentId, signature)));

  class Entity {
    #ev;
    #name;
    constructor(ev, name, fields) {
      this.#ev = ev;
      this.#name = name;
      Object.assign(this, fields);
    }
    /** A string member by name (null when absent, null or not a string). */
    string(name) {
      return native.rzEntityString(this.#ev, this.#name, name);
    }
    /** An integer member by name (null when absent or null; ValidationError when not an integer). */
    integer(name) {
      return native.rzEntityInt(this.#ev, this.#name, name);
    }
  }
  Entity.prototype.string = sync(Entity.prototype.string);
  Entity.prototype.integer = sync(Entity.prototype.integer);

  class Event {
    #h;
    constructor(parsed) {
      this.#h = parsed.handle;
      this.id = parsed.id;
      this.name = parsed.name;
      this.accountId = parsed.accountId;
      this.createdAt = parsed.createdAt;
      this.contains = parsed.contains;
      this.root = parsed.root;
      this.payload = parsed.payload;
    }
    /** payload.<name>.entity ("payment", "order", "refund", ...), or null. */
    entity(name) {
      const f = native.rzEventEntity(this.#h, name);
      return f === null ? null : new Entity(this.#h, name, f);
    }
    get payment() {
      return this.entity('payment');
    }
    get order() {
      return this.entity('order');
    }
  }
  Event.prototype.entity = sync(Event.prototype.entity);

  /** Parses a webhook body (verify it first). ProtocolError: not JSON; ValidationError: not an event. */
  const parseEvent = sync((body, eventId) => new Event(native.rzParseEvent(body, eventId == null ? null : eventId)));

  /** The dedup of webhook events by X-Razorpay-Event-Id (a store.Dedup with Razorpay's defaults:
   *  48 h TTL, 100,000 ids, name "razorpay.events"; `path` opens a store file of its own). */
  class Dedup extends store.Dedup {
    constructor(options = {}) {
      const o = I.opts(options, 'razorpay.Dedup');
      if (o.path != null && o.store != null) {
        throw new classes.invalid_argument('razorpay.Dedup: give path or store, not both', { code: codes.EINVAL });
      }
      super({
        ttlMs: I.int(o.ttlMs, 48 * 3600 * 1000),
        capacity: I.int(o.capacity, 100000),
        store: o.store,
        path: o.path,
        name: o.store != null || o.path != null ? (o.name == null ? 'razorpay.events' : o.name) : undefined,
      });
    }
  }

  return {
    SIGNATURE_LEN: 64,
    verifyWebhook,
    verifyPayment,
    verifySubscription,
    verifyPaymentLink,
    Verifier,
    parseEvent,
    Event,
    Entity,
    Dedup,
  };
};
