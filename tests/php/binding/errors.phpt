--TEST--
the exception hierarchy: one Erplink\Error subclass per C category, every code a constant with its name
--FILE--
<?php
require __DIR__ . '/_common.inc';
$classes = ['invalid_argument' => 'InvalidArgumentError', 'out_of_memory' => 'OutOfMemoryError',
    'network' => 'NetworkError', 'timeout' => 'TimeoutError', 'tls' => 'TLSError', 'http' => 'HTTPError',
    'protocol' => 'ProtocolError', 'auth' => 'AuthError', 'access' => 'AccessError',
    'validation' => 'ValidationError', 'not_found' => 'NotFoundError', 'rate_limited' => 'RateLimitError',
    'conflict' => 'ConflictError', 'signature' => 'SignatureError', 'cancelled' => 'CancelledError',
    'server' => 'ServerError', 'store' => 'StoreError'];
// every category of error.h (ERPLINK_CAT_*) has its class
preg_match_all('/ERPLINK_CAT_([A-Z]+)/', file_get_contents(ROOT . '/include/erplink/error.h'), $m);
$cats = array_unique($m[1]);
$missing = [];
foreach ($cats as $c) {
    if ($c === 'NONE') continue;
    $name = erplink_error_category_name(constant("Erplink\\CAT_$c"));
    $cls = 'Erplink\\' . ($classes[$name] ?? '?');
    if (!class_exists($cls) || !is_subclass_of($cls, Erplink\Error::class)) $missing[] = $name;
}
eq($missing, [], 'every category has its class');
ok(is_subclass_of(Erplink\Error::class, Exception::class), 'Erplink\Error is an Exception');
// every code of the C enum is a constant, named in codeNames(), thrown as its category's class
preg_match_all('/ERPLINK_(E[A-Z0-9_]+)\s*=\s*(-\d+)/', file_get_contents(ROOT . '/include/erplink/error.h'), $m, PREG_SET_ORDER);
$bad = [];
foreach ($m as [, $name, $code]) {
    $code = (int)$code;
    if (!defined("Erplink\\$name") || constant("Erplink\\$name") !== $code || (Erplink\codeNames()[$code] ?? null) !== $name) {
        $bad[] = $name;
        continue;
    }
}
eq($bad, [], 'every code is a constant named by codeNames()');
eq(count(Erplink\codeNames()), count($m) + 1, 'codeNames() has them all and OK');
// errors built in PHP know their category
$e = new Erplink\AuthError('bad key');
eq([$e->getMessage(), $e->category, $e instanceof Erplink\Error], ['bad key', 'auth', true], 'errors made in PHP');
eq(Erplink\errorCategory(Erplink\ETIMEOUT), 'timeout', 'errorCategory');
ok(Erplink\errorRetryable(Erplink\ECONNECT) && !Erplink\errorRetryable(Erplink\EAUTH), 'errorRetryable');
eq(Erplink\strerror(Erplink\EAUTH) !== '', true, 'strerror');
// a C error thrown through a wrapper has the class of its code's category
throws(fn () => Erplink\Razorpay\verifyWebhook('{}', str_repeat('0', 64), 'k'), $e);
eq([get_class($e), $e->codeName, $e->category], ['Erplink\SignatureError', 'ESIGNATURE', 'signature'], 'signature failure');
--EXPECT--
every category has its class: ok
Erplink\Error is an Exception: ok
every code is a constant named by codeNames(): ok
codeNames() has them all and OK: ok
errors made in PHP: ok
errorCategory: ok
errorRetryable: ok
strerror: ok
signature failure: ok
