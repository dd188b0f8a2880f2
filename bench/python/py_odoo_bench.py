#!/usr/bin/env python3
"""Driver of bench/run py_odoo_search_read (see py_odoo_search_read.sh).

    py_odoo_bench.py BUILD_DIR            runs every client, prints the JSON line
    py_odoo_bench.py --client NAME URL S  one client for S seconds, prints one JSON line
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ODOO = os.path.join(os.path.dirname(HERE), 'odoo')
FIELDS = ['id', 'name', 'default_code', 'list_price', 'standard_price', 'qty_available', 'categ_id', 'uom_id',
          'active', 'sale_ok', 'purchase_ok', 'barcode', 'description_sale', 'write_date', 'product_tmpl_id']
KEY = 'bench-api-key-0123456789'


def make_call(name, url):
    if name.startswith('erplink'):
        from erplink import odoo
        proto = name.split('_', 1)[1]
        c = odoo.Client(url, 'bench', 'admin', password='admin' if proto != 'json2' else None,
                        api_key=KEY if proto == 'json2' else None, protocol=proto)
        return lambda: c.search_read('product.product', [], FIELDS, limit=10000)
    if name == 'python_xmlrpc':
        import xmlrpc.client
        uid = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common').authenticate('bench', 'admin', 'admin', {})
        models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')
        return lambda: models.execute_kw('bench', uid, 'admin', 'product.product', 'search_read', [[]],
                                         {'fields': FIELDS, 'limit': 10000})
    if name == 'odoo_client_lib':
        import odoolib
        port = int(url.rsplit(':', 1)[1])
        conn = odoolib.get_connection(hostname='127.0.0.1', protocol='jsonrpc', port=port, database='bench',
                                      login='admin', password='admin')
        model = conn.get_model('product.product')
        # one execute_kw('search_read') through the library's model proxy (its own search_read()
        # helper sends search + read, two requests, for servers older than Odoo 8)
        search_read = type(model).__getattr__(model, 'search_read')
        return lambda: search_read([], fields=FIELDS, limit=10000)
    raise SystemExit('unknown client ' + name)


def one(name, url, secs):
    call = make_call(name, url)
    res = call()
    assert len(res) == 10000 and len(res[0]) == 15, (len(res), res[:1])
    calls, t0 = 0, time.perf_counter()
    while True:
        res = call()
        calls += 1
        if time.perf_counter() - t0 >= secs and calls >= 3:
            break
    el = time.perf_counter() - t0
    print(json.dumps({'calls': calls, 'seconds': round(el, 3), 'calls_per_s': round(calls / el, 2),
                      'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}))


def main():
    if sys.argv[1] == '--client':
        return one(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    build = os.path.abspath(sys.argv[1])
    secs = os.environ.get('ODOO_BENCH_SECONDS', '5')
    server_bin = os.path.join(build, 'bench', 'odoo', 'bench_odoo_server')
    tmp = tempfile.mkdtemp(prefix='py-odoo-bench-')
    subprocess.run([sys.executable, os.path.join(ODOO, 'make_responses.py'), tmp, 'search_read'], check=True,
                   stdout=subprocess.DEVNULL)
    srv = subprocess.Popen([server_bin, tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    url = 'http://127.0.0.1:%d' % int(srv.stdout.readline().split()[1])
    results = {}
    try:
        for name in ('erplink_xmlrpc', 'erplink_jsonrpc', 'erplink_json2', 'python_xmlrpc', 'odoo_client_lib'):
            p = subprocess.run([sys.executable, __file__, '--client', name, url, secs], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=900)
            if p.returncode != 0:
                print('  %s failed: %s' % (name, p.stderr.strip()[-400:]), file=sys.stderr)
                continue
            results[name] = json.loads(p.stdout.strip().splitlines()[-1])
            r = results[name]
            print('  %-16s %8.2f calls/s  %7.1f MB peak RSS' % (name, r['calls_per_s'], r['peak_rss_mb']),
                  file=sys.stderr)
    finally:
        srv.stdin.close()
        srv.wait(timeout=10)
    out = {'bench': 'py_odoo_search_read', 'unit': 'calls/s (10,000 records x 15 fields into dicts)',
           'erplink': results['erplink_xmlrpc']['calls_per_s']}
    for k in ('erplink_jsonrpc', 'erplink_json2', 'python_xmlrpc', 'odoo_client_lib'):
        if k in results:
            out[k] = results[k]['calls_per_s']
    for peer in ('python_xmlrpc', 'odoo_client_lib'):
        if peer in results:
            out['ratio_vs_' + peer] = round(out['erplink'] / out[peer], 2)
    if 'odoo_client_lib' in results:  # the same wire protocol as that peer
        out['ratio_jsonrpc_vs_odoo_client_lib'] = round(out['erplink_jsonrpc'] / out['odoo_client_lib'], 2)
    for k, r in results.items():
        out[k + '_peak_rss_mb'] = r['peak_rss_mb']
    print(json.dumps(out))


if __name__ == '__main__':
    main()
