--TEST--
version(), versionNumber() are the C library's (include/erplink/version.h)
--FILE--
<?php
require __DIR__ . '/_common.inc';
$h = file_get_contents(ROOT . '/include/erplink/version.h');
preg_match('/#define ERPLINK_VERSION "([^"]+)"/', $h, $m);
eq(Erplink\version(), $m[1] ?? null, 'version string');
preg_match_all('/#define ERPLINK_VERSION_(MAJOR|MINOR|PATCH) (\d+)/', $h, $p);
$v = array_combine($p[1], array_map('intval', $p[2]));
eq(Erplink\versionNumber(), $v['MAJOR'] * 10000 + $v['MINOR'] * 100 + $v['PATCH'], 'version number');
ok(extension_loaded('erplink') && function_exists('erplink_odoo_client_new'), 'extension loaded');
ok(!function_exists('version') && !defined('EINVAL') && defined('Erplink\EINVAL'), 'nothing unprefixed in the global namespace');
--EXPECT--
version string: ok
version number: ok
extension loaded: ok
nothing unprefixed in the global namespace: ok
