'use strict';
// erplink.esi in Node against tests/servers/esi_sim.py (EVE SSO + ESI simulator): web and PKCE
// logins (exported and finished from another SSO object), code exchange, refresh with rotation,
// revoke, verification of good, expired and forged tokens, the self-refreshing Token with an
// async onRefresh (and one that throws), the ESI Client (get, getAllPages, iterPages with break,
// roll-over and AbortSignal, post, every typed helper, metadata, 304 and cache hits, 420), the
// BlobCache store, offline JWKS, blueprintKind, and that calls run off the event loop.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const util = require('node:util');
const http = require('node:http');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const { esi, store } = erplink;
const { start, jsonRequest } = require('./node_servers');

const WEB = 'sim-web-client';
const SECRET = 'sim-web-secret';
const NATIVE = 'sim-native-client';
const REDIRECT = 'http://localhost/callback';
const CHAR = 2112625428;
const UA = 'erplink-tests/1.0 (tests@example.com)';
const SCOPES = ['esi-assets.read_assets.v1', 'esi-characters.read_blueprints.v1',
  'esi-wallet.read_character_wallet.v1', 'esi-mail.send_mail.v1'];

let sim;
let baseConfig;

const ctl = (method, p, body) => jsonRequest(sim.url + p, method, body);
const post = (p, body) => ctl('POST', p, body);

test.before(async () => {
  sim = await start('esi_sim.py');
  baseConfig = await post('/_ctl/config', {});
});
test.after(async () => {
  if (sim) await sim.stop();
});
test.beforeEach(async () => {
  if (!sim) return;
  await post('/_ctl/config', baseConfig);
  await post('/_ctl/reset', {});
});

function makeSso(opts = {}) {
  return new esi.SSO({ clientId: WEB, clientSecret: SECRET, redirectUri: REDIRECT, userAgent: UA,
    metadataUrl: sim.url + '/.well-known/oauth-authorization-server', ...opts });
}

function makeClient(opts = {}) {
  return new esi.Client({ userAgent: UA, baseUrl: sim.url, maxAttempts: 1, ...opts });
}

// What the user's browser does: the simulator's authorize endpoint redirects at once.
function consent(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      assert.equal(res.statusCode, 302);
      const q = new URL(res.headers.location).searchParams;
      resolve([q.get('code'), q.get('state')]);
    }).on('error', reject);
  });
}

async function loginTokens(sso, scopes = SCOPES) {
  const lg = await sso.beginLogin(scopes);
  const [code, state] = await consent(lg.url);
  return sso.exchange(code, state, lg);
}

// ------------------------------------------------------------------ SSO

test('web login: URL with state and PKCE, exchange, verify, secrets hidden', async () => {
  const sso = makeSso();
  assert.equal(sso.confidential, true);
  assert.equal(await sso.endpoint('token_endpoint'), sim.url + '/v2/oauth/token');
  await sso.discover();
  const lg = await sso.beginLogin(SCOPES);
  assert.ok(lg.url.startsWith(sim.url + '/v2/oauth/authorize?'));
  const q = new URL(lg.url).searchParams;
  assert.equal(q.get('client_id'), WEB);
  assert.equal(q.get('state'), lg.state);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(q.get('code_challenge').length, 43);
  assert.ok(Math.abs(lg.createdAt - Date.now() / 1000) < 60);
  assert.ok(!util.inspect(lg).includes(lg.state) && !JSON.stringify(lg).includes(lg.state));
  const [code, state] = await consent(lg.url);
  const t = await sso.exchange(code, state, lg);
  assert.equal(t.accessToken.split('.').length, 3);
  assert.ok(t.refreshToken && t.expiresIn > 0);
  assert.ok(Math.abs(t.expiresAt - (Date.now() / 1000 + t.expiresIn)) < 60);
  for (const shown of [util.inspect(t), JSON.stringify(t), String(t)]) {
    assert.ok(!shown.includes(t.accessToken) && !shown.includes(t.refreshToken), shown);
  }
  const c = await sso.verify(t.accessToken);
  assert.deepEqual([c.characterId, c.name, c.owner], [CHAR, 'Sim Pilot', '4Ckd7Aq9cJtqfxTTSTLrA1JHdJY=']);
  assert.deepEqual([...c.scopes], SCOPES);
  assert.ok(c.hasScope(SCOPES[0]) && !c.hasScope('esi-other.v1'));
  assert.equal(c.clientId, WEB);
  assert.ok(Math.abs(c.expiresAt - t.expiresAt) <= 2);
  // the code is single-use: invalid_grant
  await assert.rejects(sso.exchange(code, state, lg), (e) => e instanceof erplink.AuthError && /invalid_grant/.test(e.message));
  lg.close();
  lg.close();
  assert.throws(() => lg.export(), erplink.InvalidArgumentError);
  sso.close();
  await assert.rejects(sso.beginLogin(), erplink.InvalidArgumentError);
});

