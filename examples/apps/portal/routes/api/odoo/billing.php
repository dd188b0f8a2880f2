<?php
// GET /api/odoo/billing: posted customer invoices (amount, residual, due date, payment state),
// arrears (residuals past due, days overdue) and the payment history.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('GET');
    return billing(gateway(), current_customer());
});
