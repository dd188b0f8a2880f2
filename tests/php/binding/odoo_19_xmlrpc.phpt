--TEST--
Odoo 19 over xmlrpc: every method of Erplink\Odoo\Client, the cursor generator
--FILE--
<?php
require __DIR__ . '/_odoo_orm.inc';
orm_suite(19, 'xmlrpc');
--EXPECT--
protocol: ok
serverVersion: ok
version: ok
authenticate: ok
search ids, ordered: ok
offset and limit: ok
searchCount: ok
read: ok
read a lone id: ok
searchRead: ok
fieldsGet: ok
nameSearch: ok
readGroup: ok
create one: ok
create many: ok
write: ok
unlink: ok
executeKw: ok
executeKw idempotent with kwargs: ok
executeKw with a domain: ok
iterSearchRead: every record, in id order, keys 0..n-1: ok
generator: first record: ok
an exception in the loop body leaves it: ok
close() stops open generators: ok
a closed client: ok
closed twice: ok