test('native PKCE login with a scope string; a login exported and finished by another SSO object', async () => {
  const sso = makeSso({ clientId: NATIVE, clientSecret: undefined });
  assert.equal(sso.confidential, false);
  const lg = await sso.beginLogin('esi-assets.read_assets.v1 esi-mail.send_mail.v1');
  const q = new URL(lg.url).searchParams;
  assert.equal(q.get('scope'), 'esi-assets.read_assets.v1 esi-mail.send_mail.v1');
  const exported = lg.export();
  assert.ok(exported.startsWith('v1.') && !exported.includes(lg.state));
  const [code, state] = await consent(lg.url);
  const other = makeSso({ clientId: NATIVE, clientSecret: undefined });
  const imported = other.importLogin(exported);
  assert.equal(imported.url, null);
  assert.equal(imported.state, state);
  const t = await other.exchange(code, state, exported);
  assert.equal((await other.verify(t.accessToken)).characterId, CHAR);
});

test('login errors: state mismatch, altered exports, expired codes and logins, bad options', async () => {
  const sso = makeSso();
  const lg = await sso.beginLogin(SCOPES);
  const exported = lg.export();
  const [code, state] = await consent(lg.url);
  await assert.rejects(sso.exchange(code, state + 'x', lg), (e) => e instanceof erplink.AuthError && /state/.test(e.message));
  const bad = exported.slice(0, -3) + (exported.slice(-3) !== 'AAA' ? 'AAA' : 'BBB');
  for (const junk of [bad, 'garbage', 'v1.x.y', '']) {
    assert.throws(() => sso.importLogin(junk), (e) => e instanceof erplink.InvalidArgumentError && !e.message.includes(exported));
  }
  assert.throws(() => makeSso({ clientId: NATIVE, clientSecret: undefined }).importLogin(exported), erplink.InvalidArgumentError);
  assert.throws(() => makeSso({ clientSecret: 'another-secret' }).importLogin(exported), erplink.InvalidArgumentError);
  await post('/_ctl/expire_codes', {});
  await assert.rejects(sso.exchange(code, state, exported), (e) => e instanceof erplink.AuthError && /invalid_grant/.test(e.message));
  const short = makeSso({ loginMaxAgeS: 1 });
  const lg2 = await short.beginLogin(SCOPES);
  const [code2, state2] = await consent(lg2.url);
  await new Promise((r) => setTimeout(r, 2100));
  await assert.rejects(short.exchange(code2, state2, lg2), (e) => e instanceof erplink.AuthError && /expired/.test(e.message));
  assert.throws(() => new esi.SSO({ clientId: WEB, redirectUri: REDIRECT }), erplink.InvalidArgumentError); // no User-Agent
  assert.throws(() => makeSso({ clientId: '' }), erplink.InvalidArgumentError);
  assert.throws(() => makeSso({ leewayS: -1 }), erplink.InvalidArgumentError);
  assert.throws(() => makeSso({ leewayS: 'soon' }), erplink.InvalidArgumentError);
  assert.throws(() => new esi.SSO(), erplink.InvalidArgumentError);
  await assert.rejects(sso.endpoint('nope'), erplink.InvalidArgumentError);
  await assert.rejects(sso.beginLogin(['has space']), erplink.InvalidArgumentError);
  await assert.rejects(sso.exchange(code, state, {}), erplink.InvalidArgumentError);
});

