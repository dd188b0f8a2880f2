<?php
// GET /api/odoo/dashboard: services, billing, orders and tickets in one answer (tickets is null
// with a reason when the ERP offers no support backend).
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('GET');
    $c = current_customer();
    $gw = gateway();
    $caps = Capabilities::get($gw);
    try {
        $tickets = tickets($gw, $c, $caps);
    } catch (HttpError $e) {
        if ($e->errorCode !== 'support_unavailable') {
            throw $e;
        }
        $tickets = null;
    }
    return ['customer' => ['id' => $c['partner_id'], 'name' => $c['name'], 'email' => $c['email']],
            'services' => services($gw, $c), 'billing' => billing($gw, $c), 'orders' => orders($gw, $c, $caps)['orders'],
            'tickets' => $tickets];
});
