/// <reference types="node" />
// TypeScript declarations of the erplink Node.js binding (index.js).

/** A value erplink accepts (converted to an erplink value tree). */
export type InValue =
  | null
  | undefined
  | boolean
  /** an integer within +-(2^53 - 1) becomes an int (except -0), any other number a double */
  | number
  /** a signed 64-bit integer */
  | bigint
  | string
  | Buffer
  | Uint8Array
  | Int8Array
  | Uint8ClampedArray
  | DataView
  | ArrayBuffer
  /** UTC, millisecond precision, years 1-9999 */
  | Date
  | readonly InValue[]
  | { readonly [key: string]: InValue };

/** A value erplink returns. Integers are numbers when exact (|i| <= 2^53 - 1), else bigints. */
export type OutValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Date
  | OutValue[]
  | { [key: string]: OutValue };

export interface ErplinkErrorInfo {
  code?: number;
  category?: string;
  httpStatus?: number | null;
  remoteClass?: string | null;
  detail?: string | null;
  retryAfterMs?: number | null;
}

/** Base class of every erplink error (one subclass per error category of erplink/error.h). */
export class ErplinkError extends Error {
  constructor(message: string, info?: ErplinkErrorInfo);
  /** the category name a subclass stands for (undefined on ErplinkError itself) */
  static readonly categoryName: string | undefined;
  /** the negative ERPLINK_E* code, e.g. codes.ETYPE */
  readonly code: number;
  /** the code's name without the prefix, e.g. "ETYPE" */
  readonly codeName: string;
  /** the stable category name, e.g. "invalid_argument" */
  readonly category: string;
  /** the HTTP status involved, or null */
  readonly httpStatus: number | null;
  /** the remote exception class named by the server, or null */
  readonly remoteClass: string | null;
  /** server-side detail (traceback, start of an unexpected body), or null */
  readonly detail: string | null;
  /** the delay the server asked for before a retry, in milliseconds, or null */
  readonly retryAfterMs: number | null;
}
export class InvalidArgumentError extends ErplinkError {}
export class OutOfMemoryError extends ErplinkError {}
export class NetworkError extends ErplinkError {}
export class TimeoutError extends ErplinkError {}
export class TLSError extends ErplinkError {}
export class HTTPError extends ErplinkError {}
export class ProtocolError extends ErplinkError {}
export class AuthError extends ErplinkError {}
export class AccessError extends ErplinkError {}
export class ValidationError extends ErplinkError {}
export class NotFoundError extends ErplinkError {}
export class RateLimitError extends ErplinkError {}
export class ConflictError extends ErplinkError {}
export class SignatureError extends ErplinkError {}
export class CancelledError extends ErplinkError {}
export class ServerError extends ErplinkError {}
export class StoreError extends ErplinkError {}

/** category name -> class */
export const errorClasses: Readonly<Record<string, typeof ErplinkError>>;

/** ERPLINK_E* codes without the prefix: { EINVAL: -1, ... }. */
export const codes: Readonly<{
  EINVAL: number; ENOMEM: number; ERANGE: number; ETYPE: number;
  ENETWORK: number; ECONNECT: number; EDNS: number; ERECV: number; ETIMEOUT: number; ETLS: number;
  EHTTP: number; EREDIRECT: number; EPROTOCOL: number; ELIMIT: number; ETOOLARGE: number;
  EFORBIDDEN_XML: number; EAUTH: number; EACCESS: number; EVALIDATION: number; ENOTFOUND: number;
  ERATELIMIT: number; ECONFLICT: number; ESIGNATURE: number; ECANCELLED: number; ESERVER: number;
  EUNAVAILABLE: number; EBUDGET: number; ESTORE: number; ESTORE_CORRUPT: number; ESTORE_VERSION: number;
  [name: string]: number;
}>;

/** The version of the loaded C library, e.g. "0.1.0". */
export function version(): string;
/** MAJOR * 10000 + MINOR * 100 + PATCH of the loaded C library. */
export function versionNumber(): number;
/** Converts a value to an erplink value tree, deep-copies it in C and converts it back. */
export function roundtrip(value: InValue): OutValue;
/** One line of JSON-like text for logs; credentials are redacted. */
export function dump(value: InValue): string;
/** Reads a value as an erplink integer; throws InvalidArgumentError (ETYPE) otherwise. */
export function getInt(value: InValue): number | bigint;
/** A short description of an ERPLINK_E* code. */
export function strerror(code: number): string;
/** Whether an error of this code may succeed when retried later (erplink_error_retryable). */
export function errorRetryable(code: number): boolean;

// ------------------------------------------------------------------ services

/** A request body: read in place (Buffer, Uint8Array, ArrayBuffer, DataView) or a string (its UTF-8 bytes). */
export type Body = Buffer | Uint8Array | ArrayBuffer | DataView | string;
/** One secret, or several (secret rotation: every one is tried, the current one first). */
export type Secrets = string | readonly string[];
/** A record as Odoo returns it. */
export type OdooRecord = { [field: string]: OutValue };
/** An Odoo domain: an array of [field, operator, value] triples and '&' / '|' / '!' operators. */
export type Domain = readonly InValue[];

