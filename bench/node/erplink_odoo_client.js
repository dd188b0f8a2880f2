'use strict';
// erplink (Node) client of bench/run node_odoo_search_read:
//   node erplink_odoo_client.js URL PROTOCOL SECONDS -> one JSON line
// search_read of product.product, 10,000 records x 15 fields, into JavaScript objects.
const { odoo } = require(process.env.ERPLINK_NODE_MODULE);
const FIELDS = ['id', 'name', 'default_code', 'list_price', 'standard_price', 'qty_available', 'categ_id', 'uom_id',
  'active', 'sale_ok', 'purchase_ok', 'barcode', 'description_sale', 'write_date', 'product_tmpl_id'];

(async () => {
  const [url, proto, secs] = [process.argv[2], process.argv[3], parseFloat(process.argv[4])];
  const c = new odoo.Client({ url, db: 'bench', login: 'admin', protocol: proto,
    ...(proto === 'json2' ? { apiKey: 'benchkey' } : { password: 'admin' }) });
  const call = () => c.searchRead('product.product', [], { fields: FIELDS, limit: 10000 });
  let res = await call();
  if (res.length !== 10000 || Object.keys(res[0]).length !== 15) throw new Error(`got ${res.length} records`);
  let calls = 0;
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
  c.close();
})().catch((e) => { console.error('erplink:', e.message || e); process.exit(1); });
