'use strict';
// erplink.odoo in Node against the Odoo simulator (tests/servers/odoo_server.py), Odoo 17 and
// 19, every protocol: every Client method, the async iterator, AbortSignal, each error class,
// and that calls run off the event loop (a stalled request does not block timers; concurrent
// calls overlap).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const { odoo } = erplink;
const { start, ODOO_DB, ODOO_KEY } = require('./node_servers');
const { memory, assertNoGrowth } = require('./node_mem');

const srv = {};
test.before(async () => {
  [srv[17], srv[19]] = await Promise.all([start('odoo_server.py', '--version', '17'),
    start('odoo_server.py', '--version', '19')]);
});
test.after(async () => {
  await Promise.all([srv[17] && srv[17].stop(), srv[19] && srv[19].stop()]);
});

function client(version, opts = {}) {
  return new odoo.Client({ url: srv[version].url, db: ODOO_DB[version], login: 'admin', apiKey: ODOO_KEY[version],
    ...opts });
}

const COMBOS = [[17, 'xmlrpc'], [17, 'jsonrpc'], [19, 'xmlrpc'], [19, 'jsonrpc'], [19, 'json2'], [19, 'auto']];

for (const [version, proto] of COMBOS) {
  test(`odoo ${version}-${proto}: protocol, version, authenticate`, async () => {
    const c = client(version, { protocol: proto });
    assert.equal(await c.protocol(), proto === 'auto' ? 'json2' : proto);
    assert.equal(await c.serverVersion(), version);
    const v = await c.version();
    assert.ok(v && typeof v === 'object' && Object.keys(v).length > 0);
    assert.equal(await c.authenticate(), 2);
    c.close();
  });

  test(`odoo ${version}-${proto}: ORM reads`, async () => {
    const c = client(version, { protocol: proto });
    const ids = await c.search('res.partner', [['is_company', '=', true]], { order: 'id' });
    assert.ok(ids.length > 0 && ids.every(Number.isInteger));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const all = await c.search('res.partner', [], { order: 'id' });
    assert.deepEqual(await c.search('res.partner', [], { offset: 1, limit: 2, order: 'id' }), all.slice(1, 3));
    const n = await c.searchCount('res.partner');
    assert.ok(n >= ids.length);
    const recs = await c.read('res.partner', ids.slice(0, 2), ['name', 'is_company']);
    assert.deepEqual(recs.map((r) => r.id), ids.slice(0, 2));
    assert.ok(recs.every((r) => r.is_company === true));
    assert.equal((await c.read('res.partner', ids[0], ['name']))[0].id, ids[0]);
    const sr = await c.searchRead('res.partner', [['id', 'in', ids.slice(0, 3)]], { fields: ['name'], order: 'id' });
    assert.deepEqual(sr.map((r) => r.id), ids.slice(0, 3));
    assert.ok(sr.every((r) => typeof r.name === 'string'));
    const fg = await c.fieldsGet('res.partner', ['string', 'type']);
    assert.equal(fg.name.type, 'char');
    const ns = await c.nameSearch('res.partner', recs[0].name.slice(0, 4), { limit: 5 });
    assert.ok(ns.length > 0 && ns.every((p) => p.length === 2));
    const groups = await c.readGroup('res.partner', [], ['id:count'], ['is_company'], { lazy: true });
    assert.equal(groups.reduce((s, g) => s + (g.is_company_count !== undefined ? g.is_company_count : g.__count || 0),
      0), n);
    c.close();
  });

  test(`odoo ${version}-${proto}: ORM writes`, async () => {
    const c = client(version, { protocol: proto });
    const pid = await c.create('res.partner', { name: 'erplink node \u00e9t\u00e9', comment: 'x' });
    assert.ok(Number.isInteger(pid));
    const many = await c.create('res.partner', [{ name: 'node a' }, { name: 'node b' }]);
    assert.ok(Array.isArray(many) && many.length === 2);
    await c.write('res.partner', [pid], { name: 'renamed' });
    assert.equal((await c.read('res.partner', [pid], ['name']))[0].name, 'renamed');
    await c.unlink('res.partner', [pid, ...many]);
    assert.deepEqual(await c.search('res.partner', [['id', 'in', [pid, ...many]]]), []);
    c.close();
  });

  test(`odoo ${version}-${proto}: executeKw`, async () => {
    const c = client(version, { protocol: proto });
    assert.equal(await c.executeKw('res.partner', 'search_count', [[]]), await c.searchCount('res.partner'));
    const r = await c.executeKw('res.partner', 'search_read', [[]], { fields: ['name'], limit: 1 }, { idempotent: true });
    assert.equal(r.length, 1);
    assert.ok('id' in r[0] && 'name' in r[0]);
    assert.deepEqual(await c.executeKw('res.partner', 'search', [[['id', '=', 0]]]), []);
    c.close();
  });

  test(`odoo ${version}-${proto}: iterSearchRead pages and stops cleanly`, async () => {
    const c = client(version, { protocol: proto });
    const all = await c.search('res.partner', [], { order: 'id' });
    const seen = [];
    for await (const r of c.iterSearchRead('res.partner', [], { fields: ['name'], pageSize: 2 })) seen.push(r.id);
    assert.deepEqual(seen, all);
    let i = 0;
    for await (const r of c.iterSearchRead('res.partner', [], { pageSize: 1 })) {
      assert.equal(r.id, all[i]);
      if (++i === 2) break; // frees the cursor
    }
    const it = c.iterSearchRead('res.partner', [], { fields: ['name'], pageSize: 1 });
    assert.equal((await it.next()).value.id, all[0]);
    await it.return();
    assert.equal((await it.next()).done, true);
    await assert.rejects((async () => {
      for await (const r of c.iterSearchRead('res.partner', [], { pageSize: 1 })) throw new RangeError(String(r.id));
    })(), RangeError);
    c.close();
  });
}

