// The typed test of the Node binding: type-checked with `tsc --strict --noEmit -p bindings/node`
// (tests/bindings/run.sh) against index.d.ts. It uses every export with its declared types and
// states, with @ts-expect-error, calls the declarations must refuse.
import * as erplink from 'erplink';
import { cartona, esi, odoo, razorpay, store } from 'erplink';

export async function typed(url: string): Promise<void> {
  const v: string = erplink.version();
  const n: number = erplink.versionNumber();
  const out: erplink.OutValue = erplink.roundtrip({ a: [1, 2n, 'x', null, new Date(), Buffer.from('b')] });
  const d: string = erplink.dump(out as erplink.InValue);
  const i: number | bigint = erplink.getInt(5);
  const s: string = erplink.strerror(erplink.codes.EINVAL);
  void [v, n, d, i, s];

  // razorpay: synchronous
  const idx: number = razorpay.verifyWebhook(Buffer.from('{}'), 'f'.repeat(64), ['a', 'b']);
  razorpay.verifyWebhook('{}', 'f'.repeat(64), 'a');
  razorpay.verifyPayment('order', 'pay', 'sig', 'secret');
  razorpay.verifySubscription('pay', 'sub', 'sig', ['secret']);
  razorpay.verifyPaymentLink('plink', '', 'paid', 'pay', 'sig', 'secret');
  const ver = new razorpay.Verifier(['a', 'b']);
  const size: number = ver.size;
  ver.verifyWebhook(new Uint8Array(2), 'sig');
  ver.verifyPayment('o', 'p', 's');
  ver.verifySubscription('p', 's', 'sig');
  ver.verifyPaymentLink('a', 'b', 'c', 'd', 'e');
  ver.close();
  const ev: razorpay.Event = razorpay.parseEvent('{"event":"x"}', null);
  const name: string = ev.name;
  const created: number | null = ev.createdAt;
  const ent: razorpay.Entity | null = ev.payment ?? ev.order ?? ev.entity('refund');
  if (ent) {
    const amount: number | bigint | null = ent.amount;
    const e2: string | null = ent.string('description');
    const e3: number | bigint | null = ent.integer('fee');
    void [amount, e2, e3];
  }
  void [idx, size, name, created, razorpay.SIGNATURE_LEN];
  // @ts-expect-error verification is synchronous: no Promise
  await razorpay.verifyWebhook('{}', 'sig', 'a').then(() => 0);

  // store: asynchronous
  const st: store.Store = await store.Store.open('/tmp/x.db', { sync: 'full', create: true });
  const path: string = st.path;
  await st.check();
  const dd = new store.Dedup({ ttlMs: 1000, capacity: 10, store: st, name: 'd' });
  const seen: boolean = await dd.seen('id', { nowMs: 5, signal: new AbortController().signal });
  const forgot: boolean = await dd.forget('id');
  const count: number = await dd.count();
  dd.close();
  const rd = new razorpay.Dedup({ path: '/tmp/y.db' });
  const rseen: boolean = await rd.seen('evt');
  const cache = new store.BlobCache(st, 'c', 1 << 20);
  await cache.put('k', 'text');
  const got: Buffer | null = await cache.get('k');
  const cs: store.CacheSize = await cache.size();
  await cache.evict();
  const removed: boolean = await cache.remove('k');
  cache.close();
  st.close();
  void [path, seen, forgot, count, rseen, got, cs.bytes, removed];
  // @ts-expect-error a Store comes from Store.open()
  new store.Store('x');
  // @ts-expect-error sync is 'normal' or 'full'
  await store.Store.open('/tmp/x.db', { sync: 'sometimes' });

  // odoo: asynchronous
  const c = new odoo.Client({ url, db: 'demo', login: 'admin', apiKey: 'k', protocol: 'json2', timeoutMs: 5000,
    log: (level: erplink.LogLevel, message: string) => { void [level, message]; }, logLevel: 'debug' });
  const proto: 'xmlrpc' | 'jsonrpc' | 'json2' = await c.protocol();
  const uid: number = await c.authenticate();
  const ver2: number = await c.serverVersion();
  const ids: number[] = await c.search('res.partner', [['is_company', '=', true]], { limit: 5, order: 'id' });
  const cnt: number = await c.searchCount('res.partner', []);
  const recs: erplink.OdooRecord[] = await c.read('res.partner', ids, ['name']);
  const rows = await c.searchRead('res.partner', [], { fields: ['name'], limit: 3, signal: AbortSignal.timeout(1000) });
  const newId: number = await c.create('res.partner', { name: 'x' });
  const newIds: number[] = await c.create('res.partner', [{ name: 'a' }, { name: 'b' }]);
  await c.write('res.partner', newId, { name: 'y' });
  await c.unlink('res.partner', [newId, ...newIds]);
  const fg = await c.fieldsGet('res.partner', ['type']);
  const ns: [number, string][] = await c.nameSearch('res.partner', 'a', { limit: 2 });
  const groups = await c.readGroup('res.partner', [], ['id:count'], ['is_company'], { lazy: false });
  const kw: erplink.OutValue = await c.executeKw('res.partner', 'search_count', [[]], {}, { idempotent: true });
  for await (const rec of c.iterSearchRead('res.partner', [], { fields: ['name'], pageSize: 100 })) {
    const nm: erplink.OutValue = rec.name;
    void nm;
    break;
  }
  c.close();
  void [proto, uid, ver2, cnt, recs, rows, fg, ns, groups, kw, (await c.version()).server_version];
  // @ts-expect-error unknown protocol
  new odoo.Client({ url, db: 'demo', protocol: 'soap' });
  // @ts-expect-error unknown log level
  new odoo.Client({ url, db: 'demo', logLevel: 'loud' });
  // @ts-expect-error url is required
  new odoo.Client({ db: 'demo' });

  // errors
  try {
    await c.search('x');
  } catch (e) {
    if (e instanceof erplink.ErplinkError) {
      const info: [number, string, string, number | null, string | null, string | null, number | null] =
        [e.code, e.codeName, e.category, e.httpStatus, e.remoteClass, e.detail, e.retryAfterMs];
      void info;
    }
    const classes: (typeof erplink.ErplinkError)[] = [erplink.AuthError, erplink.AccessError, erplink.NotFoundError,
      erplink.ValidationError, erplink.ConflictError, erplink.CancelledError, erplink.SignatureError,
      erplink.StoreError, erplink.NetworkError, erplink.TimeoutError, erplink.ProtocolError, erplink.ServerError,
      erplink.RateLimitError, erplink.HTTPError, erplink.TLSError, erplink.OutOfMemoryError,
      erplink.InvalidArgumentError];
    void [classes, erplink.errorClasses.auth];
  }
}