test('refresh rotates; a narrower scope; revoke', async () => {
  const sso = makeSso();
  const t = await loginTokens(sso);
  const t2 = await sso.refresh(t.refreshToken);
  assert.notEqual(t2.refreshToken, t.refreshToken);
  assert.equal((await sso.verify(t2.accessToken)).characterId, CHAR);
  await assert.rejects(sso.refresh(t.refreshToken), (e) => e instanceof erplink.AuthError && /invalid_grant/.test(e.message));
  const t3 = await sso.refresh(t2.refreshToken, { scope: 'esi-assets.read_assets.v1' });
  assert.deepEqual([...(await sso.verify(t3.accessToken)).scopes], ['esi-assets.read_assets.v1']);
  await sso.revoke(t3.refreshToken);
  await assert.rejects(sso.refresh(t3.refreshToken), erplink.AuthError);
  await assert.rejects(makeSso({ clientSecret: 'wrong-secret' }).revoke('whatever'), erplink.AuthError);
});

const mint = async (kw = {}) => (await post('/_ctl/mint', kw)).token;

test('verify: RS256 and ES256, expired, foreign, forged, tampered, a key published later', async () => {
  const sso = makeSso({ jwksRefreshIntervalS: 0 });
  assert.equal((await sso.verify(await mint())).characterId, CHAR);
  assert.equal((await sso.verify(await mint({ key: 'ec' }))).characterId, CHAR);
  await assert.rejects(sso.verify(await mint({ claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })), erplink.AuthError);
  await assert.rejects(sso.verify(await mint({ client_id: 'someone-else' })), erplink.AuthError);
  await assert.rejects(sso.verify(await mint({ claims: { iss: 'https://evil.example.com' } })), erplink.AuthError);
  await assert.rejects(sso.verify('not-a-jwt'), (e) => e instanceof erplink.AuthError && /malformed/.test(e.message));
  const unpublished = (await post('/_ctl/new_key', { type: 'rsa', publish: false })).kid;
  await assert.rejects(sso.verify(await mint({ key: unpublished })), erplink.SignatureError);
  await assert.rejects(sso.verify(await mint({ alg: 'none' })), erplink.SignatureError);
  await assert.rejects(sso.verify(await mint({ alg: 'HS256-pubkey' })), erplink.SignatureError);
  const [head, body, sig] = (await mint()).split('.');
  const tampered = [head, body, sig.slice(0, -4) + (sig.slice(-4) !== 'AAAA' ? 'AAAA' : 'BBBB')].join('.');
  await assert.rejects(sso.verify(tampered), (e) => e instanceof erplink.SignatureError && !e.message.includes(tampered));
  const fresh = (await post('/_ctl/new_key', { type: 'ec', publish: true })).kid;
  assert.equal((await sso.verify(await mint({ key: fresh }))).characterId, CHAR);
});

test('offline JWKS: verify with the published document, synchronously; errors', async () => {
  const doc = await ctl('GET', '/oauth/jwks');
  const jwks = new esi.JWKS(JSON.stringify(doc));
  assert.ok(jwks.size === doc.keys.length && jwks.size >= 2);
  const tok = await mint();
  const c = jwks.verify(tok, WEB);
  assert.equal(c.characterId, CHAR);
  assert.equal(c.name, 'Sim Pilot');
  assert.equal(new esi.JWKS(Buffer.from(JSON.stringify(doc))).verify(tok, WEB).characterId, CHAR);
  assert.throws(() => jwks.verify(tok, WEB, { now: Math.floor(Date.now() / 1000) + 7200 }), erplink.AuthError);
  assert.throws(() => jwks.verify(tok, 'another-client'), erplink.AuthError);
  const unsigned = await mint({ alg: 'none' });
  assert.throws(() => jwks.verify(unsigned, WEB), erplink.SignatureError);
  assert.throws(() => new esi.JWKS('{"keys": []}'), erplink.ProtocolError);
  assert.throws(() => new esi.JWKS('not json'), erplink.ProtocolError);
  assert.throws(() => new esi.JWKS(42), erplink.InvalidArgumentError);
  assert.throws(() => jwks.verify(tok, WEB, { now: 'today' }), erplink.InvalidArgumentError);
});

// ------------------------------------------------------------------ Token

