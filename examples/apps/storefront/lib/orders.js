// A paid Razorpay payment -> a confirmed Odoo sale.order, every step idempotent: the
// customer is found by email before being created, the order is found by its
// client_order_ref (the Razorpay payment id) before being created, and confirmed only while
// it is still a quotation. A webhook retried at any point therefore finishes the same order.
import { findOrder, getDb, recordOrder } from './db.js';
import { odoo } from './erp.js';

export class OrderDataError extends Error {}

/** notes.cart "12:2,15:1": product.template id ":" quantity, comma-separated (set by the checkout). */
export function parseCartNote(note) {
  if (typeof note !== 'string' || !/^\d+:\d+(,\d+:\d+)*$/.test(note)) {
    throw new OrderDataError('the payment has no cart note ("notes.cart" = "templateId:qty,...")');
  }
  return note.split(',').map((p) => {
    const [id, qty] = p.split(':').map(Number);
    if (!qty) throw new OrderDataError('a cart line has quantity 0');
    return { productId: id, qty };
  });
}

function paymentFacts(event) {
  const pay = event.payment;
  if (!pay || !pay.id) throw new OrderDataError(`${event.name} without payload.payment.entity.id`);
  const order = event.order;
  const notes = { ...(order && order.notes && !Array.isArray(order.notes) ? order.notes : {}),
    ...(pay.notes && !Array.isArray(pay.notes) ? pay.notes : {}) };
  const email = pay.email || notes.email;
  if (!email) throw new OrderDataError(`payment ${pay.id} carries no customer email`);
  return {
    paymentId: pay.id,
    razorpayOrder: pay.orderId || (order && order.id) || null,
    amount: pay.amount ?? (order && order.amount) ?? 0,
    currency: pay.currency || (order && order.currency) || 'INR',
    email,
    contact: pay.contact || null,
    name: notes.name || email,
    cart: parseCartNote(notes.cart),
  };
}

async function findOrCreatePartner(client, f) {
  const found = await client.search('res.partner', [['email', '=ilike', f.email]], { limit: 1, order: 'id' });
  if (found.length) return found[0];
  const vals = { name: f.name, email: f.email };
  if (f.contact) vals.phone = f.contact;
  return client.create('res.partner', vals);
}

function orderLines(cart) {
  const db = getDb();
  const q = db.prepare('SELECT variant_id, list_price, name FROM products WHERE odoo_id = ?');
  return cart.map((l) => {
    const p = q.get(l.productId);
    if (!p || !p.variant_id) throw new OrderDataError(`product ${l.productId} is not in the shop`);
    return [0, 0, { product_id: p.variant_id, product_uom_qty: l.qty, price_unit: p.list_price }];
  });
}

const inFlight = new Map();

/**
 * Makes sure the payment of a verified event is a confirmed sale.order in Odoo and is
 * recorded locally; returns {created, order}. Throws erplink errors as they come (the
 * caller maps them to 503/500) and OrderDataError for a payment the shop cannot turn into
 * an order. Concurrent deliveries of one payment in this process share one run.
 */
export function fulfil(event) {
  const facts = paymentFacts(event);
  const key = facts.paymentId;
  if (!inFlight.has(key)) {
    inFlight.set(key, doFulfil(event, facts).finally(() => inFlight.delete(key)));
  }
  return inFlight.get(key);
}

async function doFulfil(event, f) {
  const local = findOrder(f.paymentId);
  if (local) return { created: false, order: local };
  const lines = orderLines(f.cart);
  const client = odoo();
  const partnerId = await findOrCreatePartner(client, f);
  let created = false;
  let [orderId] = await client.search('sale.order', [['client_order_ref', '=', f.paymentId]], { limit: 1, order: 'id' });
  if (!orderId) {
    orderId = await client.create('sale.order', {
      partner_id: partnerId,
      client_order_ref: f.paymentId,
      order_line: lines,
      note: `Razorpay payment ${f.paymentId}${f.razorpayOrder ? ` (order ${f.razorpayOrder})` : ''}`,
    });
    created = true;
  }
  let [so] = await client.read('sale.order', [orderId], ['name', 'state']);
  if (so && (so.state === 'draft' || so.state === 'sent')) {
    await client.executeKw('sale.order', 'action_confirm', [[orderId]]);
    [so] = await client.read('sale.order', [orderId], ['name', 'state']);
  }
  if (!so || (so.state !== 'sale' && so.state !== 'done')) {
    throw new OrderDataError(`sale.order ${orderId} is "${so ? so.state : 'missing'}", not confirmed`);
  }
  recordOrder({
    payment_id: f.paymentId,
    event_id: event.id || '',
    razorpay_order: f.razorpayOrder,
    odoo_order_id: orderId,
    odoo_order: so.name || null,
    partner_id: partnerId,
    email: f.email,
    amount: Number(f.amount) || 0,
    currency: f.currency,
    created_at: new Date().toISOString(),
  });
  return { created, order: findOrder(f.paymentId) };
}
