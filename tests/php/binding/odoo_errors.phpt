--TEST--
Odoo errors: each class with its fields (auth, access, not found, validation, server, conflict, protocol, network, timeout), retries, invalid arguments
--FILE--
<?php
require __DIR__ . '/_common.inc';
use Erplink\Odoo\Client;
use Erplink\Transport;

foreach ([[17, 'xmlrpc'], [17, 'jsonrpc'], [19, 'json2']] as [$v, $p]) {
    $c = odoo($v, $p, apiKey: str_repeat('0', 40));
    eq(throws(fn () => $c->authenticate(), $e), 'Erplink\AuthError', "AuthError $v $p");
    ok($e->category === 'auth' && $e->getCode() === Erplink\EAUTH && !str_contains($e->getMessage(), str_repeat('0', 40)), "  code, category, no key in the message");
}
$c = odoo(19, 'jsonrpc', login: 'demo', apiKey: null, password: 'demo');
eq(throws(fn () => $c->write('res.users', [2], ['name' => 'x']), $e), 'Erplink\AccessError', 'AccessError');
eq($e->remoteClass, 'odoo.exceptions.AccessError', '  remoteClass');
$c = odoo(19, 'json2');
eq(throws(fn () => $c->search('no.such.model'), $e), 'Erplink\NotFoundError', 'NotFoundError on JSON-2');
eq($e->httpStatus, 404, '  httpStatus');
$c = odoo(19, 'jsonrpc');
eq(throws(fn () => $c->write('res.partner', [987654], ['name' => 'x']), $e), 'Erplink\NotFoundError', 'MissingError');
eq($e->remoteClass, 'odoo.exceptions.MissingError', '  remoteClass');
eq(throws(fn () => $c->executeKw('no.such.model', 'search', [[]])), 'Erplink\ValidationError', 'ValidationError (UserError)');
eq(throws(fn () => $c->executeKw('res.partner', 'search', [[]], ['no_such_kw' => 1]), $e), 'Erplink\ServerError', 'ServerError');
ok(is_string($e->detail) && str_contains($e->detail, 'Traceback'), '  detail is the server traceback');
$pid = $c->create('res.partner', ['name' => 'lock']);
eq(throws(fn () => $c->write('res.partner', [$pid], ['x_simulate_lock' => true])), 'Erplink\ConflictError', 'ConflictError');
$c = new Client(odoo_url(17), 'nodb', 'admin', password: 'admin', protocol: 'xmlrpc');
eq(throws(fn () => $c->authenticate(), $e), 'Erplink\ProtocolError', 'ProtocolError: a database that does not exist');
ok(str_contains($e->getMessage(), 'nodb'), '  the message names it');
$c = new Client(odoo_url(17) . '/__fault__/html/5/' . fkey('html'), 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc');
eq(throws(fn () => $c->search('res.partner'), $e), 'Erplink\ProtocolError', 'ProtocolError: an HTML page');
ok(str_contains($e->getMessage(), 'HTML'), '  the message says HTML');
$c = new Client('http://127.0.0.1:9', 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc', transport: new Transport(maxAttempts: 1));
eq(throws(fn () => $c->search('res.partner'), $e), 'Erplink\NetworkError', 'NetworkError');
ok($e->codeName === 'ECONNECT' && Erplink\errorRetryable($e->code), '  ECONNECT, retryable');
$c = new Client(odoo_url(17) . '/__fault__/stall/5/' . fkey('stall'), 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc',
                timeout: 0.5, transport: new Transport(maxAttempts: 1));
$c->authenticate();
eq(throws(fn () => $c->search('res.partner')), 'Erplink\TimeoutError', 'TimeoutError');
$c = new Client(odoo_url(17) . '/__fault__/gateway/1/' . fkey('retry'), 'demo17', 'admin', password: 'admin', protocol: 'xmlrpc',
                transport: new Transport(backoffMs: [0, 0]));
ok($c->searchCount('res.partner') > 0, 'an idempotent call is retried after a 502');

eq(throws(fn () => new Client(odoo_url(17), 'demo17', 'admin')), 'Erplink\InvalidArgumentError', 'no password nor key');
eq(throws(fn () => new Client('ftp://x', 'demo17', 'admin', password: 'x')), 'Erplink\InvalidArgumentError', 'not an http URL');
eq(throws(fn () => new Client(odoo_url(17), 'demo17', 'admin', password: 'x', protocol: 'soap')), 'Erplink\InvalidArgumentError', 'unknown protocol');
eq(throws(fn () => new Client(odoo_url(17), 'demo17', 'admin', password: 'x', context: ['active_test' => false])), 'Erplink\InvalidArgumentError', 'unknown context key');
$c = odoo(17, 'jsonrpc', context: ['lang' => 'en_US', 'tz' => 'Europe/Brussels', 'allowed_company_ids' => [1]]);
ok($c->searchCount('res.partner') > 0, 'default context');
$c = odoo(17, 'xmlrpc');
eq(throws(fn () => $c->read('res.partner', [1], ['name', 3])), 'TypeError', 'a non-string field name');
eq(throws(fn () => $c->read('res.partner', ['1'])), 'TypeError', 'a string id');
eq(throws(fn () => $c->search('res.partner', [['name', '=', new SplObjectStorage()]])), 'Erplink\InvalidArgumentError', 'a value without an erplink type');
eq(throws(fn () => $c->search("res\0partner")), 'Erplink\InvalidArgumentError', 'NUL in the model');
eq(throws(fn () => $c->readGroup('res.partner', [], [], [])), 'Erplink\InvalidArgumentError', 'readGroup without groupby');
eq(throws(fn () => odoo(17, 'xmlrpc', transport: new Transport(maxAttempts: 0))), 'Erplink\InvalidArgumentError', 'maxAttempts 0');
eq(throws(fn () => odoo(17, 'xmlrpc', transport: new Transport(userAgent: "bad\nagent"))), 'Erplink\InvalidArgumentError', 'a user agent with a newline');
$c = odoo(17, 'xmlrpc', transport: new Transport(maxResponseBytes: 64));
eq(throws(fn () => $c->searchRead('res.partner'), $e), 'Erplink\ProtocolError', 'a response over maxResponseBytes');
eq($e->codeName, 'ETOOLARGE', '  ETOOLARGE');
--EXPECT--
AuthError 17 xmlrpc: ok
  code, category, no key in the message: ok
AuthError 17 jsonrpc: ok
  code, category, no key in the message: ok
AuthError 19 json2: ok
  code, category, no key in the message: ok
AccessError: ok
  remoteClass: ok
NotFoundError on JSON-2: ok
  httpStatus: ok
MissingError: ok
  remoteClass: ok
ValidationError (UserError): ok
ServerError: ok
  detail is the server traceback: ok
ConflictError: ok
ProtocolError: a database that does not exist: ok
  the message names it: ok
ProtocolError: an HTML page: ok
  the message says HTML: ok
NetworkError: ok
  ECONNECT, retryable: ok
TimeoutError: ok
an idempotent call is retried after a 502: ok
no password nor key: ok
not an http URL: ok
unknown protocol: ok
unknown context key: ok
default context: ok
a non-string field name: ok
a string id: ok
a value without an erplink type: ok
NUL in the model: ok
readGroup without groupby: ok
maxAttempts 0: ok
a user agent with a newline: ok
a response over maxResponseBytes: ok
  ETOOLARGE: ok
