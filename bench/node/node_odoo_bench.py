#!/usr/bin/env python3
"""Driver of bench/run node_odoo_search_read (see node_odoo_search_read.sh): erplink's Node binding
(XML-RPC, JSON-RPC, JSON-2) vs odoo-await (XML-RPC), search_read of 10,000 records x 15 fields into
JavaScript objects, against the same loopback server answering from pre-encoded bytes
(bench/odoo/bench_odoo_server, responses from bench/odoo/make_responses.py), each client in its
own process for ODOO_BENCH_SECONDS (default 5) after one warm-up call.

    node_odoo_bench.py BUILD_DIR NODE_PEERS_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ODOO = os.path.join(os.path.dirname(HERE), 'odoo')


def run(cmd, timeout=600):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)
    if p.returncode != 0:
        raise RuntimeError('%s failed: %s' % (' '.join(cmd[:3]), p.stderr.strip()[-500:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    build, peers = os.path.abspath(sys.argv[1]), sys.argv[2]
    secs = os.environ.get('ODOO_BENCH_SECONDS', '5')
    server_bin = os.path.join(build, 'bench', 'odoo', 'bench_odoo_server')
    tmp = tempfile.mkdtemp(prefix='node-odoo-bench-')
    try:
        subprocess.run([sys.executable, os.path.join(ODOO, 'make_responses.py'), tmp, 'search_read'], check=True,
                       stdout=subprocess.DEVNULL)
        srv = subprocess.Popen([server_bin, tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        port = int(srv.stdout.readline().split()[1])
        url = 'http://127.0.0.1:%d' % port
        results = {}
        try:
            for proto in ('xmlrpc', 'jsonrpc', 'json2'):
                results['erplink_' + proto] = run(['node', os.path.join(HERE, 'erplink_odoo_client.js'), url, proto,
                                                   secs])
            results['odoo_await'] = run(['node', os.path.join(ODOO, 'node_client.js'), peers, url, 'search_read',
                                         secs])
        finally:
            srv.stdin.close()
            srv.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('node_odoo_search_read (10,000 records x 15 fields into JS objects), calls/s and peak RSS, same server:')
    for k, r in results.items():
        print('  %-16s %10.2f calls/s  %7.1f MB peak RSS  (%d calls in %.1f s)' %
              (k, r['calls_per_s'], r['peak_rss_mb'], r['calls'], r['seconds']))
    out = {'bench': 'node_odoo_search_read', 'unit': 'calls/s'}
    out['erplink'] = round(results['erplink_xmlrpc']['calls_per_s'], 2)  # the same protocol as odoo-await
    for proto in ('jsonrpc', 'json2'):
        out['erplink_' + proto] = round(results['erplink_' + proto]['calls_per_s'], 2)
    out['odoo_await'] = round(results['odoo_await']['calls_per_s'], 2)
    out['ratio_vs_odoo_await'] = round(out['erplink'] / out['odoo_await'], 2)
    out['ratio_json2_vs_odoo_await'] = round(out['erplink_json2'] / out['odoo_await'], 2)
    out['target_ratio_vs_odoo_await'] = 10
    for k, r in results.items():
        out[k + '_peak_rss_mb'] = round(r['peak_rss_mb'], 1)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
