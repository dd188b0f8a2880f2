// POST /api/webhooks/razorpay: Razorpay's webhook (payment.captured, order.paid).
//   400  bad or missing signature, malformed body, missing X-Razorpay-Event-Id: nothing written
//   200  the order is confirmed in Odoo and recorded here (also for a redelivery of a handled event)
//   503  Odoo is unreachable or unwell: Razorpay redelivers later, nothing lost
//   500  the payment cannot become an order as it is (logged; Razorpay keeps retrying)
import { describe, json } from '../../../../lib/http.js';
import { errors, eventDedup, isTransient, parseEvent, webhookVerifier } from '../../../../lib/erp.js';
import { findOrder } from '../../../../lib/db.js';
import { fulfil, OrderDataError } from '../../../../lib/orders.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const HANDLED = new Set(['payment.captured', 'order.paid']);

export async function POST(request) {
  // the exact bytes Razorpay signed: never parse before verifying
  const body = Buffer.from(await request.arrayBuffer());
  const signature = request.headers.get('x-razorpay-signature');
  const eventId = request.headers.get('x-razorpay-event-id');
  if (!signature) return json(400, { error: 'missing X-Razorpay-Signature' });
  try {
    webhookVerifier().verifyWebhook(body, signature);
  } catch (e) {
    if (e instanceof errors.SignatureError || e instanceof errors.InvalidArgumentError) {
      return json(400, { error: 'bad signature' });
    }
    throw e;
  }
  if (!eventId) return json(400, { error: 'missing X-Razorpay-Event-Id' });
  let event;
  try {
    event = parseEvent(body, eventId);
  } catch (e) {
    return json(400, { error: 'malformed event', detail: e.message });
  }
  if (!HANDLED.has(event.name)) return json(200, { status: 'ignored', event: event.name });

  const dedup = eventDedup();
  // seen() records the id durably. A redelivery whose order is already recorded answers
  // at once; one that is not (the first delivery is in flight, or failed) runs the idempotent
  // path again, which finds what the first one created.
  if (await dedup.seen(eventId)) {
    const paymentId = event.payment && event.payment.id;
    const local = paymentId ? findOrder(paymentId) : null;
    if (local) return json(200, { status: 'duplicate', order: local.odoo_order, odooOrderId: local.odoo_order_id });
  }
  try {
    const { created, order } = await fulfil(event);
    return json(200, { status: created ? 'created' : 'exists', order: order.odoo_order, odooOrderId: order.odoo_order_id });
  } catch (e) {
    await dedup.forget(eventId).catch(() => {});
    if (e instanceof OrderDataError) {
      console.error(`webhook ${eventId}: ${e.message}`);
      return json(500, { error: 'the payment cannot be turned into an order', detail: e.message });
    }
    console.error(`webhook ${eventId}: ${describe(e)}`);
    if (isTransient(e)) return json(503, { error: 'the back office is unavailable, retry later' }, { 'retry-after': '30' });
    return json(500, { error: 'the order could not be created' });
  }
}