/** 'error' (a request failed without an answer), 'warn' (retries, pauses, final HTTP errors),
 * 'info' (one line per request), 'debug' (attempts, redirects, rate-limit waits), 'trace'
 * (headers and redacted bodies). */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** A client's log options. */
export interface LogOptions {
  /** called on the main thread, shortly after the line was logged on a worker, with one line
   * already redacted in C (no secret ever reaches it); a throw is an uncaught exception */
  log?: (level: LogLevel, message: string) => void;
  /** the most verbose level delivered (default 'info') */
  logLevel?: LogLevel;
}

/** Options every asynchronous call takes. */
export interface CallOptions {
  /** aborting it cancels the call in flight: the Promise rejects with CancelledError */
  signal?: AbortSignal;
}

export namespace store {
  interface StoreOpenOptions extends CallOptions {
    /** create the file when missing (default true) */
    create?: boolean;
    busyTimeoutMs?: number;
    /** 'normal' (default: a power loss may lose the last commits) or 'full' */
    sync?: 'normal' | 'full';
    maxConnections?: number;
  }
  /** One SQLite store file, shared by threads and processes (erplink_store). */
  class Store {
    private constructor(handle: unknown);
    static open(path: string, options?: StoreOpenOptions): Promise<Store>;
    readonly path: string;
    /** SQLite's integrity check; StoreError when damaged. */
    check(options?: CallOptions): Promise<void>;
    /** Closes after the calls in flight and after the dedups and caches opened on it. */
    close(): void;
  }
  interface DedupOptions {
    /** how long an id is remembered, in milliseconds (required for store.Dedup) */
    ttlMs?: number;
    /** the most ids kept (default 100,000) */
    capacity?: number;
    /** an open Store to keep the ids in (with name) */
    store?: Store;
    /** a store file of its own, opened on first use */
    path?: string;
    /** the dedup's name in the store file */
    name?: string;
    /** your own storage primitives instead (at most one of ops, store and path) */
    ops?: DedupOps;
  }
  /** A value, or a Promise of it: every primitive may be an async function. */
  type MaybePromise<T> = T | Promise<T>;
  /**
   * The storage primitives of a dedup over your own store (erplink_dedup_ops); erplink computes
   * the expiry times and decides when to purge. Called on the main thread (each call waits on
   * one of the addon's workers until the method returned or its Promise settled), several at
   * once when several calls are in flight. A throw or rejection fails the dedup call, which
   * rejects with the thrown value (purge is best effort: its failure is ignored); a result of the
   * wrong type fails it with InvalidArgumentError. A call aborted through its signal stops
   * waiting for the method (CancelledError; the late result is dropped).
   */
  interface DedupOps {
    /** Atomically across every process sharing the store: if id is absent, or present with an
     * expiry <= nowMs, store it with expiresAtMs and return true; otherwise false. */
    insertIfAbsent(id: string, expiresAtMs: number, nowMs: number): MaybePromise<boolean>;
    /** Deletes id; true if it was there. */
    remove(id: string): MaybePromise<boolean>;
    /** Optional: deletes the ids expired at nowMs, then the earliest expiring beyond maxEntries
     * (leave it out for a store that expires entries itself, e.g. Redis). */
    purge?(nowMs: number, maxEntries: number): MaybePromise<void>;
    /** Optional: the ids whose expiry is > nowMs (without it Dedup.count() rejects). */
    count?(nowMs: number): MaybePromise<number>;
  }
  interface SeenOptions extends CallOptions {
    /** the time to use instead of Date.now() (tests) */
    nowMs?: number;
  }
  /** The dedup of delivered events (erplink_dedup): in memory, or in a store file. */
  class Dedup {
    constructor(options: DedupOptions);
    /** A dedup over your own storage primitives: new Dedup({ ...options, ops }). */
    static custom(ops: DedupOps, options: Omit<DedupOptions, 'ops' | 'store' | 'path' | 'name'>): Dedup;
    /** Records id; true when it was recorded before and has not expired (a redelivery). */
    seen(id: string, options?: SeenOptions): Promise<boolean>;
    /** Forgets id (so that a redelivery is handled again); true if it was there. */
    forget(id: string, options?: CallOptions): Promise<boolean>;
    /** How many ids are remembered (not expired). */
    count(options?: SeenOptions): Promise<number>;
    close(): void;
  }
  interface CacheSize {
    bytes: number;
    count: number;
  }
  type OutboxState = 'pending' | 'retry_wait' | 'leased' | 'dead' | 'done';
  const STATES: readonly OutboxState[];
  interface OutboxOptions {
    leaseMs?: number;
    maxAttempts?: number;
    /** [base, cap] of the retry backoff */
    backoffMs?: readonly [number, number];
    jitter?: number;
    doneRetentionMs?: number;
  }
  interface NowOptions extends CallOptions {
    nowMs?: number;
  }
  /** erplink_outbox_state, as the custom primitives receive it: 0 pending, 1 retry_wait, 2 leased, 3 dead, 4 done */
  type OutboxStateCode = 0 | 1 | 2 | 3 | 4;
  /** erplink_outbox_outcome, as finish() receives it: 1 done, 2 retry, 3 dead, 4 release */
  type OutboxOutcomeCode = 1 | 2 | 3 | 4;
  /** A row handed back by OutboxOps.claim / list: an object or the array
   * [key, payload, generation, attempts, errorCode?, errorMessage?, changedMs?]. */
  type OutboxRow =
    | {
        key: string;
        payload: Body;
        /** after the claim's increment */
        generation: number;
        /** after the claim's increment */
        attempts: number;
        /** the last error's ERPLINK_E* code (0 or omitted: none) */
        errorCode?: number;
        errorMessage?: string | null;
        /** when it entered its state (listing; 0 or omitted if unknown) */
        changedMs?: number;
      }
    | readonly [string, Body, number, number, number?, (string | null)?, number?];
  /**
   * The storage primitives of an outbox over your own store (erplink_outbox_ops; include/erplink/
   * store.h is the reference for each); leases, generations, attempts, backoff and dead letters
   * stay erplink's. Each must be atomic against every process sharing the store (a transaction;
   * SELECT ... FOR UPDATE SKIP LOCKED for claim on PostgreSQL). Called as DedupOps are (purge,
   * run before claims, is best effort too).
   */
  interface OutboxOps {
    /** no row, or a done or dead row -> pending (payload, attempts 0, due nowMs, error cleared);
     * a pending row -> payload replaced; a leased row -> the newer-payload slot set */
    upsert(key: string, payload: Buffer, nowMs: number): MaybePromise<void>;
    /** leases up to max rows due at nowMs (pending, or leased with ready <= nowMs), earliest due
     * first: leased, generation + 1, attempts + 1, the newer payload taken, ready = leaseUntilMs */
    claim(max: number, nowMs: number, leaseUntilMs: number): MaybePromise<Iterable<OutboxRow>>;
    /** records the outcome only if the row is leased with this generation (true), else false */
    finish(key: string, generation: number, outcome: OutboxOutcomeCode, readyAtMs: number, code: number,
      message: string | null, nowMs: number): MaybePromise<boolean>;
    /** up to max rows in state (PENDING: every pending row), ordered by key, after offset */
    list(state: OutboxStateCode, offset: number, max: number): MaybePromise<Iterable<OutboxRow>>;
    /** dead rows back to pending (key, or all when null) -> how many */
    requeue(key: string | null, nowMs: number): MaybePromise<number>;
    /** deletes dead rows (key, or all when null) -> how many */
    discard(key: string | null): MaybePromise<number>;
    /** the rows in state at nowMs (PENDING: pending and due; RETRY_WAIT: pending, not due) */
    count(state: OutboxStateCode, nowMs: number): MaybePromise<number>;
    /** optional: deletes done rows that became done before doneBeforeMs */
    purge?(doneBeforeMs: number): MaybePromise<void>;
  }
  /** One item of a Batch, read when the batch was made. */
  class Item {
    private constructor();
    readonly index: number;
    readonly key: string;
    readonly payload: Buffer;
    readonly generation: number;
    readonly attempts: number;
    /** the last failure's ERPLINK_E* code, 0 if none */
    readonly errorCode: number;
    readonly errorCodeName: string | null;
    readonly errorMessage: string | null;
    readonly changedMs: number;
    /** what complete() recorded, null before and for a stale item */
    readonly outcome: 'DONE' | 'RETRY' | 'DEAD' | 'RELEASE' | null;
    done(): void;
    failed(error: ErplinkError | number, reason?: string | null, retryAfterMs?: number | null): void;
    retry(error: ErplinkError | number, reason?: string | null, retryAfterMs?: number | null): void;
    release(): void;
  }
  class Batch implements Iterable<Item> {
    private constructor();
    readonly claimed: boolean;
    readonly items: Item[];
    readonly length: number;
    /** after complete(): how many items were stale */
    readonly stale: number | null;
    [Symbol.iterator](): Iterator<Item>;
    done(i: number): void;
    failed(i: number, error: ErplinkError | number, reason?: string | null, retryAfterMs?: number | null): void;
    retry(i: number, error: ErplinkError | number, reason?: string | null, retryAfterMs?: number | null): void;
    release(i: number): void;
    /** Records the marks -> how many items were stale (their lease taken over). */
    complete(options?: NowOptions): Promise<number>;
    close(): void;
  }
  /** A transactional outbox in a store file (erplink_outbox). */
  class Outbox {
    constructor(store: Store, name: string, options?: OutboxOptions);
    /** An outbox over your own storage primitives, with the same policy options. */
    static custom(ops: OutboxOps, options?: OutboxOptions): Outbox;
    enqueue(key: string, payload: Body, options?: NowOptions): Promise<void>;
    enqueueMany(items: { readonly [key: string]: Body } | Iterable<readonly [string, Body]>, options?: NowOptions): Promise<void>;
    claim(maxItems?: number, options?: NowOptions): Promise<Batch>;
    list(state?: OutboxState, options?: CallOptions & { offset?: number; limit?: number }): Promise<Batch>;
    requeue(key?: string | null, options?: NowOptions): Promise<number>;
    discard(key?: string | null, options?: CallOptions): Promise<number>;
    count(state: OutboxState, options?: NowOptions): Promise<number>;
    close(): void;
  }
  /** A size-capped blob cache in a store file (erplink_blob_cache). */
  class BlobCache {
    constructor(store: Store, name: string, maxBytes: number);
    get(key: string, options?: CallOptions): Promise<Buffer | null>;
    put(key: string, data: Body, options?: CallOptions): Promise<void>;
    remove(key: string, options?: CallOptions): Promise<boolean>;
    evict(targetBytes?: number, options?: CallOptions): Promise<void>;
    size(options?: CallOptions): Promise<CacheSize>;
    close(): void;
  }
}

