// Checkout: the cart (from the query string: ?product=<id>&qty=<n>, repeatable) priced from
// the local database; the live stock check runs in the browser against /api/checkout/stock.
import { formatPrice, productsByIds } from '../../lib/db.js';
import StockCheck from './stock-check.js';

export const dynamic = 'force-dynamic';

function cartOf(sp) {
  const ids = [].concat(sp.product || []);
  const qtys = [].concat(sp.qty || []);
  return ids
    .map((id, i) => ({ productId: Number(id), qty: Number(qtys[i] || 1) }))
    .filter((l) => Number.isSafeInteger(l.productId) && l.productId > 0 && Number.isSafeInteger(l.qty) && l.qty > 0);
}

export default async function Checkout({ searchParams }) {
  const cart = cartOf(await searchParams);
  const products = new Map(productsByIds(cart.map((l) => l.productId)).map((p) => [p.odoo_id, p]));
  const lines = cart.filter((l) => products.has(l.productId)).map((l) => ({ ...l, product: products.get(l.productId) }));
  if (lines.length === 0) {
    return (
      <>
        <h1>Checkout</h1>
        <p>Your cart is empty. <a href="/">Browse the products</a>.</p>
      </>
    );
  }
  const currency = lines[0].product.currency;
  const total = lines.reduce((s, l) => s + l.qty * l.product.list_price, 0);
  return (
    <>
      <h1>Checkout</h1>
      <table>
        <thead>
          <tr><th>Product</th><th>Qty</th><th>Price</th></tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.productId}>
              <td>{l.product.name}</td>
              <td>{l.qty}</td>
              <td>{formatPrice(l.qty * l.product.list_price, l.product.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><th colSpan={2}>Total</th><th>{formatPrice(total, currency)}</th></tr>
        </tfoot>
      </table>
      <StockCheck lines={lines.map((l) => ({ productId: l.productId, qty: l.qty }))} />
    </>
  );
}
