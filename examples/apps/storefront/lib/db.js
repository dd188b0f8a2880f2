// The storefront's own database: SQLite through better-sqlite3 (a synchronous, well-kept
// binding that compiles its bundled SQLite from the npm tarball; Prisma was ruled out because
// it downloads engine binaries from outside the npm registry at install time). Pages read
// only this database: no Odoo call on a page view.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dataDir } from './config.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS products (
  odoo_id      INTEGER PRIMARY KEY,      -- product.template id
  variant_id   INTEGER,                  -- product.product id ordered on sale.order.line
  name         TEXT NOT NULL,
  list_price   REAL NOT NULL,
  currency     TEXT,
  description  TEXT,
  category     TEXT,
  image        BLOB,                     -- decoded image_1920 (or NULL)
  published    INTEGER NOT NULL DEFAULT 1,
  write_date   TEXT NOT NULL,
  synced_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (
  name        TEXT PRIMARY KEY,
  write_date  TEXT NOT NULL             -- the newest write_date seen (Odoo's UTC "YYYY-MM-DD HH:MM:SS")
);
CREATE TABLE IF NOT EXISTS orders (
  payment_id     TEXT PRIMARY KEY,      -- Razorpay pay_..., also the sale.order's client_order_ref
  event_id       TEXT NOT NULL,
  razorpay_order TEXT,
  odoo_order_id  INTEGER NOT NULL,
  odoo_order     TEXT,
  partner_id     INTEGER NOT NULL,
  email          TEXT,
  amount         INTEGER NOT NULL,      -- smallest currency unit (paise)
  currency       TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
`;

let db = null;

export function getDb() {
  if (db) return db;
  const dir = dataDir();
  fs.mkdirSync(dir, { recursive: true });
  db = new Database(path.join(dir, 'storefront.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

export function listProducts() {
  return getDb()
    .prepare(`SELECT odoo_id, name, list_price, currency, category, image IS NOT NULL AS has_image
              FROM products WHERE published = 1 ORDER BY name COLLATE NOCASE, odoo_id`)
    .all();
}

export function getProduct(id) {
  return getDb()
    .prepare(`SELECT odoo_id, variant_id, name, list_price, currency, description, category,
                     image IS NOT NULL AS has_image
              FROM products WHERE odoo_id = ? AND published = 1`)
    .get(id);
}

export function getProductImage(id) {
  const row = getDb().prepare('SELECT image FROM products WHERE odoo_id = ? AND published = 1').get(id);
  return row ? row.image : null;
}

export function productsByIds(ids) {
  if (ids.length === 0) return [];
  const q = getDb().prepare(
    `SELECT odoo_id, variant_id, name, list_price, currency FROM products
     WHERE published = 1 AND odoo_id IN (${ids.map(() => '?').join(',')})`,
  );
  return q.all(...ids);
}

export function findOrder(paymentId) {
  return getDb().prepare('SELECT * FROM orders WHERE payment_id = ?').get(paymentId);
}

export function recordOrder(o) {
  getDb()
    .prepare(
      `INSERT INTO orders (payment_id, event_id, razorpay_order, odoo_order_id, odoo_order, partner_id, email,
                           amount, currency, created_at)
       VALUES (@payment_id, @event_id, @razorpay_order, @odoo_order_id, @odoo_order, @partner_id, @email,
               @amount, @currency, @created_at)
       ON CONFLICT(payment_id) DO NOTHING`,
    )
    .run(o);
}

export function formatPrice(amount, currency) {
  try {
    return new Intl.NumberFormat('en-IN', { style: 'currency', currency: currency || 'INR' }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency || ''}`.trim();
  }
}
