--TEST--
many calls, successful and failing, keep memory bounded (PHP heap and RSS)
--FILE--
<?php
require __DIR__ . '/_common.inc';
use Erplink\Razorpay as R;

$body = '{"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_1","amount":1}}}}';
$sig = hash_hmac('sha256', $body, 'k');
$v = new R\Verifier(['x', 'k']);
$val = ['a' => [1, 2.5, 'x', null, true, ['b' => new Erplink\Bytes('zz')]], 'd' => new DateTimeImmutable('2024-01-01')];
$round = function (int $n) use ($body, $sig, $v, $val) {
    for ($i = 0; $i < $n; $i++) {
        Erplink\roundtrip($val);
        $v->verifyWebhook($body, $sig);
        try { $v->verifyWebhook($body, str_repeat('0', 64)); } catch (Erplink\SignatureError) {}
        try { Erplink\roundtrip(['x' => "\xff"]); } catch (Erplink\InvalidArgumentError) {}
        try { erplink_razorpay_verifier_new(['k', 1]); } catch (TypeError) {}
        R\parseEvent($body)->payment()->amount;
    }
};
$c = odoo(17, 'jsonrpc');
$net = function (int $n) use ($c) {
    for ($i = 0; $i < $n; $i++) {
        $c->searchRead('res.partner', [], ['name']);
        try { $c->write('res.partner', [987654], ['name' => 'x']); } catch (Erplink\NotFoundError) {}
        foreach ($c->iterSearchRead('res.partner', [], ['name'], pageSize: 2) as $r) { break; }
    }
};
$round(2000);
$net(50);
gc_collect_cycles();
$heap0 = memory_get_usage();
$rss0 = rss_kb();
$round(30000);
$net(500);
gc_collect_cycles();
$dheap = memory_get_usage() - $heap0;
$drss = rss_kb() - $rss0;
ok($dheap < 64 * 1024, "PHP heap growth under 64 KiB");
ok($drss < 4096, "RSS growth under 4 MiB (a leak of 16 bytes a call would be over)");
if ($dheap >= 64 * 1024 || $drss >= 4096) echo "heap +$dheap B, rss +$drss KiB\n";
--EXPECT--
PHP heap growth under 64 KiB: ok
RSS growth under 4 MiB (a leak of 16 bytes a call would be over): ok
