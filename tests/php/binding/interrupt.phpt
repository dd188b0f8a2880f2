--TEST--
an async pcntl signal interrupts a blocking call (CancelledError within about a second, the handler runs), and the next call works
--SKIPIF--
<?php if (!function_exists('pcntl_async_signals')) die('skip pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/_common.inc';
use Erplink\Odoo\Client;
use Erplink\Transport;

pcntl_async_signals(true);
$got = 0;
pcntl_signal(SIGALRM, function () use (&$got) { $got++; });
$c = new Client(odoo_url(17) . '/__fault__/stall/1/' . fkey('int'), 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc',
                transport: new Transport(maxAttempts: 1));
$c->authenticate();
pcntl_alarm(1);
$t0 = hrtime(true);
eq(throws(fn () => $c->searchCount('res.partner'), $e), 'Erplink\CancelledError', 'the stalled call (3 s) is cancelled');
$dt = (hrtime(true) - $t0) / 1e9;
ok($dt < 2.5, 'within 2.5 s');
eq($got, 1, 'the signal handler ran');
ok($c->searchCount('res.partner') > 0, 'the next call is not cancelled by a stale token');
// a handler that throws: its exception is the call's, as KeyboardInterrupt is in Python
pcntl_signal(SIGALRM, function () { throw new RuntimeException('stop now'); });
$c = new Client(odoo_url(17) . '/__fault__/stall/1/' . fkey('int'), 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc',
                transport: new Transport(maxAttempts: 1));
$c->authenticate();
pcntl_alarm(1);
eq(throws(fn () => $c->searchCount('res.partner'), $e), 'RuntimeException', 'the handler\'s exception wins over CancelledError');
eq($e->getMessage(), 'stop now', '  it is the handler\'s');
--EXPECT--
the stalled call (3 s) is cancelled: ok
within 2.5 s: ok
the signal handler ran: ok
the next call is not cancelled by a stale token: ok
the handler's exception wins over CancelledError: ok
  it is the handler's: ok
