#!/usr/bin/env python3
"""Python peer of the Odoo client benchmarks (xmlrpc.client.ServerProxy, the documented way):
    py_client.py URL search_read|read_one SECONDS   -> one JSON line like bench_odoo."""
import json
import resource
import sys
import time
import xmlrpc.client

FIELDS = ['id', 'name', 'default_code', 'list_price', 'standard_price', 'qty_available', 'categ_id', 'uom_id',
          'active', 'sale_ok', 'purchase_ok', 'barcode', 'description_sale', 'write_date', 'product_tmpl_id']


def main():
    url, mode, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    common = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common')
    uid = common.authenticate('bench', 'admin', 'admin', {})
    models = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object')

    def call():
        if mode == 'search_read':
            return models.execute_kw('bench', uid, 'admin', 'product.product', 'search_read', [[]],
                                     {'fields': FIELDS, 'limit': 10000})
        return models.execute_kw('bench', uid, 'admin', 'product.product', 'read', [[1]], {'fields': FIELDS})

    call()
    calls, t0 = 0, time.perf_counter()
    while True:
        res = call()
        calls += 1
        if time.perf_counter() - t0 >= secs and calls >= 3:
            break
    el = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({'calls': calls, 'seconds': round(el, 3), 'calls_per_s': round(calls / el, 2),
                      'records': len(res), 'peak_rss_mb': round(rss, 1)}))


if __name__ == '__main__':
    main()
