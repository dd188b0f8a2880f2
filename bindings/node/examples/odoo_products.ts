// Lists an Odoo catalogue without blocking the event loop: one search_read, then every product
// streamed page by page with an overall deadline (AbortSignal.timeout).
import { odoo, AuthError, ErplinkError } from 'erplink';

async function main(): Promise<void> {
  const client = new odoo.Client({
    url: process.env.ODOO_URL ?? 'http://127.0.0.1:8069',
    db: process.env.ODOO_DB ?? 'demo',
    login: process.env.ODOO_LOGIN ?? 'admin',
    apiKey: process.env.ODOO_API_KEY,
    protocol: 'auto',
    timeoutMs: 30_000,
    context: { lang: 'en_US' },
  });
  try {
    const uid: number = await client.authenticate();
    const first = await client.searchRead('product.product', [['sale_ok', '=', true]],
      { fields: ['name', 'list_price'], limit: 5, order: 'id' });
    console.log(`uid ${uid}; first products:`, first.map((p) => p.name));
    const signal = AbortSignal.timeout(60_000);
    let n = 0;
    for await (const p of client.iterSearchRead('product.product', [], { fields: ['name'], pageSize: 500, signal })) {
      if (typeof p.name === 'string') n++;
    }
    console.log(`${n} products, ${await client.searchCount('product.product')} counted by the server`);
  } catch (e) {
    if (e instanceof AuthError) console.error('bad credentials');
    else if (e instanceof ErplinkError) console.error(`${e.category} (${e.codeName}): ${e.message}`);
    else throw e;
  } finally {
    client.close();
  }
}

void main();
