// POST /api/admin/sync/products[?full=1]  (Authorization: Bearer $STOREFRONT_ADMIN_TOKEN)
// Pulls product.template from Odoo into the local database; answers the counts.
import { describe, isAdmin, json } from '../../../../../lib/http.js';
import { syncProducts } from '../../../../../lib/sync.js';
import { isTransient } from '../../../../../lib/erp.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request) {
  if (!isAdmin(request)) return json(401, { error: 'admin token required' }, { 'www-authenticate': 'Bearer' });
  const full = ['1', 'true', 'yes'].includes(new URL(request.url).searchParams.get('full') || '');
  try {
    const result = await syncProducts({ full });
    console.log(`product sync: ${JSON.stringify(result)}`);
    return json(200, result);
  } catch (e) {
    console.error(`product sync failed: ${describe(e)}`);
    return json(isTransient(e) ? 503 : 502, { error: 'the product sync failed', detail: describe(e) });
  }
}
