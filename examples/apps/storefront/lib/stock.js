// Live stock check: one Odoo read of qty_available for every product in the cart.
import { productsByIds } from './db.js';
import { odoo } from './erp.js';

export class CartError extends Error {}

/** @param {unknown} body {lines: [{productId, qty}]} */
export function parseCart(body) {
  const lines = body && typeof body === 'object' ? body.lines : null;
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 100) {
    throw new CartError('the cart must be {"lines": [{"productId": n, "qty": n}, ...]} with 1 to 100 lines');
  }
  const merged = new Map();
  for (const l of lines) {
    const id = l && l.productId;
    const qty = l && l.qty;
    if (!Number.isSafeInteger(id) || id <= 0 || !Number.isSafeInteger(qty) || qty <= 0 || qty > 10000) {
      throw new CartError('each line needs a positive integer productId and qty (at most 10000)');
    }
    merged.set(id, (merged.get(id) || 0) + qty);
  }
  return [...merged].map(([productId, qty]) => ({ productId, qty }));
}

/** Returns {ok, lines: [{productId, name, qty, available, ok}], message}. */
export async function checkStock(cart) {
  const known = new Map(productsByIds(cart.map((l) => l.productId)).map((p) => [p.odoo_id, p]));
  const unknown = cart.filter((l) => !known.has(l.productId));
  if (unknown.length) {
    throw new CartError(`not in the shop: product ${unknown.map((l) => l.productId).join(', ')}`);
  }
  const rows = await odoo().read('product.template', cart.map((l) => l.productId), ['qty_available']);
  const qty = new Map(rows.map((r) => [r.id, Number(r.qty_available) || 0]));
  const lines = cart.map((l) => {
    const available = qty.has(l.productId) ? qty.get(l.productId) : 0;
    return { productId: l.productId, name: known.get(l.productId).name, qty: l.qty, available, ok: available >= l.qty };
  });
  const short = lines.filter((l) => !l.ok);
  const message = short.length
    ? short
        .map((l) => (l.available <= 0 ? `${l.name} is out of stock` : `only ${l.available} of ${l.name} left (you asked for ${l.qty})`))
        .join('; ')
    : 'everything is in stock';
  return { ok: short.length === 0, lines, message };
}
