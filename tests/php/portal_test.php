<?php
// End-to-end test of the customer portal (examples/apps/portal/): serves it with `php -S`
// (port 0: the server says which port it got) against the Odoo simulators that tests/php/run.sh
// started with the portal seed (PORTAL_ODOO_URL: Odoo 19, no helpdesk app; PORTAL_ODOO_HELPDESK_URL:
// Odoo 17 with helpdesk.ticket), and calls every endpoint as two customers and a few others,
// refusals included. It reads back in Odoo (through erplink) what the portal wrote.
//
//   php -d extension=erplink.so tests/php/portal_test.php OUT.xml
//
// Prints "ok N - name" / "not ok N - name" lines and a closing "N passed, N failed", writes
// the JUnit file OUT.xml, exits 1 on any failure. Every process it starts, it stops by pid.
declare(strict_types=1);

require __DIR__ . '/../../bindings/php/erplink.php';

const ROOT = __DIR__ . '/../..';
const PORTAL = ROOT . '/examples/apps/portal';
const KEY19 = 'dad028985f488ca4b0f7f8f7b556a00a30762b32';
const KEY17 = 'f32f735cb7f82805c95056b62583379a9aabd47f';
const SECRET = 'test-secret-0123456789abcdef-0123456789';

$junit = $argv[1] ?? 'php-portal.xml';
$ext = getenv('ERPLINK_EXT') ?: '';
$odoo19 = getenv('PORTAL_ODOO_URL') ?: exit("PORTAL_ODOO_URL is not set (run tests/php/run.sh)\n");
$odoo17 = getenv('PORTAL_ODOO_HELPDESK_URL') ?: exit("PORTAL_ODOO_HELPDESK_URL is not set\n");
$tmp = getenv('PORTAL_TMP') ?: sys_get_temp_dir();
$tmp = "$tmp/portal-" . getmypid();
mkdir($tmp, 0700, true);

// ------------------------------------------------------------------ a tiny test harness
$results = [];
$current = null;
$failures = [];

function check(bool $cond, string $what): void
{
    global $failures;
    if (!$cond) {
        $failures[] = $what;
    }
}

function eqc(mixed $got, mixed $want, string $what): void
{
    check($got === $want, $what . ': got ' . json_encode($got) . ', want ' . json_encode($want));
}

function test(string $name, callable $fn): void
{
    global $results, $failures;
    $failures = [];
    $t0 = hrtime(true);
    try {
        $fn();
    } catch (Throwable $e) {
        $failures[] = get_class($e) . ': ' . $e->getMessage() . ' at ' . basename($e->getFile()) . ':' . $e->getLine();
    }
    $n = count($results) + 1;
    $results[] = [$name, $failures, (hrtime(true) - $t0) / 1e9];
    echo ($failures ? 'not ok' : 'ok'), " $n - $name\n";
    foreach ($failures as $f) {
        echo "#   $f\n";
    }
}

// ------------------------------------------------------------------ portal servers
/** A `php -S` of the portal with the given environment; returns [proc, base URL, stderr pipe]. */
function portal(array $env): array
{
    global $ext, $tmp, $procs;
    $env += ['PORTAL_SECRET' => SECRET, 'ODOO_DB' => 'demo19', 'ODOO_LOGIN' => 'admin', 'ODOO_API_KEY' => KEY19,
             'ODOO_PROTOCOL' => 'jsonrpc', 'ODOO_TIMEOUT' => '10', 'PORTAL_UPLOAD_MAX' => '65536',
             'PATH' => getenv('PATH')];
    $cmd = [PHP_BINARY, '-d', "extension=$ext", '-d', 'upload_max_filesize=1M', '-d', 'post_max_size=2M',
            '-S', '127.0.0.1:0', PORTAL . '/router.php'];
    $p = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['pipe', 'w']], $pipes, PORTAL, $env);
    $line = '';
    $deadline = microtime(true) + 20;
    while (!preg_match('~started~', $line) && microtime(true) < $deadline) {
        $r = [$pipes[2]];
        $w = $x = null;
        if (stream_select($r, $w, $x, 1) > 0) {
            $got = fgets($pipes[2]);
            if ($got === false) {
                break;
            }
            $line = $got;
        }
    }
    if (!preg_match('~\(http://127\.0\.0\.1:(\d+)\)~', $line, $m)) {
        throw new RuntimeException("php -S did not start: $line");
    }
    stream_set_blocking($pipes[2], false);
    $procs[] = [$p, $pipes];
    return ['url' => "http://127.0.0.1:$m[1]", 'log' => $pipes[2]];
}