export namespace razorpay {
  /** length of a Razorpay signature (64 lowercase hex digits) */
  const SIGNATURE_LEN: 64;
  /** Verifies X-Razorpay-Signature of a webhook body -> the index of the secret that matched.
   *  SignatureError on a mismatch, InvalidArgumentError on malformed input. Synchronous. */
  function verifyWebhook(body: Body, signature: string, secret: Secrets): number;
  /** Verifies Checkout's razorpay_signature of `order_id|payment_id` with the key secret. */
  function verifyPayment(orderId: string, paymentId: string, signature: string, keySecret: Secrets): number;
  /** Verifies a subscription payment's signature of `payment_id|subscription_id`. */
  function verifySubscription(paymentId: string, subscriptionId: string, signature: string, keySecret: Secrets): number;
  /** Verifies a payment link callback's signature of `payment_link_id|reference_id|status|payment_id`. */
  function verifyPaymentLink(paymentLinkId: string, referenceId: string, status: string, paymentId: string,
    signature: string, keySecret: Secrets): number;
  /** Secrets keyed once into HMAC-SHA256 states, reused for any number of verifications. */
  class Verifier {
    /** @param secrets one secret or 1..64 (current first: the lowest matching index wins) */
    constructor(secrets: Secrets);
    /** how many secrets */
    readonly size: number;
    verifyWebhook(body: Body, signature: string): number;
    verifyPayment(orderId: string, paymentId: string, signature: string): number;
    verifySubscription(paymentId: string, subscriptionId: string, signature: string): number;
    verifyPaymentLink(paymentLinkId: string, referenceId: string, status: string, paymentId: string,
      signature: string): number;
    /** Frees the keyed states now (otherwise the garbage collector does). */
    close(): void;
  }
  /** One entity of an event's payload, e.g. payload.payment.entity. */
  class Entity {
    private constructor();
    readonly id: string | null;
    readonly orderId: string | null;
    /** in the smallest currency unit (paise) */
    readonly amount: number | bigint | null;
    readonly currency: string | null;
    readonly status: string | null;
    readonly email: string | null;
    readonly contact: string | null;
    readonly method: string | null;
    /** Razorpay's [] for empty notes gives {} */
    readonly notes: { [key: string]: OutValue } | null;
    readonly raw: { [key: string]: OutValue } | null;
    /** A string member (null when absent, null or not a string). */
    string(name: string): string | null;
    /** An integer member (null when absent or null; ValidationError when not an integer). */
    integer(name: string): number | bigint | null;
  }
  /** A parsed webhook event. */
  class Event {
    private constructor();
    /** the X-Razorpay-Event-Id given to parseEvent, or null */
    readonly id: string | null;
    /** "payment.captured", ... */
    readonly name: string;
    readonly accountId: string | null;
    /** seconds since the epoch, or null */
    readonly createdAt: number | null;
    readonly contains: string[];
    /** the whole decoded body */
    readonly root: { [key: string]: OutValue };
    readonly payload: { [key: string]: OutValue } | null;
    /** payload.<name>.entity ("payment", "order", "refund", ...), or null */
    entity(name: string): Entity | null;
    readonly payment: Entity | null;
    readonly order: Entity | null;
  }
  /** Parses a webhook body (verify it first). ProtocolError: not JSON; ValidationError: not an event. */
  function parseEvent(body: Body, eventId?: string | null): Event;
  interface DedupOptions {
    /** default 48 h (longer than Razorpay's retries) */
    ttlMs?: number;
    /** default 100,000 */
    capacity?: number;
    /** a store file of its own: kept across restarts, shared by every worker process */
    path?: string;
    /** an open store */
    store?: store.Store;
    /** default "razorpay.events" */
    name?: string;
  }
  /** The dedup of webhook events by X-Razorpay-Event-Id (in memory by default). */
  class Dedup extends store.Dedup {
    constructor(options?: DedupOptions);
  }
}

