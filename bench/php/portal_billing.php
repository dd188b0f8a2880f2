<?php
// One peer of bench/run portal_billing: the Odoo calls of the portal's billing endpoint
// (Portal\billing(): two search_read, after authentication) through a Portal\Gateway, timed.
//
//   php -d extension=erplink.so portal_billing.php erplink|erplink-json2|curl URL DB KEY SECONDS MODE
//
// MODE "request": a new client per billing answer, as each HTTP request of the portal makes
// (authenticate + 2 search_read, a new connection); "reuse": one client for the run (the
// 2 search_read only, connection kept). Prints "<answers per second> <answers> <records>".
declare(strict_types=1);

putenv('PORTAL_SECRET=' . str_repeat('b', 32));
require __DIR__ . '/../../examples/apps/portal/lib/bootstrap.php';

[, $peer, $url, $db, $key, $seconds, $mode] = $argv;
$make = match ($peer) {
    'erplink' => fn () => new Portal\ErplinkGateway(new Erplink\Odoo\Client($url, $db, 'admin', apiKey: $key,
        protocol: 'jsonrpc')),
    'erplink-json2' => fn () => new Portal\ErplinkGateway(new Erplink\Odoo\Client($url, $db, 'admin', apiKey: $key,
        protocol: 'json2')),
    'curl' => fn () => new Portal\CurlGateway($url, $db, 'admin', $key),
};
$customer = ['partner_id' => 100, 'commercial_partner_id' => 100];
$gw = $make();
$records = count(Portal\billing($gw, $customer, '2026-06-01')['invoices']);  // warm-up, and the size
$n = 0;
$t0 = hrtime(true);
$end = $t0 + (int)((float)$seconds * 1e9);
do {
    if ($mode === 'request') {
        $gw = $make();
    }
    $b = Portal\billing($gw, $customer, '2026-06-01');
    $n++;
} while (hrtime(true) < $end && $n < 1000000);
$dt = (hrtime(true) - $t0) / 1e9;
if (count($b['invoices']) !== $records) {
    fwrite(STDERR, "inconsistent answers\n");
    exit(1);
}
printf("%.3f %d %d\n", $n / $dt, $n, $records);
