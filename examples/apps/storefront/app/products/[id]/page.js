// One product, from the local database.
import { notFound } from 'next/navigation';
import { formatPrice, getProduct } from '../../../lib/db.js';

export const dynamic = 'force-dynamic';

export default async function ProductPage({ params }) {
  const { id } = await params;
  const p = /^\d{1,15}$/.test(id) ? getProduct(Number(id)) : null;
  if (!p) notFound();
  return (
    <article className="product" data-product-id={p.odoo_id}>
      {p.has_image ? (
        <img className="thumb" src={`/products/${p.odoo_id}/image`} alt={p.name} />
      ) : (
        <div className="thumb noimg">no image</div>
      )}
      <div>
        <h1>{p.name}</h1>
        {p.category ? <div className="cat">{p.category}</div> : null}
        <p className="price">{formatPrice(p.list_price, p.currency)}</p>
        {p.description ? <p className="description">{p.description}</p> : null}
        <a className="button" href={`/checkout?product=${p.odoo_id}&qty=1`}>Buy now</a>
      </div>
    </article>
  );
}