export namespace odoo {
  type Protocol = 'auto' | 'xmlrpc' | 'jsonrpc' | 'json2';
  const PROTOCOLS: readonly Protocol[];
  const CALL_IDEMPOTENT: 1;
  interface ClientOptions extends LogOptions {
    /** the server's base URL (a path prefix is kept) */
    url: string;
    db: string;
    login?: string;
    /** a secret: wiped in C when freed, never logged */
    password?: string;
    /** used instead of the password; the bearer token on JSON-2 */
    apiKey?: string;
    /** default 'auto' (JSON-2 on Odoo >= 19 with an API key, else XML-RPC) */
    protocol?: Protocol;
    /** total timeout of one attempt (default 120 s) */
    timeoutMs?: number;
    connectTimeoutMs?: number;
    /** attempts of a retryable call (1: no retry) */
    maxAttempts?: number;
    /** the User-Agent header (default erplink/<version>) */
    userAgent?: string;
    /** the default context merged into every call */
    context?: { lang?: string; tz?: string; allowedCompanyIds?: readonly number[] };
  }
  interface SearchOptions extends CallOptions {
    offset?: number;
    /** 0: no limit */
    limit?: number;
    order?: string;
  }
  interface SearchReadOptions extends SearchOptions {
    /** null or absent: every field */
    fields?: readonly string[] | null;
  }
  interface ExecuteOptions extends CallOptions {
    /** let erplink retry the call after a reset or a 502/503/504 */
    idempotent?: boolean;
  }
  interface NameSearchOptions extends CallOptions {
    domain?: Domain;
    operator?: string;
    limit?: number;
  }
  interface ReadGroupOptions extends CallOptions {
    offset?: number;
    limit?: number;
    orderby?: string;
    /** default true */
    lazy?: boolean;
  }
  interface IterOptions extends CallOptions {
    fields?: readonly string[] | null;
    /** records per request (default 1000) */
    pageSize?: number;
  }
  /** A client of one Odoo database; every method returns a Promise and runs off the event loop. */
  class Client {
    constructor(options: ClientOptions);
    /** Frees the client once the calls in flight are over. */
    close(): void;
    protocol(options?: CallOptions): Promise<Exclude<Protocol, 'auto'>>;
    version(options?: CallOptions): Promise<{ [key: string]: OutValue }>;
    serverVersion(options?: CallOptions): Promise<number>;
    /** -> uid; AuthError on bad credentials */
    authenticate(options?: CallOptions): Promise<number>;
    executeKw(model: string, method: string, args?: readonly InValue[], kwargs?: { readonly [key: string]: InValue } | null,
      options?: ExecuteOptions): Promise<OutValue>;
    search(model: string, domain?: Domain, options?: SearchOptions): Promise<number[]>;
    searchCount(model: string, domain?: Domain, options?: CallOptions): Promise<number>;
    read(model: string, ids: number | readonly number[], fields?: readonly string[] | null,
      options?: CallOptions): Promise<OdooRecord[]>;
    searchRead(model: string, domain?: Domain, options?: SearchReadOptions): Promise<OdooRecord[]>;
    create(model: string, vals: { readonly [field: string]: InValue }, options?: CallOptions): Promise<number>;
    create(model: string, vals: readonly { readonly [field: string]: InValue }[], options?: CallOptions): Promise<number[]>;
    write(model: string, ids: number | readonly number[], vals: { readonly [field: string]: InValue },
      options?: CallOptions): Promise<void>;
    unlink(model: string, ids: number | readonly number[], options?: CallOptions): Promise<void>;
    fieldsGet(model: string, attributes?: readonly string[] | null,
      options?: CallOptions): Promise<{ [field: string]: { [attr: string]: OutValue } }>;
    nameSearch(model: string, name?: string, options?: NameSearchOptions): Promise<[number, string][]>;
    readGroup(model: string, domain: Domain, fields: readonly string[], groupby: readonly string[],
      options?: ReadGroupOptions): Promise<OdooRecord[]>;
    /** Every matching record, in id order, pageSize at a time; `break` frees the cursor. */
    iterSearchRead(model: string, domain?: Domain, options?: IterOptions): AsyncGenerator<OdooRecord, void, undefined>;
  }
}

