// A Razorpay webhook handler in the shape of a Next.js route handler (app/api/razorpay/route.ts):
// the raw body, the signature checked with secret rotation, redeliveries acknowledged once.
import { razorpay, SignatureError } from 'erplink';

const verifier = new razorpay.Verifier([process.env.RAZORPAY_WEBHOOK_SECRET ?? 'current', 'previous']);
const events = new razorpay.Dedup({ path: process.env.ERPLINK_STORE ?? '/tmp/erplink-shop.db' });

export async function POST(req: Request): Promise<Response> {
  const body = new Uint8Array(await req.arrayBuffer()); // the bytes Razorpay signed, read in place
  try {
    verifier.verifyWebhook(body, req.headers.get('x-razorpay-signature') ?? '');
  } catch (e) {
    if (e instanceof SignatureError) return new Response('bad signature', { status: 400 });
    throw e;
  }
  const ev = razorpay.parseEvent(body, req.headers.get('x-razorpay-event-id'));
  if (ev.id !== null && (await events.seen(ev.id))) return new Response('', { status: 200 }); // a redelivery
  const payment = ev.payment;
  if (ev.name === 'payment.captured' && payment) {
    const amount: number | bigint | null = payment.amount;
    console.log(`captured ${payment.id} of ${String(amount)} ${payment.currency ?? ''}`);
  }
  return new Response('', { status: 200 });
}
