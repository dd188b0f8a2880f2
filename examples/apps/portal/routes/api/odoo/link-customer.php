<?php
// POST /api/odoo/link-customer [{"email"}]: links the logged-in portal user to the Odoo
// partner whose email is the account's own (case-insensitive, exact). Never by an id: an id
// is guessable, an email is what the customer proved to the portal. The body's email, if any,
// must be the account's. No match: 404; several partners with that email: 409 (ambiguous,
// nothing is linked; the ERP's contacts must be cleaned up first).
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('POST');
    $u = current_user();
    $b = json_body();
    $email = strtolower(trim($u['email']));
    if (isset($b['email'])) {
        $asked = strtolower(str_field($b, 'email', 254));
        if ($asked !== $email) {
            throw new HttpError(403, 'email_mismatch', 'You can only link the email address of your own account.');
        }
    }
    if (!filter_var($email, FILTER_VALIDATE_EMAIL)) {
        throw new HttpError(422, 'invalid_email', 'Your account has no valid email address.');
    }
    // ilike finds candidates (its % and _ wildcards may find more); the exact match decides
    $candidates = gateway()->searchRead('res.partner', [['email', 'ilike', $email]],
        ['name', 'email', 'commercial_partner_id'], 'id asc', 50);
    $exact = array_values(array_filter($candidates,
        fn ($p) => is_string($p['email']) && strtolower(trim($p['email'])) === $email));
    if ($exact === []) {
        throw new HttpError(404, 'customer_not_found', 'No customer record has your email address.');
    }
    if (count($exact) > 1) {
        throw new HttpError(409, 'ambiguous_customer',
            'Several customer records have your email address; please contact us to link your account.',
            ['matches' => count($exact)]);
    }
    $p = $exact[0];
    $commercial = m2o_id($p['commercial_partner_id']) ?? (int)$p['id'];
    Store::link((int)$u['id'], (int)$p['id'], $commercial, (string)$p['name']);
    return ['linked' => true, 'customer' => ['id' => (int)$p['id'], 'name' => $p['name'], 'commercial_partner_id' => $commercial]];
});
