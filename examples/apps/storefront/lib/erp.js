// The storefront's only door to erplink: the Odoo client, the Razorpay webhook verifier and
// the durable event dedup. Everything that is plumbing (protocol choice, retries, paging,
// signature checks, dedup storage) is erplink's; this file only builds the objects once per
// process and names the calls the app makes.
import path from 'node:path';
import erplink from 'erplink';
import { dataDir, odooConfig, webhookSecrets } from './config.js';

let client = null;
let verifier = null;
let dedup = null;

export function odoo() {
  if (!client) {
    const c = odooConfig();
    client = new erplink.odoo.Client({
      url: c.url,
      db: c.db,
      login: c.login,
      apiKey: c.apiKey,
      protocol: c.protocol,
      timeoutMs: c.timeoutMs,
    });
  }
  return client;
}

export function webhookVerifier() {
  if (!verifier) verifier = new erplink.razorpay.Verifier(webhookSecrets());
  return verifier;
}

/** Razorpay event ids already handled, in SQLite next to the storefront's database (survives restarts). */
export function eventDedup() {
  if (!dedup) {
    dedup = new erplink.razorpay.Dedup({ path: path.join(dataDir(), 'razorpay-events.db') });
  }
  return dedup;
}

export const parseEvent = (body, eventId) => erplink.razorpay.parseEvent(body, eventId);
export const errors = erplink;

/**
 * True when an erplink error means "Odoo could not be reached or is unwell, try again later"
 * (the webhook then answers 503 and Razorpay redelivers).
 */
export function isTransient(e) {
  return (
    e instanceof erplink.NetworkError ||
    e instanceof erplink.TimeoutError ||
    e instanceof erplink.RateLimitError ||
    e instanceof erplink.ServerError ||
    e instanceof erplink.ConflictError ||
    (e instanceof erplink.HTTPError && (e.httpStatus == null || e.httpStatus >= 500)) ||
    (e instanceof erplink.ProtocolError && e.httpStatus != null && e.httpStatus >= 500)
  );
}
