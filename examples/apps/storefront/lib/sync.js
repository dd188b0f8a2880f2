// Product sync: product.template -> the local products table, streamed through erplink's
// paged search_read (records are upserted as they arrive, in transactions of PAGE rows, so a
// full resync of any size runs in bounded memory). Incremental on write_date; archived or
// unpublished templates leave the shop.
import { getDb } from './db.js';
import { odoo } from './erp.js';

const PAGE = 500;
// Optional fields read when the Odoo database has them (website_sale adds is_published).
const OPTIONAL = ['description_sale', 'categ_id', 'currency_id', 'image_1920', 'product_variant_id',
  'is_published', 'website_published', 'sale_ok'];

let running = null;

function m2oName(v) {
  return Array.isArray(v) && v.length === 2 ? String(v[1]) : null;
}
function m2oId(v) {
  if (Array.isArray(v) && v.length >= 1) return Number(v[0]);
  return typeof v === 'number' ? v : null;
}
function text(v) {
  return typeof v === 'string' && v !== '' ? v : null;
}

async function availableFields(client) {
  const meta = await client.fieldsGet('product.template', ['type']);
  return OPTIONAL.filter((f) => Object.prototype.hasOwnProperty.call(meta, f));
}

/**
 * Runs one sync (concurrent callers share the run in progress).
 * @param {{full?: boolean}} opts full: ignore the write_date watermark and remove every local
 *   product Odoo no longer lists as active.
 */
export function syncProducts(opts = {}) {
  if (!running) {
    running = doSync(opts).finally(() => {
      running = null;
    });
  }
  return running;
}

async function doSync({ full = false } = {}) {
  const db = getDb();
  const client = odoo();
  const started = Date.now();
  const optional = await availableFields(client);
  const fields = ['name', 'list_price', 'active', 'write_date', ...optional];
  const since = full ? null : db.prepare("SELECT write_date FROM sync_state WHERE name = 'products'").get()?.write_date;
  // ">=": write_date has one-second resolution, and an upsert twice is harmless.
  // An explicit "active" leaf makes Odoo return archived templates too (so they can be removed here).
  const domain = [['active', 'in', [true, false]]];
  if (since) domain.push(['write_date', '>=', since]);

  const upsert = db.prepare(`
    INSERT INTO products (odoo_id, variant_id, name, list_price, currency, description, category, image,
                          published, write_date, synced_at)
    VALUES (@odoo_id, @variant_id, @name, @list_price, @currency, @description, @category, @image,
            @published, @write_date, @synced_at)
    ON CONFLICT(odoo_id) DO UPDATE SET variant_id = excluded.variant_id, name = excluded.name,
      list_price = excluded.list_price, currency = excluded.currency, description = excluded.description,
      category = excluded.category, image = excluded.image, published = excluded.published,
      write_date = excluded.write_date, synced_at = excluded.synced_at`);
  const remove = db.prepare('DELETE FROM products WHERE odoo_id = ?');
  db.exec('CREATE TEMP TABLE IF NOT EXISTS sync_seen (odoo_id INTEGER PRIMARY KEY); DELETE FROM sync_seen;');
  const markSeen = db.prepare('INSERT OR IGNORE INTO sync_seen (odoo_id) VALUES (?)');

  const counts = { seen: 0, upserted: 0, removed: 0 };
  let newest = since || '';
  let batch = [];
  const now = new Date().toISOString();
  const flush = db.transaction((rows) => {
    for (const r of rows) {
      counts.seen++;
      if (typeof r.write_date === 'string' && r.write_date > newest) newest = r.write_date;
      const published = r.is_published ?? r.website_published ?? true;
      const sellable = r.active !== false && published !== false && r.sale_ok !== false;
      if (!sellable) {
        counts.removed += remove.run(r.id).changes;
        continue;
      }
      markSeen.run(r.id);
      upsert.run({
        odoo_id: r.id,
        variant_id: m2oId(r.product_variant_id),
        name: String(r.name),
        list_price: Number(r.list_price) || 0,
        currency: m2oName(r.currency_id),
        description: text(r.description_sale),
        category: m2oName(r.categ_id),
        image: typeof r.image_1920 === 'string' && r.image_1920 ? Buffer.from(r.image_1920, 'base64') : null,
        published: 1,
        write_date: String(r.write_date || ''),
        synced_at: now,
      });
      counts.upserted++;
    }
  });

  for await (const rec of client.iterSearchRead('product.template', domain, { fields, pageSize: PAGE })) {
    batch.push(rec);
    if (batch.length >= PAGE) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);

  db.transaction(() => {
    if (full) {
      // whatever Odoo did not list as sellable is gone from the shop
      counts.removed += db.prepare('DELETE FROM products WHERE odoo_id NOT IN (SELECT odoo_id FROM sync_seen)').run().changes;
    }
    if (newest) {
      db.prepare(`INSERT INTO sync_state (name, write_date) VALUES ('products', ?)
                  ON CONFLICT(name) DO UPDATE SET write_date = excluded.write_date`).run(newest);
    }
  })();
  db.exec('DELETE FROM sync_seen');
  const total = db.prepare('SELECT COUNT(*) AS n FROM products').get().n;
  return { mode: full || !since ? 'full' : 'incremental', since: since || null, ...counts, total, watermark: newest || null, ms: Date.now() - started,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}