test('Token refreshes itself; an async onRefresh stores each rotation before the call goes on', async () => {
  const sso = makeSso();
  const t = await loginTokens(sso);
  const stored = [];
  const onRefresh = async (rt, cid) => {
    await new Promise((r) => setTimeout(r, 20)); // e.g. an UPDATE in the app's database
    stored.push([rt, cid]);
  };
  const tok = await sso.token(t, { onRefresh });
  assert.equal(tok.refreshCount, 0);
  assert.equal(await tok.accessToken(), t.accessToken); // verified, not expired: no request
  assert.equal((await tok.claims()).characterId, CHAR);
  assert.equal(stored.length, 0);
  tok.invalidate();
  const a2 = await tok.accessToken();
  assert.notEqual(a2, t.accessToken);
  assert.equal(tok.refreshCount, 1);
  assert.equal(stored.length, 1); // the call waited for onRefresh's Promise
  assert.equal(stored[0][1], CHAR);
  assert.notEqual(stored[0][0], t.refreshToken);
  // from a stored refresh token only: the first use refreshes
  const tok2 = new esi.Token(sso, stored[0][0], { onRefresh: (rt, cid) => { stored.push([rt, cid]); }, refreshMarginS: 30 });
  assert.equal((await sso.verify(await tok2.accessToken())).characterId, CHAR);
  assert.equal(tok2.refreshCount, 1);
  assert.equal(stored.length, 2);
  assert.ok(!util.inspect(tok2).includes(stored[1][0]));
  await assert.rejects(sso.refresh(stored[0][0]), erplink.AuthError);
  await sso.revoke(stored[1][0]);
  tok2.invalidate();
  await assert.rejects(tok2.accessToken(), (e) => e instanceof erplink.AuthError && /invalid_grant/.test(e.message));
  assert.throws(() => new esi.Token(sso, t.refreshToken, { refreshMarginS: 99999 }), erplink.InvalidArgumentError);
  assert.throws(() => new esi.Token({}, t.refreshToken), erplink.InvalidArgumentError);
  assert.throws(() => new esi.Token(sso, t.refreshToken, { onRefresh: 'nope' }), erplink.InvalidArgumentError);
});

test('an onRefresh that throws or rejects makes the call that refreshed reject with it', async () => {
  const sso = makeSso();
  class Boom extends Error {}
  const tok = new esi.Token(sso, (await loginTokens(sso)).refreshToken, { onRefresh: () => { throw new Boom('db down'); } });
  await assert.rejects(tok.accessToken(), (e) => e instanceof Boom && e.message === 'db down');
  const tok2 = new esi.Token(sso, (await loginTokens(sso)).refreshToken,
    { onRefresh: async () => { throw new Boom('db down later'); } });
  const c = makeClient();
  await assert.rejects(c.characterAssets(tok2, CHAR), (e) => e instanceof Boom && e.message === 'db down later');
});

// ------------------------------------------------------------------ Client

test('get: metadata, cache hit, 304 revalidation, no cache', async () => {
  const c = makeClient({ compatibilityDate: '2025-08-26' });
  const r = await c.get('/markets/{region_id}/orders', { path: { region_id: 10000002 }, query: { order_type: 'sell' } });
  assert.deepEqual([r.status, r.cacheStatus, r.fromCache, r.notModified], [200, 'miss', false, false]);
  assert.equal(r.pages, 3);
  assert.equal(r.requests, 1);
  assert.ok(r.length > 0 && r.length < 1000);
  assert.ok(r.etag.startsWith('"') && r.lastModified.endsWith('GMT'));
  assert.ok(r.expiresMs > Date.now());
  assert.equal(r.errorLimit.remain, 100);
  assert.ok(r.errorLimit.resetS > 0 && r.errorLimit.resetS <= 60);
  assert.equal(r.rateLimit.group, 'market-order');
  assert.ok(r.rateLimit.limit !== null && r.rateLimit.remaining > 0);
  assert.ok(Array.isArray(r.value));
  assert.deepEqual(r.value[0], r.items[0]);
  assert.deepEqual([...r][0], r.items[0]);
  assert.ok(r.items.every((o) => o.is_buy_order === false));
  assert.equal(c.errorLimit.remain, 100);
  const r2 = await c.get('/markets/{region_id}/orders', { path: { region_id: 10000002 }, query: [['order_type', 'sell']] });
  assert.deepEqual([r2.status, r2.cacheStatus, r2.requests, r2.fromCache], [200, 'hit', 0, true]);
  assert.deepEqual(r2.items, r.items);
  await post('/_ctl/config', { market_ttl: 0 });
  const c2 = makeClient();
  await c2.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } });
  const r3 = await c2.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } });
  assert.deepEqual([r3.status, r3.cacheStatus, r3.notModified, r3.fromCache], [304, 'revalidated', true, true]);
  assert.equal(r3.length, 1000);
  assert.equal((await ctl('GET', '/_ctl/hits'))['304 /markets/10000002/orders'], 1);
  const c3 = makeClient({ cache: false });
  await c3.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } });
  assert.equal((await c3.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } })).cacheStatus, 'miss');
  assert.ok(Object.isFrozen(r));
});