/** Everything the server logged since the last call (its stderr is drained so it never blocks). */
function server_log(array $srv): string
{
    $s = '';
    while (($chunk = fread($srv['log'], 65536)) !== false && $chunk !== '') {
        $s .= $chunk;
    }
    return $s;
}

/** One HTTP request with PHP's curl: [status, decoded JSON body, raw headers]. */
function req(array $srv, string $method, string $path, array $opt = []): array
{
    $h = curl_init($srv['url'] . $path);
    $headers = [];
    if (isset($opt['cookie'])) {
        $headers[] = 'Cookie: portal_session=' . $opt['cookie'];
    }
    curl_setopt_array($h, [CURLOPT_CUSTOMREQUEST => $method, CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true,
                           CURLOPT_TIMEOUT => 60]);
    if (array_key_exists('json', $opt)) {
        $headers[] = 'Content-Type: application/json';
        curl_setopt($h, CURLOPT_POSTFIELDS, is_string($opt['json']) ? $opt['json'] : json_encode($opt['json']));
    } elseif (isset($opt['form'])) {
        curl_setopt($h, CURLOPT_POSTFIELDS, $opt['form']);  // an array with CURLFile: multipart
    } elseif (isset($opt['raw'])) {
        $headers[] = 'Content-Type: ' . $opt['type'];
        curl_setopt($h, CURLOPT_POSTFIELDS, $opt['raw']);
    }
    curl_setopt($h, CURLOPT_HTTPHEADER, $headers);
    $resp = curl_exec($h);
    if ($resp === false) {
        throw new RuntimeException('curl: ' . curl_error($h));
    }
    $hs = curl_getinfo($h, CURLINFO_HEADER_SIZE);
    $status = curl_getinfo($h, CURLINFO_RESPONSE_CODE);
    $head = substr($resp, 0, $hs);
    $raw = substr($resp, $hs);
    server_log($srv);
    return [$status, json_decode($raw, true), $head, $raw];
}

function login(array $srv, string $email, string $password): string
{
    [$st, $b, $head] = req($srv, 'POST', '/api/login', ['json' => ['email' => $email, 'password' => $password]]);
    if ($st !== 200 || !preg_match('/^Set-Cookie: portal_session=([^;]+)/mi', $head, $m)) {
        throw new RuntimeException("login $email failed: $st " . json_encode($b));
    }
    return $m[1];
}

function add_user(string $db, string $email, string $password): void
{
    global $ext;
    $cmd = [PHP_BINARY, '-d', "extension=$ext", PORTAL . '/bin/portal-user.php', $email, $password];
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, PORTAL,
        ['PORTAL_DB' => $db, 'PORTAL_SECRET' => SECRET, 'PATH' => getenv('PATH')]);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    if (proc_close($p) !== 0) {
        throw new RuntimeException("portal-user.php $email: $out");
    }
}

function sim_requests(string $odoo): int
{
    return json_decode(file_get_contents("$odoo/__sim__/stats"), true)['requests'];
}

/** The Odoo simulator read directly (through erplink), to check what the portal wrote. */
function odoo(string $url, int $v = 19): Erplink\Odoo\Client
{
    return new Erplink\Odoo\Client($url, "demo$v", 'admin', apiKey: $v === 19 ? KEY19 : KEY17, protocol: 'jsonrpc');
}

$procs = [];
register_shutdown_function(function () use (&$procs) {
    foreach ($procs as [$p, $pipes]) {
        proc_terminate($p);
        foreach ($pipes as $pp) {
            fclose($pp);
        }
        proc_close($p);
    }
});

