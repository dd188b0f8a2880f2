--TEST--
values both ways: every type, extremes, key order, empty containers, nesting
--FILE--
<?php
require __DIR__ . '/_common.inc';
use function Erplink\roundtrip;
use function Erplink\dump;

foreach ([null, true, false, 0, PHP_INT_MAX, PHP_INT_MIN, 1.5, -0.0, 2.0, '', 'héllo ✓ 🎉', "a\0b", "say \"hi\"\n"] as $v) {
    $r = roundtrip($v);
    ok($r === $v || (is_float($v) && is_float($r) && $r == $v), 'scalar ' . var_export($v, true) . ' keeps value and type');
}
ok(is_float(roundtrip(2.0)) && is_int(roundtrip(2)), 'int is not float, float not int');
ok(is_nan(roundtrip(NAN)) && roundtrip(INF) === INF, 'float specials');
eq(roundtrip(new Erplink\Bytes("\x00\x01\x7f\x80\xff"))->data, "\x00\x01\x7f\x80\xff", 'bytes come back as Erplink\Bytes');
eq((string)roundtrip(new Erplink\Bytes('')), '', 'empty bytes');
eq(dump(new Erplink\Bytes('abc')), '<3 bytes>', 'bytes dump');
$dt = roundtrip(new DateTimeImmutable('2024-02-29T23:59:59.123456+01:00'));
ok($dt instanceof DateTimeImmutable, 'datetime -> DateTimeImmutable');
eq($dt->format('Y-m-d\TH:i:s.u e'), '2024-02-29T22:59:59.123456 UTC', 'converted to UTC, microseconds kept');
eq(roundtrip(new DateTime('0001-01-01 00:00:00', new DateTimeZone('UTC')))->format('Y-m-d H:i:s'), '0001-01-01 00:00:00', 'year 1');
eq(roundtrip([]), [], 'empty array');
eq(dump([]), '[]', '[] is an array');
eq(dump(new stdClass()), '{}', 'stdClass is a struct');
eq(dump(new ArrayObject([1, 2])), '{"0": 1, "1": 2}', 'ArrayObject is a struct even when list-like');
eq(roundtrip(new stdClass()), [], 'an empty struct comes back as []');
$o = new stdClass(); $o->a = 1; $o->b = [true];
eq(roundtrip($o), ['a' => 1, 'b' => [true]], 'stdClass members');
eq(dump([1 => 'x', 0 => 'y']), '{"1": "x", "0": "y"}', 'a non-list array is a struct');
eq(dump([5 => 'a']), '{"5": "a"}', 'int keys become text');
$nested = ['id' => 7, 'tags' => ['a', null, [true]], 'partner' => ['z' => 1, 'a' => 0.5]];
eq(roundtrip($nested), $nested, 'nested');
eq(dump($nested), '{"id": 7, "tags": ["a", null, [true]], "partner": {"z": 1, "a": 0.5}}', 'nested dump');
$order = ['zeta' => 1, 'alpha' => 2, '10' => 3, '2' => 4];
eq(array_keys(roundtrip($order)), ['zeta', 'alpha', 10, 2], 'key order kept');
eq(dump($order), '{"zeta": 1, "alpha": 2, "10": 3, "2": 4}', 'numeric keys as text in order');
$big = range(0, 99999);
eq(roundtrip($big), $big, 'a list of 100000');
$bigs = array_combine(array_map(fn ($i) => "k$i", range(0, 9999)), range(0, 9999));
eq(roundtrip($bigs), $bigs, 'a struct of 10000');
$deep = 1;
for ($i = 0; $i < 1000; $i++) { $deep = [$deep]; }
eq(roundtrip($deep), $deep, 'nesting up to the cap');
$ref = [1, 2];
$x = ['r' => &$ref];
eq(roundtrip($x), ['r' => [1, 2]], 'references are followed');
eq(dump(['login' => 'admin', 'password' => 'hunter2', 'api_key' => 'k']), '{"login": "admin", "password": "<redacted>", "api_key": "<redacted>"}', 'dump redacts credentials');
eq(Erplink\getInt(42), 42, 'getInt');
--EXPECT--
scalar NULL keeps value and type: ok
scalar true keeps value and type: ok
scalar false keeps value and type: ok
scalar 0 keeps value and type: ok
scalar 9223372036854775807 keeps value and type: ok
scalar -9223372036854775807-1 keeps value and type: ok
scalar 1.5 keeps value and type: ok
scalar -0.0 keeps value and type: ok
scalar 2.0 keeps value and type: ok
scalar '' keeps value and type: ok
scalar 'héllo ✓ 🎉' keeps value and type: ok
scalar 'a' . "\0" . 'b' keeps value and type: ok
scalar 'say "hi"
' keeps value and type: ok
int is not float, float not int: ok
float specials: ok
bytes come back as Erplink\Bytes: ok
empty bytes: ok
bytes dump: ok
datetime -> DateTimeImmutable: ok
converted to UTC, microseconds kept: ok
year 1: ok
empty array: ok
[] is an array: ok
stdClass is a struct: ok
ArrayObject is a struct even when list-like: ok
an empty struct comes back as []: ok
stdClass members: ok
a non-list array is a struct: ok
int keys become text: ok
nested: ok
nested dump: ok
key order kept: ok
numeric keys as text in order: ok
a list of 100000: ok
a struct of 10000: ok
nesting up to the cap: ok
references are followed: ok
dump redacts credentials: ok
getInt: ok
