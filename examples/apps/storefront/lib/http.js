// Small helpers shared by the route handlers.
import crypto from 'node:crypto';
import { adminToken } from './config.js';

export function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** Checks "Authorization: Bearer <STOREFRONT_ADMIN_TOKEN>" in constant time; false when no token is configured. */
export function isAdmin(request) {
  const want = adminToken();
  if (!want) return false;
  const m = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') || '');
  if (!m) return false;
  const a = crypto.createHash('sha256').update(m[1].trim()).digest();
  const b = crypto.createHash('sha256').update(want).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The error's class, code and HTTP status for logs (erplink messages carry no secrets). */
export function describe(e) {
  if (!e || typeof e !== 'object') return String(e);
  const bits = [e.name || 'Error', e.codeName, e.httpStatus ? `HTTP ${e.httpStatus}` : null, e.remoteClass].filter(Boolean);
  return `${bits.join(' ')}: ${e.message}`;
}
