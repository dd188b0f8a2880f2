<?php
// GET /api/odoo/services: the customer's active services (confirmed sale order lines),
// Starlink products flagged.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('GET');
    return services(gateway(), current_customer());
});
