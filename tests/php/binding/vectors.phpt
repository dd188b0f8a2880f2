--TEST--
the shared vectors of tests/vectors/: the same results as the C library and the Python binding
--FILE--
<?php
require __DIR__ . '/_common.inc';

function native(array $t): mixed
{
    $k = array_key_first($t);
    $v = $t[$k];
    return match ($k) {
        'nil', 'bool', 'string' => $v,
        'int' => (int)$v,
        'double' => (float)$v,
        'bytes_hex' => new Erplink\Bytes(hex2bin($v)),
        'datetime' => new DateTimeImmutable($v, new DateTimeZone('UTC')),
        'array' => array_map('native', $v),
        'struct' => $v === [] ? new stdClass() : array_combine(array_column($v, 0), array_map(fn ($p) => native($p[1]), $v)),
    };
}
$bad = [];
foreach (vectors('values.json')['cases'] as $c) {
    $v = native($c['value']);
    $out = Erplink\roundtrip($v);
    if (Erplink\dump($v) !== $c['dump']) $bad[] = $c['name'] . ': dump ' . Erplink\dump($v);
    // an empty struct comes back as [] (documented); everything else identical
    $want = $v instanceof stdClass ? [] : $v;
    if (($want instanceof DateTimeInterface || $want instanceof Erplink\Bytes) ? $out != $want || get_class($out) !== get_class($want) : $out !== $want)
        $bad[] = $c['name'] . ': round trip';
    if (!($v instanceof stdClass) && Erplink\dump($out) !== $c['dump']) $bad[] = $c['name'] . ': dump of the result';
}
eq($bad, [], count(vectors('values.json')['cases']) . ' value vectors');

$bad = [];
$errs = vectors('errors.json')['codes'];
foreach ($errs as $c) {
    $code = $c['code'];
    if ((Erplink\codeNames()[$code] ?? null) !== $c['name']) $bad[] = "$code name";
    if (Erplink\errorCategory($code) !== $c['category']) $bad[] = "$code category";
    if (Erplink\errorRetryable($code) !== $c['retryable']) $bad[] = "$code retryable";
}
eq($bad, [], count($errs) . ' error vectors');
eq(count($errs), count(Erplink\codeNames()), 'no code more, no code less');

function outcome(callable $fn): string
{
    try { $r = $fn(); return $r === 0 ? 'OK' : "returned $r"; }
    catch (Erplink\Error $e) { return $e->codeName; }
}
$bad = [];
$cases = vectors('razorpay_signatures.json')['cases'];
foreach ($cases as $i => $c) {
    $sig = $c['signature'];
    $s = $c['secret'];
    $got = [];
    switch ($c['kind']) {
    case 'webhook':
        $body = isset($c['body']) ? $c['body'] : file_get_contents(ROOT . '/tests/vectors/' . $c['body_file']);
        $got[] = outcome(fn () => Erplink\Razorpay\verifyWebhook($body, $sig, $s));
        $got[] = outcome(fn () => Erplink\Razorpay\verifyWebhook(new Erplink\Bytes($body), $sig, $s));
        $got[] = outcome(fn () => Erplink\Razorpay\verifyWebhook($body, $sig, [$s]));
        $got[] = outcome(fn () => (new Erplink\Razorpay\Verifier($s))->verifyWebhook($body, $sig));
        break;
    case 'payment':
        $got[] = outcome(fn () => Erplink\Razorpay\verifyPayment($c['order_id'], $c['payment_id'], $sig, $s));
        $got[] = outcome(fn () => (new Erplink\Razorpay\Verifier([$s]))->verifyPayment($c['order_id'], $c['payment_id'], $sig));
        break;
    case 'subscription':
        $got[] = outcome(fn () => Erplink\Razorpay\verifySubscription($c['payment_id'], $c['subscription_id'], $sig, $s));
        $got[] = outcome(fn () => (new Erplink\Razorpay\Verifier($s))->verifySubscription($c['payment_id'], $c['subscription_id'], $sig));
        break;
    default:
        $a = [$c['payment_link_id'], $c['payment_link_reference_id'], $c['payment_link_status'], $c['payment_id'], $sig];
        $got[] = outcome(fn () => Erplink\Razorpay\verifyPaymentLink(...[...$a, $s]));
        $got[] = outcome(fn () => (new Erplink\Razorpay\Verifier($s))->verifyPaymentLink(...$a));
    }
    foreach ($got as $g) if ($g !== $c['expect']) $bad[] = "case $i ({$c['kind']}): $g, want {$c['expect']}";
}
eq($bad, [], count($cases) . ' Razorpay signature vectors');

$st = vectors('cartona_status_map.json');
$m = erplink_cartona_status_map_new_default();
$bad = [];
foreach (['outbound' => 'erplink_cartona_status_map_to_cartona', 'inbound' => 'erplink_cartona_status_map_to_odoo'] as $dir => $fn) {
    foreach ($st[$dir] as $k => $want) {
        try { $got = $fn($m, (string)$k); } catch (Erplink\ValidationError) { $got = null; }
        if ($got !== $want) $bad[] = "$dir $k";
    }
}
erplink_cartona_status_map_free($m);
eq($bad, [], 'Cartona status map vectors (raw functions)');
--EXPECT--
24 value vectors: ok
31 error vectors: ok
no code more, no code less: ok
16 Razorpay signature vectors: ok
Cartona status map vectors (raw functions): ok
