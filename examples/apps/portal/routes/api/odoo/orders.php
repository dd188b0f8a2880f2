<?php
// GET /api/odoo/orders: the customer's sale orders with a tracking stage (from the state and,
// when sale_stock is installed, the delivery status).
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('GET');
    $gw = gateway();
    return orders($gw, current_customer(), Capabilities::get($gw));
});