test('values both ways, default context, unknown context key', async () => {
  const c = client(19, { protocol: 'jsonrpc' });
  const pid = await c.create('res.partner', { name: 'dt', comment: null });
  await c.write('res.partner', pid, { name: 'dt2' });
  const rec = (await c.read('res.partner', [pid], ['name', 'write_date']))[0];
  assert.equal(rec.name, 'dt2');
  assert.ok(typeof rec.write_date === 'string' || rec.write_date instanceof Date);
  c.close();
  const d = client(17, { protocol: 'jsonrpc', context: { lang: 'en_US', tz: 'Europe/Brussels', allowedCompanyIds: [1] } });
  assert.ok(await d.searchCount('res.partner') > 0);
  d.close();
  assert.throws(() => client(17, { context: { active_test: false } }), erplink.InvalidArgumentError);
});

// ------------------------------------------------------------------ errors

test('log: redacted lines reach the log function on the main thread, at the level asked', async () => {
  const lines = [];
  const c = client(19, { protocol: 'json2', log: (level, message) => lines.push([level, message]), logLevel: 'trace' });
  assert.equal(await c.authenticate(), 2);
  for (let i = 0; i < 200 && !lines.some(([l]) => l === 'info'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(lines.some(([l, m]) => l === 'info' && /200/.test(m)), JSON.stringify(lines));
  assert.ok(lines.some(([l]) => l === 'trace' || l === 'debug'));
  for (const [l, m] of lines) {
    assert.ok(['error', 'warn', 'info', 'debug', 'trace'].includes(l));
    assert.ok(!m.includes(ODOO_KEY[19]), 'the API key is never logged');
  }
  c.close();
  const quiet = [];
  const q = client(19, { protocol: 'json2', log: (level) => quiet.push(level), logLevel: 'warn' });
  await q.authenticate();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(quiet, []); // a successful request logs at info
  q.close();
  assert.throws(() => client(19, { log: () => {}, logLevel: 'loud' }), erplink.InvalidArgumentError);
  assert.throws(() => client(19, { log: 'console' }), erplink.InvalidArgumentError);
});

test('AuthError: bad key, never in the message', async () => {
  for (const [v, proto] of [[17, 'xmlrpc'], [17, 'jsonrpc'], [19, 'json2']]) {
    const c = client(v, { apiKey: '0'.repeat(40), protocol: proto });
    await assert.rejects(c.authenticate(), (e) => e instanceof erplink.AuthError && e.category === 'auth' &&
      e.code === erplink.codes.EAUTH && !e.message.includes('0'.repeat(40)));
    c.close();
  }
});

test('AccessError with the remote class', async () => {
  const c = client(19, { login: 'demo', apiKey: undefined, password: 'demo', protocol: 'jsonrpc' });
  await assert.rejects(c.write('res.users', [2], { name: 'x' }),
    (e) => e instanceof erplink.AccessError && e.remoteClass === 'odoo.exceptions.AccessError');
  c.close();
});

test('NotFoundError (HTTP 404, MissingError), ValidationError, ServerError with detail', async () => {
  const c = client(19, { protocol: 'json2' });
  await assert.rejects(c.search('no.such.model'), (e) => e instanceof erplink.NotFoundError && e.httpStatus === 404);
  c.close();
  const j = client(19, { protocol: 'jsonrpc' });
  await assert.rejects(j.write('res.partner', [987654], { name: 'x' }),
    (e) => e instanceof erplink.NotFoundError && e.remoteClass === 'odoo.exceptions.MissingError');
  await assert.rejects(j.executeKw('no.such.model', 'search', [[]]), erplink.ValidationError);
  await assert.rejects(j.executeKw('res.partner', 'search', [[]], { no_such_kw: 1 }),
    (e) => e instanceof erplink.ServerError && typeof e.detail === 'string' && e.detail.length > 0);
  j.close();
});

test('ConflictError', async () => {
  const c = client(19, { protocol: 'jsonrpc' });
  const pid = await c.create('res.partner', { name: 'lock' });
  await assert.rejects(c.write('res.partner', [pid], { x_simulate_lock: true }), erplink.ConflictError);
  c.close();
});

test('ProtocolError: wrong database, HTML answer', async () => {
  const c = new odoo.Client({ url: srv[17].url, db: 'nodb', login: 'admin', password: 'admin', protocol: 'xmlrpc' });
  await assert.rejects(c.authenticate(), (e) => e instanceof erplink.ProtocolError && e.message.includes('nodb'));
  c.close();
  const h = new odoo.Client({ url: srv[17].url + '/__fault__/html/5/nodehtml', db: 'demo17', login: 'admin',
    password: 'admin', protocol: 'xmlrpc' });
  await assert.rejects(h.search('res.partner'), (e) => e instanceof erplink.ProtocolError && e.message.includes('HTML'));
  h.close();
});

test('NetworkError (refused) and TimeoutError', async () => {
  const c = new odoo.Client({ url: 'http://127.0.0.1:9', db: 'demo17', login: 'admin', password: 'admin',
    protocol: 'xmlrpc', maxAttempts: 1 });
  await assert.rejects(c.search('res.partner'), (e) => e instanceof erplink.NetworkError &&
    e.code === erplink.codes.ECONNECT);
  c.close();
  const t = new odoo.Client({ url: srv[17].url + '/__fault__/stall/5/nodestall', db: 'demo17', login: 'admin',
    password: 'admin', protocol: 'xmlrpc', timeoutMs: 500, maxAttempts: 1 });
  await t.authenticate();
  await assert.rejects(t.search('res.partner'), erplink.TimeoutError);
  t.close();
});

test('an idempotent call is retried after a 502', async () => {
  const c = new odoo.Client({ url: srv[17].url + '/__fault__/gateway/1/noderetry', db: 'demo17', login: 'admin',
    password: 'admin', protocol: 'xmlrpc' });
  assert.ok(await c.searchCount('res.partner') > 0);
  c.close();
});

test('invalid arguments', async () => {
  assert.throws(() => new odoo.Client({ url: srv[17].url, db: 'demo17', login: 'admin' }), erplink.InvalidArgumentError);
  assert.throws(() => new odoo.Client({ url: 'ftp://x', db: 'demo17', login: 'admin', password: 'x' }),
    erplink.InvalidArgumentError);
  assert.throws(() => client(17, { protocol: 'soap' }), erplink.InvalidArgumentError);
  assert.throws(() => new odoo.Client(), erplink.InvalidArgumentError);
  assert.throws(() => client(17, { timeoutMs: 'soon' }), erplink.InvalidArgumentError);
  const c = client(17);
  await assert.rejects(c.search(42), erplink.InvalidArgumentError);
  await assert.rejects(c.read('res.partner', ['x']), erplink.InvalidArgumentError);
  await assert.rejects(c.read('res.partner', [1], [1]), erplink.InvalidArgumentError);
  await assert.rejects(c.search('res.partner', [() => 1]), erplink.InvalidArgumentError);
  await assert.rejects(c.search('res.partner', [], { limit: 1.5 }), erplink.InvalidArgumentError);
  await assert.rejects(c.search('res.partner', [], { signal: {} }), erplink.InvalidArgumentError);
  c.close();
  await assert.rejects(c.search('res.partner'), erplink.InvalidArgumentError); // closed
  c.close(); // idempotent
});

// ------------------------------------------------------------------ off the event loop

test('a stalled request does not block the event loop; AbortSignal cancels it', async () => {
  const c = new odoo.Client({ url: srv[17].url + '/__fault__/stall/1/nodeloop', db: 'demo17', login: 'admin',
    password: 'admin', protocol: 'xmlrpc', maxAttempts: 1 });
  await c.authenticate();
  let last = Date.now();
  let maxGap = 0;
  let ticks = 0;
  const iv = setInterval(() => {
    const now = Date.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const ac = new AbortController();
  const t0 = Date.now();
  const p = c.search('res.partner', [], { signal: ac.signal });
  setTimeout(() => ac.abort(), 1000);
  await assert.rejects(p, erplink.CancelledError);
  const took = Date.now() - t0;
  clearInterval(iv);
  assert.ok(took >= 900 && took < 2500, `cancelled after ${took} ms`);
  assert.ok(ticks >= 50, `only ${ticks} ticks in ${took} ms`);
  assert.ok(maxGap < 50, `the event loop stalled for ${maxGap} ms`);
  // an aborted signal rejects at once, the iterator too
  await assert.rejects(c.search('res.partner', [], { signal: AbortSignal.abort() }), erplink.CancelledError);
  await assert.rejects(c.iterSearchRead('res.partner', [], { signal: AbortSignal.abort() }).next(), erplink.CancelledError);
  c.close();
});

test('8 concurrent slow calls overlap instead of queueing', async () => {
  const clients = Array.from({ length: 8 }, (_, i) => new odoo.Client({
    url: `${srv[17].url}/__fault__/stall/1/nodepar${i}`, db: 'demo17', login: 'admin', password: 'admin',
    protocol: 'xmlrpc', maxAttempts: 1 }));
  await Promise.all(clients.map((c) => c.authenticate()));
  const t0 = Date.now();
  const counts = await Promise.all(clients.map((c) => c.searchCount('res.partner'))); // each stalls 3 s once
  const took = Date.now() - t0;
  assert.ok(counts.every((n) => n > 0));
  assert.ok(took < 3 * 3000, `8 stalled calls took ${took} ms (sequential would be 24 s)`);
  for (const c of clients) c.close();
});

test('failing and succeeding calls do not leak', async () => {
  const c = client(19, { protocol: 'json2' });
  const payload = [['name', 'in', Array(50).fill('x'.repeat(1000))]];
  const round = async () => {
    await c.searchRead('res.partner', payload, { fields: ['name'] });
    await assert.rejects(c.search('no.such.model', payload), erplink.NotFoundError);
    await assert.rejects(c.search('res.partner', [Symbol('x')]), erplink.InvalidArgumentError);
  };
  for (let i = 0; i < 50; i++) await round();
  const before = memory();
  for (let i = 0; i < 400; i++) await round(); // 400 x 3 x ~50 KB would leak 60 MB
  assertNoGrowth(assert, before, 32 * 1024 * 1024);
  c.close();
});

test('answers built by JSON.parse equal the Node-API walk (ERPLINK_NODE_JSON=0)', async () => {
  const { execFileSync } = require('node:child_process');
  const script = `const { odoo } = require(${JSON.stringify(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'))});
    (async () => { const out = {};
      for (const protocol of ['xmlrpc', 'jsonrpc']) {
        const c = new odoo.Client({ url: ${JSON.stringify(srv[17].url)}, db: 'demo17', login: 'admin', password: 'admin', protocol });
        out[protocol] = { sr: await c.searchRead('res.partner', [], { order: 'id' }), fg: await c.fieldsGet('res.partner'),
          v: await c.version(), pages: [] };
        for await (const r of c.iterSearchRead('res.partner', [], { pageSize: 3 })) out[protocol].pages.push(r);
        c.close();
      }
      process.stdout.write(require('node:v8').serialize(out).toString('base64')); })();`;
  const get = (json) => require('node:v8').deserialize(Buffer.from(execFileSync(process.execPath, ['-e', script],
    { env: { ...process.env, ERPLINK_NODE_JSON: json }, encoding: 'utf8' }), 'base64'));
  const a = get('1');
  const b = get('0');
  assert.ok(a.xmlrpc.sr.length > 0 && Object.keys(a.xmlrpc.fg).length >= 8); // fields_get: the JSON path (>= 8 members)
  assert.deepEqual(a, b);
});

test("20 concurrent slow Odoo calls do not starve the app's file I/O (the addon's own threads, not libuv's)", async () => {
  const fsp = require('node:fs/promises');
  const clients = Array.from({ length: 20 }, (_, i) => new odoo.Client({
    url: `${srv[17].url}/__fault__/stall/1/nodefs${i}`, db: 'demo17', login: 'admin', password: 'admin',
    protocol: 'xmlrpc', maxAttempts: 1 }));
  await Promise.all(clients.map((c) => c.authenticate()));
  const slow = Promise.all(clients.map((c) => c.searchCount('res.partner'))); // each stalls 3 s
  await new Promise((r) => setTimeout(r, 300)); // the calls are in flight
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) await fsp.readFile(__filename); // libuv's pool (4 threads)
  const fsMs = Date.now() - t0;
  assert.ok(fsMs < 1000, `20 file reads took ${fsMs} ms while 20 Odoo calls stalled`);
  const counts = await slow;
  assert.ok(counts.every((n) => n > 0));
  for (const c of clients) c.close();
});
