// The storefront (examples/apps/storefront), built with `next build`, served by `next start`
// against the Odoo simulator (tests/servers/odoo_server.py --version 19, seeded with
// odoo_seed.json) and exercised with real HTTP requests and a headless Chromium.
//
//   node --test tests/apps/storefront/storefront.test.mjs
//
// Environment: STOREFRONT_APP (the app dir, built), STOREFRONT_OUT (where logs and screenshots
// go), CHROMIUM (default /usr/bin/chromium). Every server listens on 127.0.0.1 and is
// stopped by this file (the simulator when its stdin closes, next by its pid).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const app = path.resolve(process.env.STOREFRONT_APP || path.join(root, 'examples/apps/storefront'));
const out = path.resolve(process.env.STOREFRONT_OUT || path.join(root, 'build-storefront-test'));
const appRequire = createRequire(path.join(app, 'package.json'));
fs.mkdirSync(out, { recursive: true });
const dataDir = fs.mkdtempSync(path.join(out, 'data-'));

const ODOO_KEY = 'dad028985f488ca4b0f7f8f7b556a00a30762b32'; // the simulator's admin API key (19)
const ADMIN_TOKEN = crypto.randomBytes(18).toString('hex');
const SECRET_NEW = `whsec_new_${crypto.randomBytes(8).toString('hex')}`;
const SECRET_OLD = `whsec_old_${crypto.randomBytes(8).toString('hex')}`;
const deadline = (ms) => AbortSignal.timeout(ms);

// ---------------------------------------------------------------------------------------
// The Odoo simulator, behind a TCP relay the test can switch off (an outage: connections
// are refused) and on again.

let sim = null;
let simUrl = null;
let relay = null;
let relayPort = 0;
let relayTarget = 0; // the simulator the relay forwards to

function startSim(seeds = [path.join(here, 'odoo_seed.json')], log = 'odoo.log') {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', [path.join(root, 'tests/servers/odoo_server.py'), '--port', '0', '--version', '19',
      ...seeds.flatMap((f) => ['--seed', f])], { stdio: ['pipe', 'pipe', fs.openSync(path.join(out, log), 'w')] });
    const timer = setTimeout(() => reject(new Error('the Odoo simulator did not start in 30 s')), 30000);
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /PORT (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve({ proc: p, url: `http://127.0.0.1:${m[1]}`, port: Number(m[1]) });
      }
    });
    p.on('exit', (code) => reject(new Error(`the Odoo simulator exited (${code})`)));
  });
}

function relayUp(port) {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => {
      const u = net.connect(relayTarget, '127.0.0.1');
      c.pipe(u).pipe(c);
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
      s.conns.add(c);
      c.on('close', () => s.conns.delete(c));
    });
    s.conns = new Set();
    s.on('error', reject);
    s.listen(port, '127.0.0.1', () => {
      relay = s;
      relayPort = s.address().port;
      resolve();
    });
  });
}

function relayDown() {
  return new Promise((resolve) => {
    if (!relay) return resolve();
    for (const c of relay.conns) c.destroy();
    relay.close(() => resolve());
    relay = null;
  });
}

