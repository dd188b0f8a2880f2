'use strict';
// Driver of bench/run node_esi_market_pages (see node_esi_market_pages.sh).
const { spawn } = require('node:child_process');
const path = require('node:path');

const SIM = process.argv[2];
const PAGES = 400;
const LATENCY_MS = 20;
const PER_PAGE = 1000;
const CONC = 20;
const RUNS = Number(process.env.ESI_BENCH_RUNS || 3);
const REGION = 10000002;
const UA = 'erplink-bench/1.0 (bench@example.com)';
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.resolve(__dirname, '..', '..', 'bindings', 'node'));
const { esi } = erplink;

function startSim() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PYTHON || 'python3', [SIM, '--port', '0', '--latency-ms', String(LATENCY_MS),
      '--market-pages', String(PAGES), '--orders-per-page', String(PER_PAGE)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    proc.on('error', reject);
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /^PORT (\d+)/m.exec(buf);
      if (m) {
        proc.stdout.removeAllListeners('data');
        proc.stdout.resume();
        resolve({ proc, base: `http://127.0.0.1:${m[1]}` });
      }
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function check(n) {
  if (n !== PAGES * PER_PAGE) throw new Error(`got ${n} orders, expected ${PAGES * PER_PAGE}`);
  return n;
}

async function main() {
  const { proc, base } = await startSim();
  const url = `${base}/markets/${REGION}/orders`;
  const headers = { 'User-Agent': UA, 'X-Compatibility-Date': esi.DEFAULT_COMPATIBILITY_DATE, 'X-Tenant': 'tranquility' };
  const client = new esi.Client({ userAgent: UA, baseUrl: base, concurrency: CONC, cache: false });

  async function fErplink() {
    const out = [];
    for await (const p of client.iterPages('/markets/{region_id}/orders', { path: { region_id: REGION } })) {
      for (const o of p.items) out.push(o);
    }
    return check(out.length);
  }
  async function fErplinkAll() {
    return check((await client.marketOrders(REGION)).items.length);
  }
  async function getPage(p) {
    const r = await fetch(p === 1 ? url : `${url}?page=${p}`, { headers });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r;
  }
  async function fSequential() {
    const r = await getPage(1);
    const pages = Number(r.headers.get('x-pages'));
    const out = await r.json();
    for (let p = 2; p <= pages; p++) for (const o of await (await getPage(p)).json()) out.push(o);
    return check(out.length);
  }
  async function fBounded() {
    const r = await getPage(1);
    const pages = Number(r.headers.get('x-pages'));
    const first = await r.json();
    const byPage = new Array(pages + 1);
    let next = 2;
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (next <= pages) {
        const p = next++;
        byPage[p] = await (await getPage(p)).json();
      }
    }));
    const out = first;
    for (let p = 2; p <= pages; p++) for (const o of byPage[p]) out.push(o);
    return check(out.length);
  }
  async function reset() {
    const r = await fetch(`${base}/_ctl/reset`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    await r.text();
  }
  async function timed(fn) {
    await reset();
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  }
  try {
    console.error('warm-up (the simulator encodes the pages once)');
    await fErplink();
    await fBounded();
    const res = { erplink: [], erplink_all: [], bounded: [], sequential: [] };
    for (let i = 0; i < RUNS; i++) { // alternating rounds
      res.erplink.push(await timed(fErplink));
      res.erplink_all.push(await timed(fErplinkAll));
      res.bounded.push(await timed(fBounded));
      if (i === 0) res.sequential.push(await timed(fSequential));
    }
    const med = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, median(v)]));
    for (const [k, v] of Object.entries(med)) {
      console.error(`${k.padEnd(12)} ${v.toFixed(3)} s (runs: ${res[k].map((x) => x.toFixed(3)).join(', ')})`);
    }
    const ideal = (1 + Math.ceil((PAGES - 1) / CONC)) * LATENCY_MS / 1000;
    const r2 = (x) => Math.round(x * 100) / 100;
    console.log(JSON.stringify({
      bench: 'node_esi_market_pages', unit: 's (lower is better; ratio = peer/erplink)', node: process.version,
      pages: PAGES, orders: PAGES * PER_PAGE, latency_ms: LATENCY_MS, concurrency: CONC, ideal_s: ideal,
      results: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4])),
      targets: { 'sequential/erplink': 15, 'bounded/erplink': 1.2 },
      ratios: {
        'sequential/erplink': r2(med.sequential / med.erplink), 'bounded/erplink': r2(med.bounded / med.erplink),
        'bounded/erplink_all': r2(med.bounded / med.erplink_all),
      },
    }));
  } finally {
    client.close();
    proc.stdin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
