<?php
// GET /api/odoo/tickets: the customer's support tickets; POST {"subject", "description"}: opens
// one. helpdesk.ticket when the helpdesk app is installed, else project.task in the "Support"
// project (detected once and cached: Capabilities).
declare(strict_types=1);

namespace Portal;

run(function () {
    $method = require_method('GET', 'POST');
    $c = current_customer();
    if ($method === 'POST') {
        $b = json_body();
        $subject = str_field($b, 'subject', 200);
        $description = str_field($b, 'description', 5000);
    }
    $gw = gateway();
    $caps = Capabilities::get($gw);
    if ($method === 'GET') {
        return tickets($gw, $c, $caps);
    }
    return [201, create_ticket($gw, $c, $caps, $subject, $description)];
});