// ------------------------------------------------------------------ set-up
$db = "$tmp/portal.sqlite";
foreach ([['alice@example.com', 'alice-pass-1'], ['bob@example.com', 'bob-pass-12'], ['office@example.com', 'office-pass'],
          ['nobody@example.com', 'nobody-pass'], ['accounts.alice@example.com', 'accounts-pass']] as [$e, $p]) {
    add_user($db, $e, $p);
}
$main = portal(['ODOO_URL' => $odoo19, 'PORTAL_DB' => $db]);
$curlPortal = portal(['ODOO_URL' => $odoo19, 'PORTAL_DB' => $db, 'PORTAL_ODOO_CLIENT' => 'curl']);
$today = gmdate('Y-m-d');
$daysSince = fn (string $d) => (int)(new DateTimeImmutable($d))->diff(new DateTimeImmutable($today))->days;
$cookies = [];

// ------------------------------------------------------------------ sessions
test('no session: 401 on every customer endpoint', function () use ($main) {
    foreach (['GET /api/odoo/services', 'GET /api/odoo/billing', 'GET /api/odoo/orders', 'GET /api/odoo/tickets',
              'GET /api/odoo/dashboard', 'POST /api/odoo/link-customer', 'POST /api/odoo/upload-proof-payment', 'GET /api/me'] as $r) {
        [$m, $p] = explode(' ', $r);
        [$st, $b] = req($main, $m, $p, $m === 'POST' ? ['json' => []] : []);
        eqc([$st, $b['error']['code'] ?? null], [401, 'not_logged_in'], $r);
    }
});

test('login: wrong password refused, then a signed HttpOnly SameSite=Strict cookie', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'POST', '/api/login', ['json' => ['email' => 'alice@example.com', 'password' => 'nope']]);
    eqc([$st, $b['error']['code']], [401, 'invalid_credentials'], 'wrong password');
    [$st, $b] = req($main, 'POST', '/api/login', ['json' => ['email' => 'ghost@example.com', 'password' => 'nope']]);
    eqc([$st, $b['error']['code']], [401, 'invalid_credentials'], 'unknown user: the same answer');
    [$st, $b, $head] = req($main, 'POST', '/api/login', ['json' => ['email' => 'Alice@Example.com', 'password' => 'alice-pass-1']]);
    eqc([$st, $b['user']['linked']], [200, false], 'login (email case-insensitive)');
    check((bool)preg_match('/^Set-Cookie: portal_session=[^\r\n]*HttpOnly[^\r\n]*SameSite=Strict/mi', $head), 'cookie flags');
    foreach (['alice' => ['alice@example.com', 'alice-pass-1'], 'bob' => ['bob@example.com', 'bob-pass-12'],
              'office' => ['office@example.com', 'office-pass'], 'nobody' => ['nobody@example.com', 'nobody-pass'],
              'accounts' => ['accounts.alice@example.com', 'accounts-pass']] as $k => [$e, $p]) {
        $cookies[$k] = login($main, $e, $p);
    }
});

test('a forged or altered session cookie is refused', function () use ($main, &$cookies) {
    [$uid, $exp, $sig] = explode('.', $cookies['alice']);
    foreach (["2.$exp.$sig", "$uid." . ($exp + 1000) . ".$sig", "$uid.$exp." . strrev($sig), 'garbage', "$uid.1.$sig"] as $c) {
        [$st] = req($main, 'GET', '/api/me', ['cookie' => $c]);
        eqc($st, 401, "cookie $c");
    }
    [$st, $b] = req($main, 'GET', '/api/me', ['cookie' => $cookies['alice']]);
    eqc([$st, $b['user']['email']], [200, 'alice@example.com'], 'the real one');
});

test('not linked yet: 403 not_linked', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
    eqc([$st, $b['error']['code']], [403, 'not_linked'], 'billing');
});