test('getAllPages and iterPages: page order, break, roll-over, parameter errors', async () => {
  await post('/_ctl/config', { market_pages: 5, orders_per_page: 50 });
  const c = makeClient({ concurrency: 4 });
  const route = '/markets/{region_id}/orders';
  const r = await c.getAllPages(route, { path: { region_id: 10000002 } });
  assert.equal(r.pageValues.length, 5);
  assert.equal(r.length, 250);
  assert.equal(r.requests, 5);
  assert.deepEqual([...r.pageCacheStatus], Array(5).fill('miss'));
  assert.deepEqual(r.pageValues[4], r.items.slice(200));
  const ids = r.items.map((o) => o.order_id);
  assert.equal(new Set(ids).size, 250);
  const pages = [];
  for await (const p of c.iterPages(route, { path: { region_id: 10000002 }, ahead: 2 })) pages.push(p);
  assert.deepEqual(pages.map((p) => [p.page, p.pages]), [1, 2, 3, 4, 5].map((i) => [i, 5]));
  assert.deepEqual(pages.flatMap((p) => p.items.map((o) => o.order_id)), ids);
  // break stops the walk and frees it
  for await (const p of c.iterPages(route, { path: { region_id: 10000003 } })) {
    assert.equal(p.page, 1);
    break;
  }
  // a roll-over in the middle: ConflictError after the pages of the older version
  const c2 = makeClient({ cache: false, concurrency: 1 });
  await post('/_ctl/rollover', { path: '/markets/10000004/orders', after: 2 });
  const got = [];
  await assert.rejects((async () => {
    for await (const p of c2.iterPages(route, { path: { region_id: 10000004 }, ahead: 1 })) got.push(p.page);
  })(), erplink.ConflictError);
  assert.equal(got[0], 1);
  // getAllPages refetches once and succeeds
  await post('/_ctl/rollover', { path: '/markets/10000005/orders', after: 2 });
  assert.equal((await c2.getAllPages(route, { path: { region_id: 10000005 } })).length, 250);
  await assert.rejects(c.get(route), erplink.InvalidArgumentError); // a missing path parameter
  await assert.rejects(c.get(route, { path: { region_id: 1.5 } }), erplink.InvalidArgumentError);
  await assert.rejects(c.get(route, { path: { region_id: {} } }), erplink.InvalidArgumentError);
  await assert.rejects(c.get(route, { path: { region_id: 1 }, query: { page: 2 } }), erplink.InvalidArgumentError);
  await assert.rejects(c.get(route, { path: { region_id: 1 }, query: [['a']] }), erplink.InvalidArgumentError);
  await assert.rejects(c.iterPages('no-slash').next(), erplink.InvalidArgumentError);
});

test('iterPages: an AbortSignal cancels the walk; a slow loop holds at most `ahead` pages', async () => {
  await post('/_ctl/config', { market_pages: 40, orders_per_page: 20 });
  const c = makeClient({ concurrency: 4, cache: false });
  const route = '/markets/{region_id}/orders';
  const ac = new AbortController();
  const seen = [];
  await assert.rejects((async () => {
    for await (const p of c.iterPages(route, { path: { region_id: 10000002 }, signal: ac.signal, ahead: 2 })) {
      seen.push(p.page);
      if (p.page === 3) ac.abort();
      await new Promise((r) => setTimeout(r, 30));
    }
  })(), erplink.CancelledError);
  assert.deepEqual(seen.slice(0, 3), [1, 2, 3]);
  assert.ok(seen.length < 40);
  const hits = await ctl('GET', '/_ctl/hits');
  const fetched = Object.entries(hits).filter(([k]) => k.startsWith('200 /markets/10000002/orders')).reduce((n, [, v]) => n + v, 0);
  assert.ok(fetched < 40, `the walk went on after the abort: ${fetched} pages fetched`);
  const ac2 = new AbortController();
  ac2.abort();
  await assert.rejects(c.iterPages(route, { path: { region_id: 10000002 }, signal: ac2.signal }).next(), erplink.CancelledError);
});

