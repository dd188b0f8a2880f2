// Everything the storefront reads from its environment, in one place.
import path from 'node:path';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`storefront: the environment variable ${name} is not set (see README.md)`);
  return v;
}

export function odooConfig() {
  return {
    url: required('ODOO_URL'),
    db: required('ODOO_DB'),
    login: required('ODOO_USERNAME'),
    // an Odoo API key (Preferences > Account Security > New API Key); a password also works
    apiKey: required('ODOO_PASSWORD'),
    protocol: process.env.ODOO_PROTOCOL || 'auto',
    timeoutMs: Number(process.env.ODOO_TIMEOUT_MS || 15000),
  };
}

/** Webhook secrets, newest first: during a rotation, list the new one and the old one. */
export function webhookSecrets() {
  return required('RAZORPAY_WEBHOOK_SECRETS')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function adminToken() {
  return process.env.STOREFRONT_ADMIN_TOKEN || '';
}

export function dataDir() {
  return path.resolve(process.env.STOREFRONT_DATA_DIR || path.join(process.cwd(), 'data'));
}