// ------------------------------------------------------------------ link-customer
test('link-customer: by the account\'s own email only', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['alice'], 'json' => ['email' => 'bob@example.com']]);
    eqc([$st, $b['error']['code']], [403, 'email_mismatch'], 'another email');
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['alice'], 'json' => ['partner_id' => 101]]);
    eqc([$st, $b['customer']['id'] ?? null], [200, 100], 'a partner id in the body is ignored: the email decides');
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['alice'], 'raw' => 'email=x', 'type' => 'application/x-www-form-urlencoded']);
    eqc($st, 415, 'not JSON');
});

test('link-customer: exact, case-insensitive match (not the substring malice@)', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['alice'], 'json' => ['email' => 'ALICE@example.com']]);
    eqc([$st, $b['customer']], [200, ['id' => 100, 'name' => 'Alice Networks', 'commercial_partner_id' => 100]], 'alice');
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['bob'], 'json' => []]);
    eqc([$st, $b['customer']['id'] ?? null], [200, 101], 'bob (Bob@Example.com in Odoo)');
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['accounts'], 'json' => []]);
    eqc([$st, $b['customer']['id'] ?? null, $b['customer']['commercial_partner_id'] ?? null], [200, 104, 100], 'a contact of Alice Networks');
});

test('link-customer: an ambiguous email is refused (409), an unknown one is 404', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['office'], 'json' => []]);
    eqc([$st, $b['error']['code'], $b['error']['matches'] ?? null], [409, 'ambiguous_customer', 2], 'office@ (two partners)');
    [$st, $b] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['office']]);
    eqc($st, 403, 'nothing was linked');
    [$st, $b] = req($main, 'POST', '/api/odoo/link-customer', ['cookie' => $cookies['nobody'], 'json' => []]);
    eqc([$st, $b['error']['code']], [404, 'customer_not_found'], 'nobody@');
});

// ------------------------------------------------------------------ services
test('services: confirmed order lines of the customer, Starlink flagged', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'GET', '/api/odoo/services', ['cookie' => $cookies['alice']]);
    eqc($st, 200, 'status');
    eqc(array_column($b['services'], 'id'), [9101, 9102, 9103, 9104], 'lines (no quotation line, no other customer\'s)');
    eqc(array_column($b['services'], 'starlink'), [true, true, false, false], 'starlink flags');
    eqc([$b['count'], $b['starlink_count']], [4, 2], 'counts');
    [$st, $b] = req($main, 'GET', '/api/odoo/services', ['cookie' => $cookies['bob']]);
    eqc(array_column($b['services'], 'id'), [9110], 'bob\'s');
});

// ------------------------------------------------------------------ billing
test('billing: posted invoices, arrears with days overdue, payment history', function () use ($main, &$cookies, $daysSince, $today) {
    [$st, $b] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
    eqc($st, 200, 'status');
    eqc(array_column($b['invoices'], 'id'), [5001, 5002, 5003, 5004], 'posted out_invoices only (no draft, no credit note)');
    $inv = array_column($b['invoices'], null, 'id');
    eqc([$inv[5001]['residual'], $inv[5001]['due_date'], $inv[5001]['payment_state']], [1200.0, '2025-01-31', 'not_paid'], 'fields');
    eqc([$inv[5001]['overdue'], $inv[5001]['days_overdue']], [true, $daysSince('2025-01-31')], '5001 overdue');
    eqc([$inv[5002]['overdue'], $inv[5002]['days_overdue']], [true, $daysSince('2025-03-03')], '5002 partly paid, overdue');
    eqc([$inv[5003]['overdue'], $inv[5004]['overdue']], [false, false], 'paid and not yet due');
    eqc($b['arrears'], ['amount' => 1500.0, 'invoices' => 2, 'oldest_days_overdue' => $daysSince('2025-01-31')], 'arrears');
    eqc([$b['outstanding'], $b['as_of']], [1599.0, $today], 'outstanding');
    eqc(array_column($b['payments'], 'id'), [7002, 7001], 'payments: posted inbound, newest first, no draft');
});