export namespace cartona {
  const BASE_URL_PRODUCTION: string;
  type ItemStatus = 'updated' | 'rejected' | 'rejected_locally' | 'not_sent';
  type SyncOutcome = 'acked' | 'import_failed' | 'ack_failed' | 'unmarked';
  interface ClientOptions extends LogOptions {
    /** the supplier's token (redacted in logs, never in error messages) */
    token: string;
    /** default BASE_URL_PRODUCTION */
    baseUrl?: string;
    /** the price list added to product update items that have none */
    supplierCode?: number;
    /** items per bulk request (default 100) */
    batchSize?: number;
    /** bulk requests in flight at once (default 4) */
    concurrency?: number;
    timeoutMs?: number;
    connectTimeoutMs?: number;
    maxAttempts?: number;
    /** retry backoff base and cap, in milliseconds */
    backoffMs?: number;
    /** the User-Agent header (default erplink/<version>) */
    userAgent?: string;
  }
  /** The outcome of one item of a bulk update (never thrown). */
  interface Outcome {
    /** the item's position in the input */
    index: number;
    status: ItemStatus;
    ok: boolean;
    /** why it was not updated (null when updated) */
    message: string | null;
    /** the error behind a failed item, or null */
    error: ErplinkError | null;
    errorCategory: string | null;
    /** whether sending it again later may succeed */
    retryable: boolean;
    /** the HTTP status that decided the item (0: none) */
    httpStatus: number;
  }
  interface BulkResult {
    outcomes: Outcome[];
    counts: Record<ItemStatus, number>;
    updated: number;
    failed: Outcome[];
    batches: number;
    attempts: number;
  }
  type Item = { readonly [field: string]: InValue };
  class OrderLine {
    private constructor();
    readonly quantity: number;
    readonly unitPrice: number;
    readonly raw: { [key: string]: OutValue } | null;
    text(key: string): string | null;
    number(key: string): number;
  }
  class Order {
    private constructor();
    readonly hashedId: string;
    readonly status: string;
    /** 'standard', 'instalment', 'wallet_top_up' or 'cartona_credit' */
    readonly paymentMethod: string;
    readonly raw: { [key: string]: OutValue } | null;
    readonly lines: OrderLine[];
    text(key: string): string | null;
    number(key: string): number;
    retailerText(key: string): string | null;
  }
  /** Changes to an order's lines, sent by Client.updateOrderDetails (checked there). */
  class OrderChanges {
    constructor(hashedId: string);
    readonly hashedId: string;
    setQuantity(lineId: string | number, amount: number): this;
    addLine(amount: number, price: number, ids: { supplierProductId?: string | null; internalProductId?: string | null }): this;
    cancelLine(lineId: string | number): this;
  }
  interface SyncEntry {
    hashedId: string;
    outcome: SyncOutcome;
    message: string | null;
    /** what importFn threw or rejected with, or null */
    error: unknown;
  }
  interface SyncReport {
    entries: SyncEntry[];
    counts: Record<SyncOutcome, number>;
    pages: number;
  }
  interface PullOptions extends CallOptions {
    page?: number;
    perPage?: number;
    from?: string;
    to?: string;
  }
  interface BulkOptions extends CallOptions {
    progress?: (done: number, total: number) => void;
  }
  interface StatusOptions extends CallOptions {
    retailerOtp?: string;
    cancellationReason?: string;
    estimatedDeliveryDay?: string;
    deliveryDay?: string;
  }
  class Client {
    constructor(options: ClientOptions);
    close(): void;
    testConnection(options?: CallOptions): Promise<void>;
    listProducts(options?: CallOptions & { page?: number; perPage?: number; internalProductId?: string;
      supplierProductId?: string }): Promise<OutValue>;
    /** progress(done, total): after each batch, on the main thread; a throw stops the update and rejects */
    updateProducts(items: Iterable<Item>, options?: BulkOptions): Promise<BulkResult>;
    updateBaseProducts(items: Iterable<Item>, options?: BulkOptions): Promise<BulkResult>;
    updateStock(items: Iterable<Item>, options?: BulkOptions): Promise<BulkResult>;
    pullOrders(options?: PullOptions): Promise<Order[]>;
    ackOrders(hashedIds: Iterable<string>, options?: CallOptions): Promise<void>;
    updateOrderStatuses(items: readonly Item[], options?: CallOptions): Promise<void>;
    updateOrderStatus(hashedId: string, status: string, options?: StatusOptions): Promise<void>;
    updateOrderDetails(changes: OrderChanges, options?: CallOptions): Promise<void>;
    /** cartona.outboxEnqueue (no network). */
    outboxEnqueue(outbox: store.Outbox, item: Item, options?: store.NowOptions): Promise<void>;
    /** Claims up to maxItems (100) due items of the outbox, sends them through the bulk update of
     * kind ('products') and records each outcome (updated: done; refused: dead at once; not sent:
     * retried with the outbox's backoff; cancelled: released). Several workers may flush one outbox. */
    outboxFlush(outbox: store.Outbox, options?: OutboxFlushOptions): Promise<FlushReport>;
    /** Every new order goes to importFn; the ones whose import resolved are acknowledged. */
    syncOrders(importFn: (order: Order) => unknown, options?: CallOptions & { maxPages?: number; perPage?: number }):
      Promise<SyncReport>;
  }
  /** The Odoo <-> Cartona status mapping (ValidationError for an unmapped state). */
  class StatusMap {
    constructor(withDefaults?: boolean);
    toCartona(odooState: string): string;
    toOdoo(cartonaStatus: string): string;
    setOutbound(odooState: string, cartonaStatus: string | null): void;
    setInbound(cartonaStatus: string, odooState: string | null): void;
  }
  interface OutboxFlushOptions extends store.NowOptions {
    /** the bulk update the items go through (default 'products'); one outbox per kind */
    kind?: 'products' | 'base_products' | 'stock';
    /** the most items claimed (default 100) */
    maxItems?: number;
  }
  /** The counts of one outboxFlush(). */
  interface FlushReport {
    claimed: number;
    /** accepted by Cartona: done */
    updated: number;
    /** not sent: retried later */
    retrying: number;
    /** dead letters (see outbox.list('dead')) */
    dead: number;
    /** released unattempted (cancelled) */
    released: number;
    /** outcomes ignored: the lease had been taken over */
    stale: number;
  }
  /** Enqueues a product update in a store.Outbox keyed by its first identifier (supplier_product_id,
   * else internal_product_id, else base_product_id + unit + unit_count): the latest update of a
   * product wins, so enqueue its complete state. Committed when the Promise resolves. */
  function outboxEnqueue(outbox: store.Outbox, item: Item, options?: store.NowOptions): Promise<void>;
  function parseOrders(data: string | InValue): Order[];
  function statusSettable(status: string): boolean;
  function cancellationReasonValid(reason: string): boolean;
  function unitValid(unit: string): boolean;
}

