<?php
// Adds a portal user: php -d extension=erplink.so bin/portal-user.php EMAIL PASSWORD
// (PORTAL_DB names the SQLite file). The account is linked to its Odoo customer by the user
// (POST /api/odoo/link-customer), by its email.
declare(strict_types=1);

require __DIR__ . '/../lib/bootstrap.php';

if ($argc !== 3 || !filter_var($argv[1], FILTER_VALIDATE_EMAIL) || strlen($argv[2]) < 8) {
    fwrite(STDERR, "usage: portal-user.php EMAIL PASSWORD (at least 8 characters)\n");
    exit(2);
}
$id = Portal\Store::addUser($argv[1], $argv[2]);
echo "user $id: {$argv[1]}\n";