test('billing: each customer sees only their own invoices (a query parameter changes nothing)', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['bob']]);
    eqc([array_column($b['invoices'], 'id'), array_column($b['payments'], 'id')], [[5010], [7010]], 'bob');
    [$st, $b] = req($main, 'GET', '/api/odoo/billing?partner_id=101&id=5010', ['cookie' => $cookies['alice']]);
    check(!in_array(5010, array_column($b['invoices'], 'id'), true), 'alice never sees 5010');
    [$st, $b] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['accounts']]);
    eqc(array_column($b['invoices'], 'id'), [5001, 5002, 5003, 5004], 'a contact sees its company\'s invoices');
});

test('billing: the curl + json_decode client gives the same answer (the same calls)', function () use ($main, $curlPortal, &$cookies) {
    [, $a] = req($main, 'GET', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
    [$st, $c] = req($curlPortal, 'GET', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
    eqc($st, 200, 'status');
    eqc($c, $a, 'identical JSON');
});

// ------------------------------------------------------------------ orders
test('orders: the customer\'s sale orders with a tracking stage', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'GET', '/api/odoo/orders', ['cookie' => $cookies['alice']]);
    eqc($st, 200, 'status');
    $o = array_column($b['orders'], null, 'id');
    eqc(array_keys($o), [9005, 9004, 9003, 9002, 9001], 'newest first, no other customer\'s');
    eqc(array_map(fn ($x) => $x['tracking']['stage'], $o),
        [9005 => 'cancelled', 9004 => 'quotation', 9003 => 'processing', 9002 => 'partially_delivered', 9001 => 'delivered'], 'stages');
    eqc([$o[9001]['tracking']['step'], $o[9001]['tracking']['steps'], $o[9001]['delivery_status']], [4, 4, 'full'], 'progress');
});

// ------------------------------------------------------------------ tickets
test('tickets (no helpdesk app): project.task of the Support project, detected once', function () use ($main, &$cookies, $odoo19, $db) {
    [$st, $b] = req($main, 'GET', '/api/odoo/tickets', ['cookie' => $cookies['alice']]);
    eqc([$st, $b['backend'], array_column($b['tickets'], 'id')], [200, 'project', [8001]], 'only the customer\'s Support tasks');
    eqc([$b['tickets'][0]['stage'], $b['tickets'][0]['subject']], ['In Progress', 'Dish offline since Monday'], 'fields');
    $n0 = sim_requests($odoo19);
    req($main, 'GET', '/api/odoo/tickets', ['cookie' => $cookies['alice']]);
    $n1 = sim_requests($odoo19);
    req($main, 'GET', '/api/odoo/tickets', ['cookie' => $cookies['bob']]);
    $n2 = sim_requests($odoo19);
    // the simulator counts every request it serves: the stats call itself is the 1
    eqc([$n1 - $n0 - 1, $n2 - $n1 - 1], [2, 2], 'Odoo requests per GET: authenticate + search_read (no detection)');
    $row = (new PDO("sqlite:$db"))->query("SELECT value FROM capabilities WHERE key = 'odoo'")->fetchColumn();
    eqc(json_decode((string)$row, true)['tickets'] ?? null, 'project', 'cached in the portal store');
});

test('tickets: POST opens one, escaped, for the customer; bad input is 422', function () use ($main, &$cookies, $odoo19) {
    [$st, $b] = req($main, 'POST', '/api/odoo/tickets', ['cookie' => $cookies['alice'],
        'json' => ['subject' => 'Router <b>reboots</b>', 'description' => "Since Monday\n<script>x</script>"]]);
    eqc([$st, $b['backend']], [201, 'project'], 'created');
    $t = odoo($odoo19)->read('project.task', $b['id'], ['name', 'project_id', 'partner_id', 'description'])[0];
    eqc([$t['name'], $t['project_id'][0], $t['partner_id'][0]], ['Router <b>reboots</b>', 7, 100], 'in Support, for Alice');
    eqc($t['description'], '<p>Since Monday<br />' . "\n" . '&lt;script&gt;x&lt;/script&gt;</p>', 'HTML-escaped description');
    foreach ([['subject' => '', 'description' => 'x'], ['subject' => str_repeat('x', 201), 'description' => 'x'],
              ['subject' => 'x'], ['subject' => 5, 'description' => 'x'], "{\"subject\": \"\xff\", \"description\": \"x\"}"] as $i => $body) {
        [$st, $b] = req($main, 'POST', '/api/odoo/tickets', ['cookie' => $cookies['alice'], 'json' => $body]);
        eqc($st, $i === 4 ? 400 : 422, "invalid ticket $i");
    }
    [$st] = req($main, 'POST', '/api/odoo/tickets', ['cookie' => $cookies['alice'], 'json' => '{"subject": ']);
    eqc($st, 400, 'broken JSON');
});