/** A JSON-2 call straight to the simulator (the test's own view of Odoo). */
async function odoo(model, method, body = {}) {
  const r = await fetch(`${simUrl}/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { authorization: `bearer ${ODOO_KEY}`, 'content-type': 'application/json', 'x-odoo-database': 'demo19' },
    body: JSON.stringify(body),
    signal: deadline(10000),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `odoo ${model}.${method}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const ordersFor = (paymentId) =>
  odoo('sale.order', 'search_read', { domain: [['client_order_ref', '=', paymentId]], fields: ['name', 'state', 'partner_id', 'order_line', 'amount_total'] });

/** How many requests the simulator has served (this one included). */
async function simRequests() {
  const r = await fetch(`${simUrl}/__sim__/stats`, { signal: deadline(5000) });
  return (await r.json()).requests;
}
async function assertNoOdooCallSince(before) {
  assert.equal(await simRequests(), before + 1, 'no Odoo call (only the stats request itself)');
}

// ---------------------------------------------------------------------------------------
// The app: `next start` on a free port, stopped and started again to prove durability.

let appProc = null;
let appUrl = null;
let appPort = 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startApp() {
  if (!appPort) appPort = await freePort();
  const log = fs.openSync(path.join(out, 'next.log'), 'a');
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ODOO_URL: `http://127.0.0.1:${relayPort}`,
    ODOO_DB: 'demo19',
    ODOO_USERNAME: 'admin',
    ODOO_PASSWORD: ODOO_KEY,
    ODOO_TIMEOUT_MS: '5000',
    RAZORPAY_WEBHOOK_SECRETS: `${SECRET_NEW},${SECRET_OLD}`,
    STOREFRONT_ADMIN_TOKEN: ADMIN_TOKEN,
    STOREFRONT_DATA_DIR: dataDir,
  };
  appProc = spawn(process.execPath, [appRequire.resolve('next/dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', String(appPort)],
    { cwd: app, env, stdio: ['ignore', log, log] });
  appUrl = `http://127.0.0.1:${appPort}`;
  const t0 = Date.now();
  for (;;) {
    assert.ok(Date.now() - t0 < 60000, 'next start did not answer within 60 s (see next.log)');
    assert.equal(appProc.exitCode, null, 'next start exited (see next.log)');
    try {
      const r = await fetch(`${appUrl}/checkout`, { signal: deadline(5000) });
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopApp() {
  return new Promise((resolve) => {
    if (!appProc || appProc.exitCode !== null) return resolve();
    const p = appProc;
    const kill = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

function localDb() {
  const Database = appRequire('better-sqlite3');
  return new Database(path.join(dataDir, 'storefront.db'), { readonly: true, fileMustExist: true });
}
function localOrders() {
  const db = localDb();
  try {
    return db.prepare('SELECT * FROM orders ORDER BY payment_id').all();
  } finally {
    db.close();
  }
}

async function post(pathname, body, headers = {}) {
  const r = await fetch(`${appUrl}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    signal: deadline(30000),
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text };
}

const sync = (query = '') => post(`/api/admin/sync/products${query}`, '', { authorization: `Bearer ${ADMIN_TOKEN}` });

// ---------------------------------------------------------------------------------------
// Razorpay webhooks, signed here as Razorpay documents it: lowercase hex HMAC-SHA256 of the
// raw body with the webhook secret.

const sign = (body, secret) => crypto.createHmac('sha256', secret).update(body).digest('hex');

function paymentCaptured(paymentId, { email = 'asha.rao@example.com', cart = '1:2', amount = 24100 } = {}) {
  return Buffer.from(JSON.stringify({
    entity: 'event',
    account_id: 'acc_TestStorefront',
    event: 'payment.captured',
    contains: ['payment'],
    payload: {
      payment: {
        entity: {
          id: paymentId, entity: 'payment', amount, currency: 'INR', status: 'captured',
          order_id: `order_${paymentId.slice(4)}`, method: 'upi', email, contact: '+919812345678',
          notes: { cart, name: 'Asha Rao — ₹ test' },
        },
      },
    },
    created_at: 1764670000,
  }));
}

const deliver = (body, eventId, secret = SECRET_NEW, signature = sign(body, secret)) =>
  post('/api/webhooks/razorpay', body, { 'x-razorpay-signature': signature, 'x-razorpay-event-id': eventId });

// ---------------------------------------------------------------------------------------

before(async () => {
  const s = await startSim();
  sim = s.proc;
  simUrl = s.url;
  relayTarget = s.port;
  await relayUp(0);
  await startApp();
});

after(async () => {
  await stopApp();
  await relayDown();
  if (sim) {
    sim.stdin.end();
    await new Promise((r) => (sim.exitCode !== null ? r() : sim.once('exit', r)));
  }
});

test('the product sync refuses a request without the admin token', async () => {
  const r = await post('/api/admin/sync/products', '', { authorization: 'Bearer wrong' });
  assert.equal(r.status, 401);
  const none = await post('/api/admin/sync/products', '');
  assert.equal(none.status, 401);
});

test('a product sync copies the sellable templates and leaves out archived and unpublished ones', async () => {
  const r = await sync();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.mode, 'full');
  assert.equal(r.json.seen, 6);
  assert.equal(r.json.upserted, 4);
  assert.equal(r.json.total, 4);
  const db = localDb();
  try {
    const rows = db.prepare('SELECT odoo_id, variant_id, name, list_price, currency, category, image IS NOT NULL AS img FROM products ORDER BY odoo_id').all();
    assert.deepEqual(rows.map((p) => p.odoo_id), [1, 2, 3, 4]);
    assert.deepEqual(rows[0], { odoo_id: 1, variant_id: 1, name: 'Office Chair', list_price: 120.5, currency: 'INR',
      category: 'All / Saleable / Office Furniture', img: 1 });
    assert.equal(rows[3].name, 'Café Lamp ✓');
  } finally {
    db.close();
  }
});

test('an incremental sync takes what changed since the last one: a rename and an archived product', async () => {
  await odoo('product.template', 'write', { ids: [2], vals: { name: 'Large Oak Desk' } });
  await odoo('product.template', 'action_archive', { ids: [4] });
  const r = await sync();
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.mode, 'incremental');
  assert.ok(r.json.seen >= 2 && r.json.seen < 6, `only the changed templates are read (seen ${r.json.seen})`);
  assert.equal(r.json.removed, 1);
  assert.equal(r.json.total, 3);
  const db = localDb();
  try {
    assert.equal(db.prepare('SELECT name FROM products WHERE odoo_id = 2').get().name, 'Large Oak Desk');
    assert.equal(db.prepare('SELECT COUNT(*) AS n FROM products WHERE odoo_id = 4').get().n, 0);
  } finally {
    db.close();
  }
  const full = await sync('?full=1');
  assert.equal(full.status, 200, full.text);
  assert.equal(full.json.total, 3);
});

test('a stock check passes when Odoo has enough', async () => {
  const r = await post('/api/checkout/stock', { lines: [{ productId: 1, qty: 2 }, { productId: 2, qty: 3 }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, true);
  assert.deepEqual(r.json.lines.map((l) => [l.productId, l.available, l.ok]), [[1, 14, true], [2, 3, true]]);
});

test('a stock check is refused with a clear message when a line is short', async () => {
  const r = await post('/api/checkout/stock', { lines: [{ productId: 1, qty: 1 }, { productId: 2, qty: 5 }, { productId: 3, qty: 1 }] });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json.ok, false);
  assert.match(r.json.message, /only 3 of Large Oak Desk left \(you asked for 5\)/);
  assert.match(r.json.message, /Corner Desk is out of stock/);
  const bad = await post('/api/checkout/stock', { lines: [{ productId: 'x', qty: 1 }] });
  assert.equal(bad.status, 400);
  const unknown = await post('/api/checkout/stock', { lines: [{ productId: 5, qty: 1 }] });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.message, /not in the shop/);
});

test('a correctly signed payment.captured creates exactly one confirmed sale.order', async () => {
  const body = paymentCaptured('pay_Storefront0001');
  const r = await deliver(body, 'evt_0001');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'created');
  const orders = await ordersFor('pay_Storefront0001');
  assert.equal(orders.length, 1);
  assert.equal(orders[0].state, 'sale');
  assert.equal(orders[0].amount_total, 241);
  const [partner] = await odoo('res.partner', 'read', { ids: [orders[0].partner_id[0]], fields: ['email', 'name'] });
  assert.equal(partner.email, 'asha.rao@example.com');
  const lines = await odoo('sale.order.line', 'read', { ids: orders[0].order_line, fields: ['product_id', 'product_uom_qty'] });
  assert.deepEqual(lines.map((l) => [l.product_id[0], l.product_uom_qty]), [[1, 2]]);
  const local = localOrders();
  assert.equal(local.length, 1);
  assert.equal(local[0].odoo_order_id, orders[0].id);
  assert.equal(local[0].amount, 24100);
});

test('the same webhook redelivered 5 times, across a restart of the app, leaves one order', async () => {
  const body = paymentCaptured('pay_Storefront0001');
  for (let i = 0; i < 3; i++) {
    const r = await deliver(body, 'evt_0001');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'duplicate');
  }
  await stopApp();
  await startApp();
  for (let i = 0; i < 2; i++) {
    const r = await deliver(body, 'evt_0001');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'duplicate');
  }
  assert.equal((await ordersFor('pay_Storefront0001')).length, 1);
  assert.equal(localOrders().length, 1);
});

test('order.paid for the same payment, signed with the previous secret (rotation), finds the order in Odoo by client_order_ref instead of making another', async () => {
  // as if the app had died after creating the order in Odoo and before recording it here
  const Database = appRequire('better-sqlite3');
  const rw = new Database(path.join(dataDir, 'storefront.db'), { fileMustExist: true, timeout: 5000 });
  try {
    assert.equal(rw.prepare('DELETE FROM orders WHERE payment_id = ?').run('pay_Storefront0001').changes, 1);
  } finally {
    rw.close();
  }
  const captured = JSON.parse(paymentCaptured('pay_Storefront0001').toString());
  const pay = captured.payload.payment.entity;
  const body = Buffer.from(JSON.stringify({
    ...captured,
    event: 'order.paid',
    contains: ['payment', 'order'],
    payload: {
      payment: { entity: { ...pay, notes: [] } }, // an empty notes object arrives as []
      order: { entity: { id: pay.order_id, entity: 'order', amount: pay.amount, amount_paid: pay.amount, currency: 'INR',
        status: 'paid', notes: pay.notes } },
    },
  }));
  const r = await deliver(body, 'evt_0001b', SECRET_OLD);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'exists');
  assert.equal((await ordersFor('pay_Storefront0001')).length, 1);
  assert.equal(localOrders().length, 1);
});

test('a bad signature answers 400 and writes nothing', async () => {
  const before = await simRequests();
  const body = paymentCaptured('pay_Storefront0002');
  const wrong = sign(body, 'whsec_not_the_secret');
  for (const sig of [wrong, wrong.toUpperCase(), wrong.slice(0, 63), 'zz', '']) {
    const r = await post('/api/webhooks/razorpay', body, { 'x-razorpay-signature': sig, 'x-razorpay-event-id': 'evt_0002' });
    assert.equal(r.status, 400, `signature ${JSON.stringify(sig)}: ${r.text}`);
  }
  // a body altered after signing
  const tampered = Buffer.from(body.toString().replace('"amount":24100', '"amount":100'));
  assert.equal((await deliver(tampered, 'evt_0002', SECRET_NEW, sign(body, SECRET_NEW))).status, 400);
  await assertNoOdooCallSince(before);
  assert.equal((await ordersFor('pay_Storefront0002')).length, 0);
  assert.equal(localOrders().length, 1);
  // the event id was not consumed: the genuine delivery still goes through later
});

test('a malformed body answers 400 and writes nothing', async () => {
  const before = await simRequests();
  for (const body of ['{"entity": "event", "event": "payment.captured", "payload": ', 'not json', '[]']) {
    const r = await deliver(Buffer.from(body), 'evt_0003');
    assert.equal(r.status, 400, `${body}: ${r.text}`);
  }
  await assertNoOdooCallSince(before);
  assert.equal(localOrders().length, 1);
});

test('with Odoo down the webhook answers 503; redelivered once Odoo is back, the order is created once', async () => {
  const body = paymentCaptured('pay_Storefront0003', { email: 'new.customer@example.com', cart: '2:1,1:1', amount: 41550 });
  await relayDown();
  try {
    const r = await deliver(body, 'evt_0004');
    assert.equal(r.status, 503, r.text);
  } finally {
    await relayUp(relayPort);
  }
  assert.equal((await ordersFor('pay_Storefront0003')).length, 0);
  assert.equal(localOrders().length, 1);
  const again = await deliver(body, 'evt_0004');
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.status, 'created');
  const orders = await ordersFor('pay_Storefront0003');
  assert.equal(orders.length, 1);
  assert.equal(orders[0].state, 'sale');
  assert.equal(orders[0].amount_total, 415.5);
  assert.equal((await deliver(body, 'evt_0004')).json.status, 'duplicate');
  assert.equal(localOrders().length, 2);
});

test('a shopper in headless Chromium sees the product list and a product page', async () => {
  const puppeteer = appRequire('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    userDataDir: fs.mkdtempSync(path.join(out, 'chromium-')),
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 760 });
    const res = await page.goto(`${appUrl}/`, { waitUntil: 'networkidle0', timeout: 30000 });
    assert.equal(res.status(), 200);
    const cards = await page.$$eval('[data-product-id]', (els) =>
      els.map((e) => ({ id: Number(e.dataset.productId), text: e.innerText, img: e.querySelector('img') ? e.querySelector('img').naturalWidth : 0 })));
    assert.deepEqual(cards.map((c) => c.id).sort(), [1, 2, 3]);
    const chair = cards.find((c) => c.id === 1);
    assert.match(chair.text, /Office Chair/);
    assert.match(chair.text, /₹120\.50/);
    assert.equal(chair.img, 64, 'the synced image is displayed');
    assert.match(cards.find((c) => c.id === 2).text, /Large Oak Desk/);
    const body = await page.$eval('body', (b) => b.innerText);
    assert.doesNotMatch(body, /Retired Cabinet|Unpublished Shelf|Café Lamp/);
    await page.screenshot({ path: path.join(out, 'product-list.png') });

    await page.click('[data-product-id="2"] a');
    await page.waitForSelector('article.product h1', { timeout: 15000 });
    assert.equal(new URL(page.url()).pathname, '/products/2');
    const product = await page.$eval('article.product', (e) => e.innerText);
    assert.match(product, /Large Oak Desk/);
    assert.match(product, /₹295\.00/);
    assert.match(product, /A wide oak desk for two screens\./);
    await page.screenshot({ path: path.join(out, 'product-page.png') });

    await page.goto(`${appUrl}/checkout?product=2&qty=5`, { waitUntil: 'networkidle0', timeout: 30000 });
    await page.click('button.button');
    await page.waitForSelector('[role=status]', { timeout: 15000 });
    const status = await page.$eval('[role=status]', (e) => e.innerText);
    assert.match(status, /only 3 of Large Oak Desk left/);
    await page.screenshot({ path: path.join(out, 'checkout-refused.png') });

    const missing = await page.goto(`${appUrl}/products/5`, { timeout: 30000 });
    assert.equal(missing.status(), 404, 'an archived product has no page');
  } finally {
    await browser.close();
  }
});

test('a full resync of 10,000 products streams them through in bounded memory and reports the counts', async (t) => {
  // a second simulator holding 10,000 sellable templates, behind the same relay
  const seed = { 'product.template': [] };
  for (let i = 0; i < 10000; i++) {
    const id = 100001 + i;
    seed['product.template'].push({ id, name: `Bulk product ${id}`, list_price: 10 + (i % 500), qty_available: i % 9,
      active: true, sale_ok: true, is_published: i % 10 !== 0, currency_id: [20, 'INR'], categ_id: [1, 'All'],
      description_sale: `Description of bulk product ${id}, long enough to weigh something on the wire.`,
      image_1920: false, product_variant_id: [id, `Bulk product ${id}`], write_date: '2026-11-25 08:00:00' });
  }
  const file = path.join(out, 'odoo_seed_10k.json');
  fs.writeFileSync(file, JSON.stringify(seed));
  const big = await startSim([path.join(here, 'odoo_seed.json'), file], 'odoo-10k.log');
  try {
    const base = (await sync()).json.peakRssMb; // the app's peak RSS so far (an incremental sync reports it)
    await relayDown();
    relayTarget = big.port;
    await relayUp(relayPort);
    const t0 = Date.now();
    const r = await sync('?full=1');
    const ms = Date.now() - t0;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.seen, 10006);
    assert.equal(r.json.upserted, 9000 + 4, 'every published template (1 in 10 is not) plus the 4 sellable seed ones');
    assert.equal(r.json.total, 9004);
    assert.equal(r.json.removed, 0);
    const db = localDb();
    try {
      assert.equal(db.prepare("SELECT COUNT(*) AS n FROM products WHERE name LIKE 'Bulk product %'").get().n, 9000);
    } finally {
      db.close();
    }
    t.diagnostic(`full resync of 10,006 templates: ${ms} ms, app peak RSS ${base} -> ${r.json.peakRssMb} MB`);
    // pages of 500 upserted as they arrive: the peak grows by far less than the whole catalogue
    // held as JavaScript objects would need (4 MB of JSON on the wire, several times that as objects)
    assert.ok(r.json.peakRssMb - base < 96, `peak RSS grew from ${base} to ${r.json.peakRssMb} MB`);
  } finally {
    await relayDown();
    relayTarget = Number(new URL(simUrl).port);
    await relayUp(relayPort);
    big.proc.stdin.end();
  }
});