export async function typedCartona(url: string): Promise<void> {

  const c = new cartona.Client({ token: 't', baseUrl: url, batchSize: 10 });
  await c.testConnection();
  const r: cartona.BulkResult = await c.updateProducts([{ supplier_product_id: 'p1', selling_price: 1 }],
    { progress: (done: number, total: number) => { void (done + total); } });
  const first: cartona.Outcome | undefined = r.outcomes[0];
  const st: cartona.ItemStatus | undefined = first?.status;
  const orders: cartona.Order[] = await c.pullOrders({ perPage: 10 });
  const total: number | undefined = orders[0]?.number('total_price');
  const rep: cartona.SyncReport = await c.syncOrders(async (o) => { void o.hashedId; });
  const acked: number = rep.counts.acked;
  await c.updateOrderDetails(new cartona.OrderChanges('o1').setQuantity('11', 2).addLine(1, 2.5, { supplierProductId: 'p' }));
  await c.updateOrderStatus('o1', 'approved', { deliveryDay: '2026-01-01' });
  const m = new cartona.StatusMap();
  const s2: string = m.toCartona('sale');
  const ok: boolean = cartona.statusSettable('approved');
  c.close();
  void [st, total, acked, s2, ok, r.counts.not_sent];
  // @ts-expect-error the token is required
  new cartona.Client({ baseUrl: url });
}

export async function typedOutbox(): Promise<void> {
  const st = await store.Store.open('/tmp/o.db');
  const ob = new store.Outbox(st, 'sync', { leaseMs: 1000, maxAttempts: 5, backoffMs: [100, 1000] });
  await ob.enqueue('k', 'v');
  await ob.enqueueMany({ a: 'x', b: Buffer.from('y') });
  const b: store.Batch = await ob.claim(10);
  for (const it of b) {
    if (it.attempts > 3) it.failed(erplink.codes.EVALIDATION, 'bad'); else it.done();
  }
  const stale: number = await b.complete();
  const dead: number = await ob.count('dead');
  const n: number = await ob.requeue(null);
  b.close();
  ob.close();
  void [stale, dead, n];
  // @ts-expect-error unknown state
  await ob.count('sometimes');
}

