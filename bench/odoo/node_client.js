// odoo-await (Node, XML-RPC) peer of the Odoo client benchmarks:
//   node node_client.js NODE_MODULES_DIR URL search_read|read_one SECONDS -> one JSON line
const path = require('path');
const Odoo = require(path.join(process.argv[2], 'odoo-await'));
const FIELDS = ['id', 'name', 'default_code', 'list_price', 'standard_price', 'qty_available', 'categ_id', 'uom_id',
  'active', 'sale_ok', 'purchase_ok', 'barcode', 'description_sale', 'write_date', 'product_tmpl_id'];

(async () => {
  const [url, mode, secs] = [process.argv[3], process.argv[4], parseFloat(process.argv[5])];
  const odoo = new Odoo({ baseUrl: url, db: 'bench', username: 'admin', password: 'admin' });
  await odoo.connect();
  const call = () => mode === 'search_read'
    ? odoo.searchRead('product.product', [], FIELDS, { limit: 10000 })
    : odoo.read('product.product', [1], FIELDS);
  await call();
  let calls = 0, res;
  const t0 = process.hrtime.bigint();
  for (;;) {
    res = await call();
    calls++;
    const el = Number(process.hrtime.bigint() - t0) / 1e9;
    if (el >= secs && calls >= 3) {
      const rss = process.resourceUsage().maxRSS / 1024.0;
      console.log(JSON.stringify({ calls, seconds: el, calls_per_s: calls / el, records: res.length, peak_rss_mb: rss }));
      break;
    }
  }
})().catch((e) => { console.error('odoo-await:', e.message || e); process.exit(1); });
