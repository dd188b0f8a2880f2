<?php
// Front controller for `php -S 127.0.0.1:PORT router.php` (or a web server sending every
// /api/ request here): one file a route, routes/<path>.php, nothing else is served.
declare(strict_types=1);

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
$routes = [
    '/api/login' => 'api/login.php',
    '/api/logout' => 'api/logout.php',
    '/api/me' => 'api/me.php',
    '/api/odoo/link-customer' => 'api/odoo/link-customer.php',
    '/api/odoo/services' => 'api/odoo/services.php',
    '/api/odoo/billing' => 'api/odoo/billing.php',
    '/api/odoo/orders' => 'api/odoo/orders.php',
    '/api/odoo/tickets' => 'api/odoo/tickets.php',
    '/api/odoo/upload-proof-payment' => 'api/odoo/upload-proof-payment.php',
    '/api/odoo/dashboard' => 'api/odoo/dashboard.php',
];
if (!extension_loaded('erplink')) { // a deployment error: say so in JSON, without paths
    http_response_code(500);
    header('Content-Type: application/json; charset=utf-8');
    echo '{"error":{"code":"misconfigured","message":"The portal is not configured."}}', "\n";
    error_log('[portal] the erplink extension is not loaded (extension=erplink.so)');
    return true;
}
require __DIR__ . '/lib/bootstrap.php';
if (!isset($routes[$path])) {
    Portal\respond(404, ['error' => ['code' => 'no_route', 'message' => 'No such endpoint.']]);
    return true;
}
require __DIR__ . '/routes/' . $routes[$path];
return true;