export async function typedEsi(url: string): Promise<void> {
  const sso = new esi.SSO({ clientId: 'id', clientSecret: 's', metadataUrl: `${url}/.well-known/oauth-authorization-server`,
    redirectUri: 'http://127.0.0.1/cb', leewayS: 30 });
  const conf: boolean = sso.confidential;
  const tokenUrl: string = await sso.endpoint('token_endpoint');
  const login: esi.Login = await sso.beginLogin(['esi-assets.read_assets.v1'], { signal: AbortSignal.timeout(1000) });
  const saved: string = login.export();
  const tokens: esi.Tokens = await sso.exchange('code', login.state, saved);
  const expires: number = tokens.expiresAt;
  const claims: esi.Claims = await sso.verify(tokens.accessToken);
  const cid: number = claims.characterId;
  const stored: string[] = [];
  const tok: esi.Token = await sso.token(tokens, { onRefresh: async (rt: string) => { stored.push(rt); } });
  const tok2 = new esi.Token(sso, tokens.refreshToken, { onRefresh: (rt, id) => { stored.push(rt + id); } });
  const at: string = await tok2.accessToken();
  const refreshes: number = tok2.refreshCount;
  tok2.invalidate();

  const c = new esi.Client({ userAgent: 'typed/1.0 (t@example.com)', baseUrl: url, concurrency: 4, cache: true });
  const r: esi.Response = await c.get('/markets/{region_id}/orders', { path: { region_id: 10000002 }, query: { page: 1 } });
  const cs: esi.CacheStatus = r.cacheStatus;
  const el: number = r.errorLimit.remain;
  for (const item of r) void item;
  const all = await c.getAllPages('/markets/{region_id}/orders', { path: { region_id: 10000002 }, query: [['order_type', 'sell']] });
  for await (const p of c.iterPages('/markets/{region_id}/orders', { path: { region_id: 10000002 }, ahead: 4 })) {
    const pn: number = p.page + p.pages + p.items.length;
    void pn;
    break;
  }
  const assets = await c.characterAssets(tok, cid);
  const orders = await c.marketOrders(10000002, { orderType: 'sell', typeId: 34 });
  const bps = await c.characterBlueprints(tok, cid);
  const kinds: esi.BlueprintKind[] = bps.items.map((b) => esi.blueprintKind(b));
  const wallet = await c.walletTransactions(tok, cid, { maxBatches: 2 });
  const mailId: number = await c.sendMail(tok, cid, [[90000001, 'character']], 'Hi', 'body', { approvedCost: 0 });
  const names = await c.universeNames([30000142, 1]);
  const firstName: string | undefined = names.names[0]?.name;
  const bad: number[] = names.invalid;
  const pause: number = c.pauseRemainingMs;
  const cached = new esi.Client({ userAgent: 'typed/1.0', cache: new store.BlobCache(await store.Store.open('/tmp/e.db'), 'esi', 1 << 20) });
  cached.close();
  const jwks = new esi.JWKS('{"keys": []}');
  const offline: esi.Claims = jwks.verify(at, 'id', { now: 1700000000 });
  c.close();
  tok.close();
  sso.close();
  void [conf, tokenUrl, expires, refreshes, cs, el, all.pages, assets.length, orders.items, kinds, wallet.status, mailId,
    firstName, bad, pause, offline.scopes, jwks.size, esi.DEFAULT_COMPATIBILITY_DATE];
  // @ts-expect-error userAgent is required
  new esi.Client({ baseUrl: url });
  // @ts-expect-error recipients are [id, type] pairs of a known type
  await c.sendMail(tok, cid, [[1, 'planet']], 's', 'b');
  // @ts-expect-error the Token comes first, then the character id
  await c.characterAssets(cid, tok);
}

// Caller-written backends: a dedup and an outbox over a Map, an ESI cache, the Cartona outbox.
export async function typedBackends(url: string): Promise<void> {
  const ids = new Map<string, number>();
  const dops: store.DedupOps = {
    insertIfAbsent(id, expiresAtMs, nowMs) {
      const e = ids.get(id);
      if (e !== undefined && e > nowMs) return false;
      ids.set(id, expiresAtMs);
      return true;
    },
    async remove(id) { return ids.delete(id); },
  };
  const d = store.Dedup.custom(dops, { capacity: 100, ttlMs: 60000 });
  const again: boolean = await d.seen('evt_1');
  d.close();
  const d2 = new store.Dedup({ ops: dops, ttlMs: 1000 });
  d2.close();
  const rows = new Map<string, { payload: Buffer; generation: number; attempts: number }>();
  const oops: store.OutboxOps = {
    upsert(key, payload) { rows.set(key, { payload, generation: 0, attempts: 0 }); },
    claim(max) { return [...rows].slice(0, max).map(([key, r]) => ({ key, ...r })); },
    finish: async (_key, _generation, outcome: store.OutboxOutcomeCode) => outcome === 1,
    list: (_state: store.OutboxStateCode) => [['k', 'v', 1, 1] as const],
    requeue: (key) => (key === null ? 0 : 1),
    discard: () => 0,
    count: () => rows.size,
  };
  const ob = store.Outbox.custom(oops, { leaseMs: 1000 });
  const cache: esi.CacheStore = {
    get: (key) => (key ? null : undefined),
    put: async (_key, data: Buffer) => { void data; },
  };
  const ec = new esi.Client({ userAgent: 'typed/1.0 (t@example.com)', baseUrl: url, cache });
  ec.close();
  const cc = new cartona.Client({ token: 't', baseUrl: url });
  await cartona.outboxEnqueue(ob, { supplier_product_id: 'p1', selling_price: 10 });
  await cc.outboxEnqueue(ob, { supplier_product_id: 'p2', stock_quantity: 1 }, { nowMs: 0 });
  const rep: cartona.FlushReport = await cc.outboxFlush(ob, { kind: 'stock', maxItems: 10 });
  const updated: number = rep.updated + rep.dead + rep.retrying + rep.released + rep.stale + rep.claimed;
  void [again, updated];
  // @ts-expect-error the kind is one of the three bulk updates
  await cc.outboxFlush(ob, { kind: 'prices' });
  // @ts-expect-error insertIfAbsent answers a boolean
  store.Dedup.custom({ insertIfAbsent: () => 'yes', remove: () => true }, { ttlMs: 1 });
  cc.close();
  ob.close();
}
