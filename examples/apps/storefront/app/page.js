// The product list, from the local database only (no Odoo call on a page view).
import { formatPrice, listProducts } from '../lib/db.js';

export const dynamic = 'force-dynamic';

export default function Home() {
  const products = listProducts();
  return (
    <>
      <h1>Products</h1>
      {products.length === 0 ? (
        <p>No products yet: run the product sync (POST /api/admin/sync/products).</p>
      ) : (
        <ul className="grid" data-testid="products">
          {products.map((p) => (
            <li key={p.odoo_id} className="card" data-product-id={p.odoo_id}>
              <a href={`/products/${p.odoo_id}`}>
                {p.has_image ? (
                  <img className="thumb" src={`/products/${p.odoo_id}/image`} alt={p.name} />
                ) : (
                  <div className="thumb noimg">no image</div>
                )}
                <h2>{p.name}</h2>
                <div className="price">{formatPrice(p.list_price, p.currency)}</div>
                {p.category ? <div className="cat">{p.category}</div> : null}
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
