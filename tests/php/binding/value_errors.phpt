--TEST--
conversion errors: typed InvalidArgumentError with the C code, never a crash; TypeError for wrong argument kinds
--FILE--
<?php
require __DIR__ . '/_common.inc';
use function Erplink\roundtrip;

function code_of(callable $fn): string
{
    try { $fn(); return 'none'; }
    catch (Erplink\Error $e) { return get_class($e) . ' ' . $e->codeName; }
    catch (\Throwable $t) { return get_class($t); }
}
eq(code_of(fn () => roundtrip("\xff\xfe")), 'Erplink\InvalidArgumentError EINVAL', 'invalid UTF-8');
eq(code_of(fn () => roundtrip(['a' => ["ok", "\xc3"]])), 'Erplink\InvalidArgumentError EINVAL', 'nested invalid UTF-8');
throws(fn () => roundtrip("\xff"), $e);
ok(str_contains($e->getMessage(), 'Erplink\Bytes'), 'the message says to use Erplink\Bytes');
eq(code_of(fn () => roundtrip(["a\0b" => 1])), 'Erplink\InvalidArgumentError EINVAL', 'key with NUL');
eq(code_of(fn () => roundtrip(new ArrayIterator([]))), 'Erplink\InvalidArgumentError ETYPE', 'another object');
eq(code_of(fn () => roundtrip(fn () => 1)), 'Erplink\InvalidArgumentError ETYPE', 'a closure');
eq(code_of(fn () => roundtrip(fopen('php://memory', 'r'))), 'Erplink\InvalidArgumentError ETYPE', 'a resource');
eq(code_of(fn () => roundtrip([1, [2, new SplStack()]])), 'Erplink\InvalidArgumentError ETYPE', 'nested failure');
$deep = 1;
for ($i = 0; $i < 1001; $i++) { $deep = [$deep]; }
eq(code_of(fn () => roundtrip($deep)), 'Erplink\InvalidArgumentError ERANGE', 'too deep');
$cyc = [1];
$cyc[] = &$cyc;
eq(code_of(fn () => roundtrip($cyc)), 'Erplink\InvalidArgumentError ERANGE', 'reference cycle');
$o = new stdClass(); $o->self = $o;
eq(code_of(fn () => roundtrip($o)), 'Erplink\InvalidArgumentError ERANGE', 'object cycle');
eq(code_of(fn () => Erplink\getInt('x')), 'Erplink\InvalidArgumentError ETYPE', 'the C library\'s own ETYPE');
eq(code_of(fn () => Erplink\getInt(true)), 'Erplink\InvalidArgumentError ETYPE', 'bool is not an int for C');
throws(fn () => Erplink\getInt('x'), $e);
eq([$e->getCode(), $e->code, $e->category, $e->httpStatus, $e->remoteClass, $e->detail, $e->retryAfterMs],
   [Erplink\ETYPE, Erplink\ETYPE, 'invalid_argument', null, null, null, null], 'attributes');
eq(code_of(fn () => erplink_razorpay_verify_payment("o\0", 'p', str_repeat('0', 64), 'k')), 'Erplink\InvalidArgumentError EINVAL', 'NUL in a string argument');
eq(code_of(fn () => erplink_razorpay_verify_payment(1, 'p', 's', 'k')), 'TypeError', 'an int for a string');
eq(code_of(fn () => erplink_razorpay_verifier_new('k')), 'TypeError', 'a lone string for a list of names');
eq(code_of(fn () => erplink_razorpay_verifier_new(['k', 2])), 'TypeError', 'a non-string name');
eq(code_of(fn () => erplink_odoo_options_set_allowed_company_ids(erplink_odoo_options_new(), ['1'])), 'TypeError', 'a string for an id');
eq(code_of(fn () => erplink_razorpay_verify_webhook(12, str_repeat('0', 64), 'k')), 'TypeError', 'an int for a body');
eq(code_of(fn () => erplink_http_options_set_max_attempts(erplink_http_options_new(), 1 << 40)), 'Erplink\InvalidArgumentError ERANGE', 'an int out of a C int range is refused, not truncated');
eq(code_of(fn () => erplink_http_options_set_max_response_bytes(erplink_http_options_new(), -1)), 'Erplink\InvalidArgumentError ERANGE', 'a negative size_t is refused');
eq(code_of(fn () => erplink_value_get_int()), 'ArgumentCountError', 'argument count');
eq(Erplink\getInt(5), 5, 'the next call after failures works (the last error is fresh)');
--EXPECT--
invalid UTF-8: ok
nested invalid UTF-8: ok
the message says to use Erplink\Bytes: ok
key with NUL: ok
another object: ok
a closure: ok
a resource: ok
nested failure: ok
too deep: ok
reference cycle: ok
object cycle: ok
the C library's own ETYPE: ok
bool is not an int for C: ok
attributes: ok
NUL in a string argument: ok
an int for a string: ok
a lone string for a list of names: ok
a non-string name: ok
a string for an id: ok
an int for a body: ok
an int out of a C int range is refused, not truncated: ok
a negative size_t is refused: ok
argument count: ok
the next call after failures works (the last error is fresh): ok