test('tickets with the helpdesk app: helpdesk.ticket, GET and POST', function () use ($odoo17, $tmp) {
    $db = "$tmp/helpdesk.sqlite";
    add_user($db, 'alice@example.com', 'alice-pass-1');
    $srv = portal(['ODOO_URL' => $odoo17, 'PORTAL_DB' => $db, 'ODOO_DB' => 'demo17', 'ODOO_API_KEY' => KEY17]);
    $c = login($srv, 'alice@example.com', 'alice-pass-1');
    [$st] = req($srv, 'POST', '/api/odoo/link-customer', ['cookie' => $c, 'json' => []]);
    eqc($st, 200, 'linked on 17');
    [$st, $b] = req($srv, 'GET', '/api/odoo/tickets', ['cookie' => $c]);
    eqc([$st, $b['backend'], array_column($b['tickets'], 'id')], [200, 'helpdesk', [3001]], 'helpdesk tickets, only Alice\'s');
    [$st, $b] = req($srv, 'POST', '/api/odoo/tickets', ['cookie' => $c, 'json' => ['subject' => 'Billing', 'description' => 'Why?']]);
    eqc([$st, $b['backend']], [201, 'helpdesk'], 'created');
    $t = odoo($odoo17, 17)->read('helpdesk.ticket', $b['id'], ['name', 'partner_id'])[0];
    eqc([$t['name'], $t['partner_id'][0]], ['Billing', 100], 'a helpdesk.ticket for Alice');
    [$st, $b] = req($srv, 'GET', '/api/odoo/dashboard', ['cookie' => $c]);
    eqc([$st, $b['tickets']['backend'], count($b['tickets']['tickets'])], [200, 'helpdesk', 2], 'dashboard on 17');
});

// ------------------------------------------------------------------ upload-proof-payment
$pdf = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
$png = "\x89PNG\r\n\x1a\n" . str_repeat("\0", 32);
$jpg = "\xFF\xD8\xFF\xE0" . str_repeat("\0", 32);
function file_of(string $tmp, string $name, string $content): CURLFile
{
    file_put_contents("$tmp/$name", $content);
    return new CURLFile("$tmp/$name", 'application/octet-stream', $name);
}

test('upload-proof-payment: a PDF on an own invoice -> ir.attachment + draft payment', function () use ($main, &$cookies, $odoo19, $tmp, $pdf) {
    [$st, $b] = req($main, 'POST', '/api/odoo/upload-proof-payment', ['cookie' => $cookies['alice'],
        'form' => ['invoice_id' => '5001', 'amount' => '1200.00', 'reference' => 'TRX-778', 'proof' => file_of($tmp, 'proof.pdf', $pdf)]]);
    eqc([$st, $b['status'] ?? null, $b['invoice'] ?? null, $b['amount'] ?? null],
        [201, 'pending_verification', ['id' => 5001, 'number' => 'INV/2025/00001'], 1200.0], 'answer');
    $o = odoo($odoo19);
    $a = $o->read('ir.attachment', $b['attachment_id'], ['res_model', 'res_id', 'mimetype', 'datas', 'name'])[0];
    eqc([$a['res_model'], is_array($a['res_id']) ? $a['res_id'][0] : $a['res_id'], $a['mimetype'], base64_decode($a['datas'])],
        ['account.move', 5001, 'application/pdf', $pdf], 'the attachment on the invoice');
    check(str_ends_with($a['name'], '.pdf') && str_contains($a['name'], 'INV_2025_00001'), 'attachment name');
    $p = $o->read('account.payment', $b['payment_id'], ['amount', 'partner_id', 'payment_type', 'state', 'memo'])[0];
    eqc([$p['amount'], $p['partner_id'][0], $p['payment_type']], [1200.0, 100, 'inbound'], 'an inbound payment');
    check(in_array($p['state'], [false, 'draft'], true), 'left in draft (the state is not set)');
    check(str_contains((string)$p['memo'], 'INV/2025/00001') && str_contains((string)$p['memo'], 'TRX-778'), 'memo (Odoo 19 field)');
});

