// The product's image (image_1920 as synced), from the local database.
import { getProductImage } from '../../../../lib/db.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function sniff(buf) {
  if (buf[0] === 0x89 && buf[1] === 0x50) return 'image/png';
  if (buf[0] === 0xff && buf[1] === 0xd8) return 'image/jpeg';
  if (buf.slice(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (buf.slice(0, 4).toString('latin1') === 'RIFF') return 'image/webp';
  return 'application/octet-stream';
}

export async function GET(_request, { params }) {
  const { id } = await params;
  const img = /^\d{1,15}$/.test(id) ? getProductImage(Number(id)) : null;
  if (!img) return new Response('no image', { status: 404 });
  return new Response(img, { headers: { 'content-type': sniff(img), 'cache-control': 'public, max-age=300' } });
}