/** EVE SSO (OAuth 2 with PKCE, local JWT verification) and the ESI client (cache, ETag/304,
 * concurrent pages, error limit, typed routes). Tokens, codes and the client secret are
 * secrets: they never appear in error messages, util.inspect() or JSON.stringify(). */
export namespace esi {
  /** the X-Compatibility-Date sent when a Client is given none ("YYYY-MM-DD") */
  const DEFAULT_COMPATIBILITY_DATE: string;
  type CacheStatus = 'miss' | 'hit' | 'revalidated';
  /**
   * An HTTP cache store of your own (esi_cache_store), given as Client({ cache }): Redis, a
   * database... Blobs are opaque bytes the client serialises (validators, expiry, body). Called
   * on the main thread while a worker waits, possibly several at once; a throw or rejection
   * makes the ESI call reject with the thrown value (as in Python; the C client itself would
   * fetch without the cache and log a warning).
   */
  interface CacheStore {
    /** the blob stored under key, or null/undefined when absent */
    get(key: string): store.MaybePromise<Uint8Array | ArrayBuffer | string | null | undefined>;
    /** stores (replaces) the blob under key (data is a copy: keep it) */
    put(key: string, data: Buffer): store.MaybePromise<void>;
  }
  type BlueprintKind = 'original' | 'copy' | 'stack' | 'unknown';
  type Query = { readonly [name: string]: string | number | bigint | boolean } | readonly (readonly [string, string | number])[];
  type PathParams = { readonly [name: string]: string | number | bigint };
  interface TransportOptions extends LogOptions {
    /** total timeout of one attempt, in milliseconds */
    timeoutMs?: number;
    connectTimeoutMs?: number;
    /** attempts of a retryable request (1: no retry) */
    maxAttempts?: number;
  }
  interface SSOOptions extends TransportOptions {
    clientId: string;
    /** a web application's secret (HTTP Basic at the token endpoint); omit for a native app (PKCE alone) */
    clientSecret?: string;
    redirectUri?: string;
    /** default EVE's https://login.eveonline.com/.well-known/oauth-authorization-server */
    metadataUrl?: string;
    userAgent?: string;
    /** clock leeway for exp / nbf, in seconds (default 60) */
    leewayS?: number;
    /** the shortest time between two JWKS fetches for an unknown key id, in seconds */
    jwksRefreshIntervalS?: number;
    /** how long a Login may wait for its callback, in seconds */
    loginMaxAgeS?: number;
  }
  /** The verified claims of an access token (immutable). */
  class Claims {
    private constructor();
    readonly characterId: number;
    readonly name: string;
    readonly owner: string;
    /** seconds since 1970 */
    readonly expiresAt: number;
    readonly clientId: string;
    readonly scopes: readonly string[];
    hasScope(scope: string): boolean;
  }
  /** A login in progress: the URL to send the user to, its state and PKCE verifier. */
  class Login {
    private constructor();
    /** null for an imported login */
    readonly url: string | null;
    readonly state: string;
    /** seconds since 1970 */
    readonly createdAt: number;
    /** a string to keep in the user's session, for SSO.importLogin() (authenticated: it cannot be forged) */
    export(): string;
    close(): void;
  }
  /** Tokens of a code exchange or refresh; store refreshToken (a secret), never log it. */
  class Tokens {
    private constructor();
    readonly accessToken: string;
    readonly refreshToken: string;
    /** seconds */
    readonly expiresIn: number;
    /** seconds since 1970 */
    readonly expiresAt: number;
    close(): void;
  }
  interface TokenOptions {
    /** runs on the main thread after every refresh with the refresh token to store from now on;
     * the call that refreshed waits for it (and its Promise) and rejects with what it throws */
    onRefresh?: (refreshToken: string, characterId: number) => void | Promise<void>;
    /** refresh when the access token expires within this many seconds */
    refreshMarginS?: number;
  }
  /** An EVE SSO client; nothing is fetched until needed (metadata and JWKS are cached). */
  class SSO {
    constructor(options: SSOOptions);
    /** true for a web application (client secret), false for PKCE alone */
    readonly confidential: boolean;
    discover(options?: CallOptions): Promise<void>;
    /** issuer, authorization_endpoint, token_endpoint, revocation_endpoint or jwks_uri */
    endpoint(name: string, options?: CallOptions): Promise<string>;
    /** scopes: an array or a space-separated string */
    beginLogin(scopes?: readonly string[] | string, options?: CallOptions): Promise<Login>;
    /** InvalidArgumentError for garbage, an altered export, or one made for another client */
    importLogin(exported: string): Login;
    /** checks state and the login's age, then exchanges the code; AuthError otherwise */
    exchange(code: string, state: string, login: Login | string, options?: CallOptions): Promise<Tokens>;
    refresh(refreshToken: string, options?: CallOptions & { scope?: string }): Promise<Tokens>;
    revoke(refreshToken: string, options?: CallOptions): Promise<void>;
    /** SignatureError for a forged or tampered token, AuthError for a malformed, expired or foreign one */
    verify(accessToken: string, options?: CallOptions): Promise<Claims>;
    /** from a stored refresh token no request is made; from Tokens the access token is verified first */
    token(credentials: string | Tokens, options?: TokenOptions & CallOptions): Promise<Token>;
    close(): void;
  }
  /** A character's self-refreshing credentials; concurrent callers wait for one refresh. */
  class Token {
    constructor(sso: SSO, refreshToken: string, options?: TokenOptions);
    /** a valid access token (a secret), refreshed first when it expires within the margin */
    accessToken(options?: CallOptions): Promise<string>;
    claims(options?: CallOptions): Promise<Claims>;
    /** the next use refreshes */
    invalidate(): void;
    readonly refreshCount: number;
    close(): void;
  }
  /** The answer of one ESI call (possibly several pages) with its metadata (immutable). */
  class Response<T = OutValue> implements Iterable<T> {
    private constructor();
    /** 200, 201, or 304 when revalidated (200 for a cache hit) */
    readonly status: number;
    readonly cacheStatus: CacheStatus;
    /** HTTP requests made, retries included */
    readonly requests: number;
    readonly etag: string | null;
    readonly lastModified: string | null;
    /** milliseconds since 1970 */
    readonly expiresMs: number;
    /** X-Pages (1 for a route without pages) */
    readonly pages: number;
    /** -1 when unknown */
    readonly errorLimit: Readonly<{ remain: number; resetS: number }>;
    readonly rateLimit: Readonly<{ group: string | null; limit: string | null; remaining: number; used: number }>;
    readonly pageCacheStatus: readonly CacheStatus[];
    /** the decoded body of the first (or only) page */
    readonly value: OutValue;
    readonly pageValues: readonly OutValue[];
    /** every array item over all pages, in page order */
    readonly items: T[];
    readonly fromCache: boolean;
    readonly notModified: boolean;
    readonly length: number;
    [Symbol.iterator](): Iterator<T>;
  }
  interface ClientOptions extends TransportOptions {
    /** your application with contact details (required by ESI) */
    userAgent: string;
    /** "YYYY-MM-DD" (default DEFAULT_COMPATIBILITY_DATE) */
    compatibilityDate?: string;
    /** true or omitted: in memory (cacheMaxBytes); false: none; a BlobCache: a SQLite file shared by processes;
     * a CacheStore: your own */
    cache?: boolean | store.BlobCache | CacheStore;
    baseUrl?: string;
    /** "tranquility" (default) or another server */
    tenant?: string;
    /** requests in flight for pages and name chunks (default 8) */
    concurrency?: number;
    /** stop sending when the error limit's remain falls to this */
    errorLimitFloor?: number;
    cacheMaxBytes?: number;
  }
  interface RouteOptions extends CallOptions {
    /** the values of the route template's placeholders */
    path?: PathParams;
    query?: Query;
    token?: Token;
  }
  interface Page<T = OutValue> {
    page: number;
    pages: number;
    items: T[];
  }
  interface NamedId {
    id: number;
    name: string;
    category: string;
  }
  /** An ESI client; one per application (thread-safe in C). */
  class Client {
    constructor(options: ClientOptions);
    readonly errorLimit: { remain: number; resetS: number };
    /** how long every request still waits (error limit reached, 420), in milliseconds */
    readonly pauseRemainingMs: number;
    /** one page of a route through the cache; route is a template ("/markets/{region_id}/orders") */
    get<T = OutValue>(route: string, options?: RouteOptions): Promise<Response<T>>;
    /** every page concurrently (they must agree on Last-Modified: refetched once, then ConflictError) */
    getAllPages<T = OutValue>(route: string, options?: RouteOptions): Promise<Response<T>>;
    /** every page in order with bounded memory (at most `ahead` pages wait, default 16); ConflictError on a roll-over */
    iterPages<T = OutValue>(route: string, options?: RouteOptions & { ahead?: number }): AsyncGenerator<Page<T>, void, undefined>;
    /** never cached, never retried once it may have reached the server; ValidationError for 400/422 */
    post<T = OutValue>(route: string, body: InValue, options?: RouteOptions): Promise<Response<T>>;
    characterAssets(token: Token, characterId: number, options?: CallOptions): Promise<Response<{ [key: string]: OutValue }>>;
    marketOrders(regionId: number, options?: CallOptions & { orderType?: 'buy' | 'sell' | 'all'; typeId?: number }):
      Promise<Response<{ [key: string]: OutValue }>>;
    /** decode each item's quantity with blueprintKind */
    characterBlueprints(token: Token, characterId: number, options?: CallOptions): Promise<Response<{ [key: string]: OutValue }>>;
    /** walks from_id backwards until nothing older comes or after maxBatches requests; each transaction once */
    walletTransactions(token: Token, characterId: number, options?: CallOptions & { fromId?: number; maxBatches?: number }):
      Promise<Response<{ [key: string]: OutValue }>>;
    /** recipients: [id, type] pairs; validated first (InvalidArgumentError naming the rule); resolves to the mail id */
    sendMail(token: Token, characterId: number,
      recipients: readonly (readonly [number, 'character' | 'corporation' | 'alliance' | 'mailing_list'])[],
      subject: string, body: string, options?: CallOptions & { approvedCost?: number }): Promise<number>;
    /** deduplicated, chunked, concurrent; invalid ids are reported in `invalid` instead of failing the call */
    universeNames(ids: Iterable<number> | number, options?: CallOptions):
      Promise<{ names: NamedId[]; invalid: number[]; response: Response<NamedId> }>;
    close(): void;
  }
  /** A parsed JSON Web Key Set, for verifying access tokens with no network; ProtocolError for an unusable document. */
  class JWKS {
    constructor(document: string | Buffer | Uint8Array);
    /** the number of usable (RS256 / ES256) keys */
    readonly size: number;
    /** synchronous (CPU only); now in seconds since 1970 (default the clock), leewayS default 60 */
    verify(accessToken: string, clientId: string, options?: { now?: number; leewayS?: number }): Claims;
    close(): void;
  }
  function blueprintKind(item: { readonly [key: string]: InValue }): BlueprintKind;
}