test('upload-proof-payment: PNG and JPEG by their bytes; amount defaults to the residual', function () use ($main, &$cookies, $tmp, $png, $jpg, $odoo19) {
    foreach (['x.png' => [$png, 'image/png'], 'scan.jpeg' => [$jpg, 'image/jpeg']] as $name => [$content, $mime]) {
        [$st, $b] = req($main, 'POST', '/api/odoo/upload-proof-payment', ['cookie' => $cookies['alice'],
            'form' => ['invoice_id' => '5002', 'proof' => file_of($tmp, $name, $content)]]);
        eqc([$st, $b['amount'] ?? null], [201, 300.0], $name);
        eqc(odoo($odoo19)->read('ir.attachment', $b['attachment_id'], ['mimetype'])[0]['mimetype'], $mime, "$name mimetype");
    }
});

test('upload-proof-payment: refusals (type by bytes, size, another customer\'s invoice, paid, draft, input)', function () use ($main, &$cookies, $tmp, $pdf, $odoo19) {
    $o = odoo($odoo19);
    $before = $o->searchCount('ir.attachment');
    $cases = [
        'a GIF named .pdf' => [['invoice_id' => '5001', 'proof' => file_of($tmp, 'fake.pdf', "GIF89a\x01\x00")], 415, 'unsupported_file'],
        'an executable' => [['invoice_id' => '5001', 'proof' => file_of($tmp, 'a.pdf', "\x7fELF\x02\x01")], 415, 'unsupported_file'],
        'over the size limit' => [['invoice_id' => '5001', 'proof' => file_of($tmp, 'big.pdf', $pdf . str_repeat('x', 70000))], 413, 'too_large'],
        'another customer\'s invoice' => [['invoice_id' => '5010', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 404, 'invoice_not_found'],
        'a paid invoice' => [['invoice_id' => '5003', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 409, 'invoice_settled'],
        'a draft invoice' => [['invoice_id' => '5005', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 404, 'invoice_not_found'],
        'a credit note' => [['invoice_id' => '5006', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 404, 'invoice_not_found'],
        'no invoice id' => [['proof' => file_of($tmp, 'p.pdf', $pdf)], 422, 'invalid_field'],
        'a bad invoice id' => [['invoice_id' => '5001 OR 1=1', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 422, 'invalid_field'],
        'no file' => [['invoice_id' => '5001'], 422, 'invalid_field'],
        'an empty file' => [['invoice_id' => '5001', 'proof' => file_of($tmp, 'e.pdf', '')], 422, 'invalid_field'],
        'a bad amount' => [['invoice_id' => '5001', 'amount' => '-5', 'proof' => file_of($tmp, 'p.pdf', $pdf)], 422, 'invalid_field'],
    ];
    foreach ($cases as $what => [$form, $status, $code]) {
        [$st, $b] = req($main, 'POST', '/api/odoo/upload-proof-payment', ['cookie' => $cookies['alice'], 'form' => $form]);
        eqc([$st, $b['error']['code'] ?? null], [$status, $code], $what);
    }
    [$st] = req($main, 'POST', '/api/odoo/upload-proof-payment', ['cookie' => $cookies['alice'], 'json' => ['invoice_id' => 5001]]);
    eqc($st, 415, 'not multipart');
    eqc($o->searchCount('ir.attachment'), $before, 'nothing was stored by the refused uploads');
    [$st, $b] = req($main, 'POST', '/api/odoo/upload-proof-payment', ['cookie' => $cookies['bob'],
        'form' => ['invoice_id' => '5001', 'proof' => file_of($tmp, 'p.pdf', $pdf)]]);
    eqc([$st, $b['error']['code'] ?? null], [404, 'invoice_not_found'], 'bob cannot attach to Alice\'s invoice');
});

// ------------------------------------------------------------------ dashboard
test('dashboard: everything in one answer, the same as the endpoints', function () use ($main, &$cookies) {
    [$st, $d] = req($main, 'GET', '/api/odoo/dashboard', ['cookie' => $cookies['alice']]);
    eqc($st, 200, 'status');
    eqc($d['customer'], ['id' => 100, 'name' => 'Alice Networks', 'email' => 'alice@example.com'], 'customer');
    foreach (['services' => null, 'billing' => null, 'orders' => 'orders', 'tickets' => null] as $part => $key) {
        [, $one] = req($main, 'GET', "/api/odoo/$part", ['cookie' => $cookies['alice']]);
        eqc($d[$part], $key ? $one[$key] : $one, $part);
    }
});

// ------------------------------------------------------------------ Odoo errors as clear JSON
test('Odoo unreachable, bad API key, not Odoo: clear JSON errors, nothing internal leaked', function () use (&$cookies, $db, $odoo19) {
    $cases = [
        'unreachable' => [['ODOO_URL' => 'http://127.0.0.1:9'], 503, 'odoo_unavailable'],
        'bad API key' => [['ODOO_URL' => $odoo19, 'ODOO_API_KEY' => 'deadbeef' . str_repeat('0', 32)], 502, 'odoo_error'],
        'an HTML page' => [['ODOO_URL' => "$odoo19/__fault__/html/1000/portalhtml"], 502, 'odoo_error'],
    ];
    foreach ($cases as $what => [$env, $status, $code]) {
        $srv = portal($env + ['PORTAL_DB' => $db]);
        [$st, $b, $head, $raw] = req($srv, 'GET', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
        eqc([$st, $b['error']['code'] ?? null], [$status, $code], $what);
        foreach (['127.0.0.1', 'jsonrpc', 'Traceback', 'odoo.exceptions', 'deadbeef', KEY19, 'erplink', '<html'] as $leak) {
            check(!str_contains($raw, $leak), "$what: the answer does not contain '$leak'");
        }
        if ($status === 503) {
            check((bool)preg_match('/^Retry-After: \d+/mi', $head), "$what: Retry-After");
        }
        $log = server_log($srv);
        check(!str_contains($log, 'deadbeef'), "$what: the server log has no API key");
    }
});

test('routing: unknown path 404, wrong method 405 with Allow, logout ends the session', function () use ($main, &$cookies) {
    [$st, $b] = req($main, 'GET', '/api/odoo/nope', ['cookie' => $cookies['alice']]);
    eqc([$st, $b['error']['code']], [404, 'no_route'], 'unknown');
    [$st, $b, $head] = req($main, 'DELETE', '/api/odoo/billing', ['cookie' => $cookies['alice']]);
    eqc($st, 405, 'DELETE billing');
    check((bool)preg_match('/^Allow: GET/mi', $head), 'Allow header');
    [$st, , $head] = req($main, 'POST', '/api/logout', ['cookie' => $cookies['alice'], 'json' => []]);
    eqc($st, 200, 'logout');
    check((bool)preg_match('/^Set-Cookie: portal_session=(deleted)?;/mi', $head), 'the cookie is cleared');
});

// ------------------------------------------------------------------ report
$passed = count(array_filter($results, fn ($r) => $r[1] === []));
$failed = count($results) - $passed;
$e = fn (string $v) => htmlspecialchars($v, ENT_QUOTES | ENT_XML1 | ENT_SUBSTITUTE, 'UTF-8');
$xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" . sprintf("<testsuite name=\"php-portal\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\">\n",
    count($results), $failed);
foreach ($results as [$name, $fails, $secs]) {
    $xml .= sprintf('  <testcase classname="portal" name="%s" time="%.3f"', $e($name), $secs);
    $xml .= $fails ? sprintf(">\n    <failure message=\"%s\">%s</failure>\n  </testcase>\n", $e($fails[0]), $e(implode("\n", $fails))) : "/>\n";
}
file_put_contents($junit, $xml . "</testsuite>\n");
echo "portal: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
