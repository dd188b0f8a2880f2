<?php
// Loaded by every route: configuration from the environment, the erplink PHP layer, the
// portal's library. No framework: each route is one file under routes/ (router.php maps URLs).
declare(strict_types=1);

namespace Portal;

/**
 * Configuration, from the environment (defaults in brackets):
 *   ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY  the Odoo connection (JSON-RPC with an API key)
 *   ODOO_PROTOCOL [jsonrpc]  ODOO_TIMEOUT [30] seconds
 *   PORTAL_SECRET            the session cookie's HMAC key (required, at least 32 characters)
 *   PORTAL_DB [var/portal.sqlite]  the portal's users and cached capabilities
 *   PORTAL_SESSION_SECONDS [28800]  PORTAL_COOKIE_SECURE [0] (set 1 behind HTTPS)
 *   PORTAL_UPLOAD_MAX [5242880] bytes  PORTAL_SUPPORT_PROJECT [Support]
 *   PORTAL_CAPABILITY_TTL [3600] seconds  PORTAL_ODOO_CLIENT [erplink] (or curl)
 *   ERPLINK_PHP [the repository's bindings/php/erplink.php]  the erplink PHP layer
 */
function config(string $key): string
{
    static $defaults = null;
    $defaults ??= [
        'ODOO_PROTOCOL' => 'jsonrpc', 'ODOO_TIMEOUT' => '30', 'ODOO_LOGIN' => 'admin',
        'PORTAL_DB' => __DIR__ . '/../var/portal.sqlite', 'PORTAL_SESSION_SECONDS' => '28800',
        'PORTAL_COOKIE_SECURE' => '0', 'PORTAL_UPLOAD_MAX' => '5242880', 'PORTAL_SUPPORT_PROJECT' => 'Support',
        'PORTAL_CAPABILITY_TTL' => '3600', 'PORTAL_ODOO_CLIENT' => 'erplink',
    ];
    $v = getenv($key);
    if ($v === false || $v === '') {
        $v = $defaults[$key] ?? null;
    }
    if ($v === null) {
        throw new HttpError(500, 'misconfigured', 'The portal is not configured.');
    }
    if ($key === 'PORTAL_SECRET' && strlen($v) < 32) {
        throw new HttpError(500, 'misconfigured', 'The portal is not configured.');
    }
    return $v;
}

require_once getenv('ERPLINK_PHP') ?: __DIR__ . '/../../../../bindings/php/erplink.php';
require_once __DIR__ . '/http.php';
require_once __DIR__ . '/session.php';
require_once __DIR__ . '/odoo.php';
require_once __DIR__ . '/customer.php';