test('typed helpers: assets, blueprints, market orders, wallet, mail, universe names, post', async () => {
  const sso = makeSso();
  const tok = await sso.token(await loginTokens(sso));
  await post('/_ctl/config', { assets_per_page: 100, blueprints_per_page: 60, wallet_total: 250, wallet_batch: 100,
    market_pages: 2, orders_per_page: 40 });
  const c = makeClient();
  const a = await c.characterAssets(tok, CHAR);
  assert.equal(a.pageValues.length, 3);
  assert.equal(a.length, 300);
  for (const k of ['item_id', 'type_id', 'quantity']) assert.ok(k in a.items[0]);
  const b = await c.characterBlueprints(tok, CHAR);
  assert.equal(b.length, 120);
  const kinds = new Set(b.items.map(esi.blueprintKind));
  assert.ok(kinds.has('original') && kinds.has('copy'));
  assert.equal(esi.blueprintKind({ quantity: -1 }), 'original');
  assert.equal(esi.blueprintKind({ quantity: -2 }), 'copy');
  assert.equal(esi.blueprintKind({ quantity: 5 }), 'stack');
  assert.equal(esi.blueprintKind({}), 'unknown');
  assert.equal((await c.marketOrders(10000002)).length, 80);
  assert.ok((await c.marketOrders(10000002, { orderType: 'buy' })).items.every((o) => o.is_buy_order));
  const one = await c.marketOrders(10000002, { typeId: 34 });
  assert.equal(one.pages, 1);
  assert.ok(one.items.every((o) => o.type_id === 34));
  await assert.rejects(c.marketOrders(10000002, { orderType: 'both' }), erplink.InvalidArgumentError);
  const w = await c.walletTransactions(tok, CHAR);
  const tids = w.items.map((x) => x.transaction_id);
  assert.equal(tids.length, 250);
  assert.deepEqual(tids, [...tids].sort((x, y) => y - x));
  assert.equal(w.pageValues.length, 3);
  assert.deepEqual((await c.walletTransactions(tok, CHAR, { fromId: tids[100] })).items.map((x) => x.transaction_id),
    tids.slice(100));
  assert.equal((await c.walletTransactions(tok, CHAR, { maxBatches: 1 })).length, 100);
  const mid = await c.sendMail(tok, CHAR, [[90000001, 'character'], [98000001, 'corporation']], 'Hello', '<b>body</b>');
  assert.ok(mid > 0);
  assert.equal(await c.sendMail(tok, CHAR, [[90000001, 'character']], 'again', 'x'), mid + 1);
  await assert.rejects(c.sendMail(tok, CHAR, [], 's', 'b'), erplink.InvalidArgumentError);
  await assert.rejects(c.sendMail(tok, CHAR, [[1, 'planet']], 's', 'b'), erplink.InvalidArgumentError);
  await assert.rejects(c.sendMail(tok, CHAR, [[1, 'character']], 's'.repeat(1001), 'b'), erplink.InvalidArgumentError);
  await assert.rejects(c.sendMail(tok, CHAR, [[1]], 's', 'b'), erplink.InvalidArgumentError);
  await assert.rejects(c.sendMail(null, CHAR, [[1, 'character']], 's', 'b'), erplink.InvalidArgumentError);
  await post('/_ctl/config', { invalid_ids: [777, 3000] });
  const ids = Array.from({ length: 2500 }, (_, i) => i + 1).concat([1, 2]);
  const n = await c.universeNames(ids);
  assert.deepEqual(n.invalid, [777]);
  assert.equal(n.names.length, 2499);
  assert.deepEqual(n.names.map((x) => x.id), ids.slice(0, 2500).filter((i) => i !== 777));
  assert.deepEqual(n.names[0], { category: 'inventory_type', id: 1, name: 'Name 1' });
  assert.equal((await c.universeNames(30000142)).names[0].category, 'solar_system');
  const r = await c.post('/universe/names', [60003760, 99000001]);
  assert.equal(r.status, 200);
  assert.deepEqual(r.value.map((x) => x.category), ['station', 'alliance']);
  await assert.rejects(c.post('/universe/names', { not: 'a list' }), erplink.ValidationError);
  await assert.rejects(c.post('/universe/names', [777]), erplink.NotFoundError);
});

