--TEST--
callbacks from C run PHP on the calling thread: the log callback (levels, redaction), the page/record loops; an exception thrown in one stops the C call and wins
--FILE--
<?php
require __DIR__ . '/_common.inc';
use Erplink\Transport;

$lines = [];
$log = function (int $level, string $line) use (&$lines) { $lines[] = [$level, $line]; };
$c = odoo(19, 'jsonrpc', transport: new Transport(log: $log, logLevel: Erplink\LOG_TRACE));
$n = $c->searchCount('res.partner');
ok($n > 0 && $lines !== [], 'the log callback is called');
$all = implode("\n", array_column($lines, 1));
ok(!str_contains($all, ODOO_KEY[19]), 'the API key never reaches PHP');
ok(count(array_filter($lines, fn ($l) => $l[0] === Erplink\LOG_TRACE)) > 0, 'TRACE lines at LOG_TRACE');
$lines = [];
$c = odoo(19, 'jsonrpc', transport: new Transport(log: $log, logLevel: Erplink\LOG_INFO));
$c->searchCount('res.partner');
ok($lines !== [] && max(array_column($lines, 0)) <= Erplink\LOG_INFO, 'no line more verbose than the level');
unset($log);
$c->searchCount('res.partner');
echo "the client keeps its log Closure alive: ok\n";

$c = odoo(17, 'xmlrpc', transport: new Transport(log: function (int $l, string $m) { throw new LogicException("boom: $m"); }));
eq(throws(fn () => $c->searchCount('res.partner'), $e), 'LogicException', 'an exception in the log callback is rethrown, not the C error');
ok($e->getPrevious() === null, '  and nothing is chained to it');

$c = odoo(17, 'xmlrpc');
$h = (new ReflectionProperty(Erplink\Odoo\Client::class, 'h'))->getValue($c)->ptr;
$pages = [];
erplink_odoo_client_search_read_pages($h, 'res.partner', [], ['name'], 2, function (array $page) use (&$pages) { $pages[] = $page; });
eq(array_sum(array_map('count', $pages)), $c->searchCount('res.partner'), 'odoo_client_search_read_pages with a Closure');
$seen = 0;
eq(throws(function () use ($h, &$seen) {
       erplink_odoo_client_search_read_each($h, 'res.partner', [], null, 2, function (array $r) use (&$seen) { $seen++; return $seen === 2; });
   }),
   'Erplink\CancelledError', 'a callback returning true stops the loop (CancelledError)');
eq($seen, 2, '  after that record');
eq(throws(fn () => erplink_odoo_client_search_read_each($h, 'res.partner', [], null, 2, fn (array $r) => throw new OutOfBoundsException('x'))),
   'OutOfBoundsException', 'an exception in a record callback');
eq(throws(fn () => erplink_odoo_client_search_read_each($h, 'res.partner', [], null, 2, 'strlen')), 'TypeError', 'a callback must be a Closure');
ok($c->searchCount('res.partner') > 0, 'the client works after all that');
--EXPECT--
the log callback is called: ok
the API key never reaches PHP: ok
TRACE lines at LOG_TRACE: ok
no line more verbose than the level: ok
the client keeps its log Closure alive: ok
an exception in the log callback is rethrown, not the C error: ok
  and nothing is chained to it: ok
odoo_client_search_read_pages with a Closure: ok
a callback returning true stops the loop (CancelledError): ok
  after that record: ok
an exception in a record callback: ok
a callback must be a Closure: ok
the client works after all that: ok
