// `npm run demo`: the storefront against the bundled Odoo simulator, for a look around.
// Starts tests/servers/odoo_server.py (Odoo 19, seeded with tests/apps/storefront/odoo_seed.json),
// then `next start` on http://127.0.0.1:$PORT (default 3000) with a fresh data directory, runs
// one product sync and prints how to send a signed test webhook. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(app, '..', '..', '..');
const port = Number(process.env.PORT || 3000);
const key = 'dad028985f488ca4b0f7f8f7b556a00a30762b32'; // the simulator's admin API key
const token = crypto.randomBytes(12).toString('hex');
const secret = 'demo_webhook_secret';
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-demo-'));

const sim = spawn('python3', [path.join(root, 'tests/servers/odoo_server.py'), '--port', '0', '--version', '19',
  '--seed', path.join(root, 'tests/apps/storefront/odoo_seed.json')], { stdio: ['pipe', 'pipe', 'inherit'] });
const simPort = await new Promise((resolve, reject) => {
  let buf = '';
  sim.stdout.on('data', (d) => {
    buf += d;
    const m = /PORT (\d+)/.exec(buf);
    if (m) resolve(Number(m[1]));
  });
  sim.on('exit', (c) => reject(new Error(`the Odoo simulator exited (${c})`)));
});
console.log(`Odoo simulator on http://127.0.0.1:${simPort} (database demo19)`);

const next = spawn(process.execPath, [path.join(app, 'node_modules/next/dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', String(port)], {
  cwd: app,
  stdio: 'inherit',
  env: {
    ...process.env, NEXT_TELEMETRY_DISABLED: '1', ODOO_URL: `http://127.0.0.1:${simPort}`, ODOO_DB: 'demo19',
    ODOO_USERNAME: 'admin', ODOO_PASSWORD: key, RAZORPAY_WEBHOOK_SECRETS: secret,
    STOREFRONT_ADMIN_TOKEN: token, STOREFRONT_DATA_DIR: data,
  },
});
const stop = () => {
  next.kill('SIGTERM');
  sim.stdin.end();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
next.on('exit', () => {
  sim.stdin.end();
  process.exit(0);
});

const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) {
  try {
    const r = await fetch(`${base}/api/admin/sync/products`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    console.log(`product sync: ${r.status} ${await r.text()}`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 200));
  }
}
const body = JSON.stringify({ entity: 'event', event: 'payment.captured', contains: ['payment'], payload: { payment: { entity: {
  id: 'pay_Demo0001', amount: 24100, currency: 'INR', status: 'captured', email: 'demo@example.com', notes: { cart: '1:2' } } } } });
const sig = crypto.createHmac('sha256', secret).update(body).digest('hex');
if (process.argv.includes('--once')) {
  // The whole job, end to end, then exit: what a shopper sees, a live stock check, a signed
  // Razorpay webhook turned into a confirmed Odoo order, the same webhook redelivered.
  const say = (k, v) => console.log(`${k.padEnd(28)} ${v}`);
  const list = await (await fetch(`${base}/`)).text();
  say('product list (shop page):', `${list.length} bytes of HTML, Office Chair ${list.includes('Office Chair') ? 'shown' : 'MISSING'}`);
  const post = (p, b, h = {}) => fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: b });
  let r = await post('/api/checkout/stock', JSON.stringify({ lines: [{ productId: 1, qty: 1 }] }));
  say('stock check, 1 unit:', `${r.status} ${await r.text()}`);
  r = await post('/api/checkout/stock', JSON.stringify({ lines: [{ productId: 1, qty: 5000 }] }));
  say('stock check, 5000 units:', `${r.status} ${await r.text()}`);
  const hook = (s) => post('/api/webhooks/razorpay', body, { 'x-razorpay-event-id': 'evt_demo1', 'x-razorpay-signature': s });
  r = await hook('0'.repeat(64));
  say('webhook, bad signature:', `${r.status} ${await r.text()}`);
  r = await hook(sig);
  say('webhook, signed:', `${r.status} ${await r.text()}`);
  r = await hook(sig);
  say('webhook, redelivered:', `${r.status} ${await r.text()}`);
  const q = await fetch(`http://127.0.0.1:${simPort}/json/2/sale.order/search_read`, { method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `bearer ${key}`, 'x-odoo-database': 'demo19' },
    body: JSON.stringify({ domain: [['client_order_ref', '=', 'pay_Demo0001']], fields: ['name', 'state', 'amount_total', 'client_order_ref'] }) });
  say('in Odoo (sale.order):', await q.text());
  stop();
} else {
  console.log(`
The shop:       ${base}/
Admin token:    ${token}   (POST ${base}/api/admin/sync/products)
Webhook secret: ${secret}
A signed test webhook:
  curl -i ${base}/api/webhooks/razorpay -H 'X-Razorpay-Event-Id: evt_demo1' -H 'X-Razorpay-Signature: ${sig}' --data-raw '${body}'
Ctrl-C stops the shop and the simulator.`);
}
