--TEST--
Razorpay: secret rotation, bodies as string or Erplink\Bytes, Verifier, webhook events and their errors
--FILE--
<?php
require __DIR__ . '/_common.inc';
use Erplink\Razorpay as R;

$BODY = json_encode(['entity' => 'event', 'account_id' => 'acc_1', 'event' => 'payment.captured', 'contains' => ['payment'],
    'payload' => ['payment' => ['entity' => ['id' => 'pay_1', 'amount' => 50000, 'currency' => 'INR', 'status' => 'captured',
        'order_id' => 'order_1', 'method' => 'upi', 'email' => 'a@example.com', 'contact' => '+91', 'notes' => [],
        'fee' => 12, 'vpa' => 'a@upi']],
        'order' => ['entity' => ['id' => 'order_1', 'amount' => 50000, 'notes' => ['k' => 'v']]]],
    'created_at' => 1567674606]);
$sign = fn (string $body, string $secret) => hash_hmac('sha256', $body, $secret);

$sig = $sign($BODY, 'old');
eq(R\verifyWebhook($BODY, $sig, ['new', 'old']), 1, 'rotation gives the matching index');
eq(R\verifyWebhook($BODY, $sign($BODY, 'new'), ['new', 'old']), 0, 'current secret first');
$v = new R\Verifier(['new', 'old']);
eq([count($v), $v->verifyWebhook($BODY, $sig), $v->verifyWebhook(new Erplink\Bytes($BODY), $sig)], [2, 1, 1], 'Verifier');
eq(throws(fn () => R\verifyWebhook($BODY, $sign($BODY, 'other'), ['new', 'old']), $e), 'Erplink\SignatureError', 'no secret matches');
ok($e->category === 'signature' && !str_contains($e->getMessage(), 'new') && !str_contains($e->getMessage(), $sig), 'no secret or signature in the message');
eq(R\verifyPayment('o', 'p', $sign('o|p', 'k2'), ['k1', 'k2']), 1, 'verifyPayment with rotation');
eq(R\verifySubscription('p', 's', $sign('p|s', 'k'), 'k'), 0, 'verifySubscription (payment id first)');
eq(R\verifyPaymentLink('pl', '', 'paid', 'p', $sign('pl||paid|p', 'k'), ['k']), 0, 'verifyPaymentLink with an empty reference');
eq(throws(fn () => R\verifyWebhook($BODY, strtoupper($sig), 'k')), 'Erplink\InvalidArgumentError', 'uppercase signature');
eq(throws(fn () => R\verifyPayment('a|b', 'p', $sig, 'k')), 'Erplink\InvalidArgumentError', '| in an id');
eq(throws(fn () => new R\Verifier([])), 'Erplink\InvalidArgumentError', 'no secret');
eq(throws(fn () => R\verifyWebhook($BODY, $sig, '')), 'Erplink\InvalidArgumentError', 'empty secret');
eq(R\SIGNATURE_LEN, 64, 'SIGNATURE_LEN');

$ev = R\parseEvent($BODY, 'evt_1');
eq([$ev->id, $ev->name, $ev->accountId, $ev->createdAt, $ev->contains], ['evt_1', 'payment.captured', 'acc_1', 1567674606, ['payment']], 'event');
ok($ev->root['entity'] === 'event' && isset($ev->payload['payment']), 'root and payload');
$p = $ev->payment();
eq([$p->id, $p->orderId, $p->amount, $p->currency, $p->status, $p->method, $p->email, $p->contact],
   ['pay_1', 'order_1', 50000, 'INR', 'captured', 'upi', 'a@example.com', '+91'], 'payment entity');
eq([$p->notes, $p->string('vpa'), $p->integer('fee'), $p->integer('nope'), $p->raw['id']], [[], 'a@upi', 12, null, 'pay_1'], 'members');
eq(throws(fn () => $p->integer('vpa')), 'Erplink\ValidationError', 'a string is not an integer');
$o = $ev->order();
eq([$o->notes, $o->status], [['k' => 'v'], null], 'order entity');
eq($ev->entity('refund'), null, 'absent entity');
eq(R\parseEvent('{"event": "x.y"}')->createdAt, null, 'no created_at');
$fx = file_get_contents(ROOT . '/tests/fixtures/razorpay/webhook_payment_authorized.json');
eq(R\parseEvent(new Erplink\Bytes($fx))->name, 'payment.authorized', 'a captured webhook');
unset($ev);
eq($p->string('vpa'), 'a@upi', 'an entity keeps its event alive');
foreach (['' => 'InvalidArgumentError', '{' => 'ProtocolError', '[]' => 'ValidationError', '{"event": 1}' => 'ValidationError',
          '{"event":"a","payload":{"payment":{"entity":{"amount":"1"}}}}' => 'ValidationError'] as $body => $cls) {
    eq(throws(fn () => R\parseEvent((string)$body)), "Erplink\\$cls", "parseEvent('$body')");
}
--EXPECT--
rotation gives the matching index: ok
current secret first: ok
Verifier: ok
no secret matches: ok
no secret or signature in the message: ok
verifyPayment with rotation: ok
verifySubscription (payment id first): ok
verifyPaymentLink with an empty reference: ok
uppercase signature: ok
| in an id: ok
no secret: ok
empty secret: ok
SIGNATURE_LEN: ok
event: ok
root and payload: ok
payment entity: ok
members: ok
a string is not an integer: ok
order entity: ok
absent entity: ok
no created_at: ok
a captured webhook: ok
an entity keeps its event alive: ok
parseEvent(''): ok
parseEvent('{'): ok
parseEvent('[]'): ok
parseEvent('{"event": 1}'): ok
parseEvent('{"event":"a","payload":{"payment":{"entity":{"amount":"1"}}}}'): ok