test('HTTP errors: missing scope, another character, no token, 500, 404, bad options', async () => {
  const sso = makeSso();
  const tok = await sso.token(await loginTokens(sso, ['esi-assets.read_assets.v1']));
  const c = makeClient();
  await assert.rejects(c.characterBlueprints(tok, CHAR), erplink.AccessError);
  await assert.rejects(c.characterAssets(tok, CHAR + 1), erplink.AccessError);
  await assert.rejects(c.get('/characters/{character_id}/assets', { path: { character_id: CHAR } }), erplink.AuthError);
  await post('/_ctl/fault', { path: '/markets/10000002/orders', status: 500, count: 1 });
  await assert.rejects(c.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } }),
    (e) => e instanceof erplink.ErplinkError && e.httpStatus === 500 && /\/markets\//.test(e.message));
  await assert.rejects(c.get('/nowhere'), erplink.NotFoundError);
  assert.throws(() => new esi.Client({ userAgent: 'no contact', baseUrl: sim.url }),
    (e) => e instanceof erplink.InvalidArgumentError && /User-Agent/.test(e.message));
  assert.throws(() => new esi.Client({ userAgent: UA, compatibilityDate: '2025-02-30' }), erplink.InvalidArgumentError);
  assert.throws(() => new esi.Client({ baseUrl: sim.url }), erplink.InvalidArgumentError);
  assert.throws(() => new esi.Client({ userAgent: UA, cache: 'yes' }), erplink.InvalidArgumentError);
  assert.throws(() => new esi.Client({ userAgent: UA, concurrency: 'many' }), erplink.InvalidArgumentError);
  c.close();
  await assert.rejects(c.get('/status'), erplink.InvalidArgumentError);
});

test('the error limit: a 420 pauses the whole client', async () => {
  const c = makeClient();
  await post('/_ctl/error_limit', { remain: 0, reset: 3 });
  await assert.rejects(c.marketOrders(10000002, { typeId: 34 }), (e) => e instanceof erplink.RateLimitError && e.httpStatus === 420);
  assert.ok(c.pauseRemainingMs > 0);
  assert.equal(c.errorLimit.remain, 0);
});

test('a BlobCache store: a second client in the same file is answered from the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'erplink-esi-'));
  const st = await store.Store.open(path.join(dir, 'cache.db'));
  const cache = new store.BlobCache(st, 'esi', 1 << 24);
  const c1 = makeClient({ cache });
  const r1 = await c1.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } });
  assert.equal(r1.cacheStatus, 'miss');
  const c2 = makeClient({ cache });
  const r2 = await c2.get('/markets/{region_id}/orders', { path: { region_id: 10000002 } });
  assert.equal(r2.cacheStatus, 'hit');
  assert.deepEqual(r2.items, r1.items);
  assert.ok((await cache.size()).count >= 1);
  c1.close();
  c2.close();
  cache.close();
  st.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ESI calls run off the event loop: timers keep ticking, concurrent calls overlap', async () => {
  await post('/_ctl/config', { latency_ms: 300 });
  const c = makeClient({ cache: false });
  let last = Date.now();
  let maxGap = 0;
  const iv = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  const t0 = Date.now();
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    c.get('/markets/{region_id}/orders', { path: { region_id: 10000002 }, query: { type_id: 34 + i } })));
  const el = Date.now() - t0;
  clearInterval(iv);
  assert.equal(rs.length, 8);
  assert.ok(el < 8 * 300, `8 calls of 300 ms took ${el} ms: they queued`);
  assert.ok(maxGap < 50, `the event loop stalled for ${maxGap} ms`);
});
