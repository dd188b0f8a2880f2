// POST /api/checkout/stock  {"lines": [{"productId": <product.template id>, "qty": n}, ...]}
// 200 {ok: true, ...} when every line is in stock; 409 {ok: false, message, lines} when one is short.
import { CartError, checkStock, parseCart } from '../../../../lib/stock.js';
import { describe, json } from '../../../../lib/http.js';
import { isTransient } from '../../../../lib/erp.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request) {
  let cart;
  try {
    cart = parseCart(await request.json());
  } catch (e) {
    return json(400, { ok: false, message: e instanceof CartError ? e.message : 'the body is not JSON' });
  }
  try {
    const result = await checkStock(cart);
    return json(result.ok ? 200 : 409, result);
  } catch (e) {
    if (e instanceof CartError) return json(400, { ok: false, message: e.message });
    console.error(`stock check failed: ${describe(e)}`);
    return json(isTransient(e) ? 503 : 502, { ok: false, message: 'the stock could not be checked, please try again' },
      isTransient(e) ? { 'retry-after': '5' } : {});
  }
}
