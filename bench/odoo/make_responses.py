#!/usr/bin/env python3
"""Writes the pre-encoded answers of the Odoo benchmark server into DIR:

    make_responses.py DIR search_read|read_one

search_read: 10,000 product records x 15 fields (ints, doubles, booleans, many2one pairs,
false values, non-ASCII names, datetimes); read_one: one such record. Each answer exists in
the three wire formats (XML-RPC as Odoo marshals it, JSON-RPC envelope, bare JSON-2), plus
the authentication and version answers."""
import json
import os
import random
import sys
import xmlrpc.client as xc

FIELDS = ['id', 'name', 'default_code', 'list_price', 'standard_price', 'qty_available', 'categ_id', 'uom_id',
          'active', 'sale_ok', 'purchase_ok', 'barcode', 'description_sale', 'write_date', 'product_tmpl_id']
NAMES = ['Chaise de bureau', 'Große Lampe', 'Mesa de café', 'Étagère murale', 'Schreibtisch', 'Bureau d\'angle',
         'Sofá de dos plazas', 'Armoire à clés', 'Tapis persan', 'Kaffeemaschine ☕', '折りたたみ椅子', 'Стол']
CATEGS = [(1, 'All'), (8, 'All / Saleable / Office Furniture'), (9, 'All / Saleable / Lamps'), (5, 'All / Services')]


def record(i, rnd):
    return {
        'id': i, 'name': '%s %d' % (rnd.choice(NAMES), i), 'default_code': ('FURN_%05d' % i) if i % 7 else False,
        'list_price': round(rnd.uniform(1, 2000), 2), 'standard_price': round(rnd.uniform(1, 1500), 2),
        'qty_available': float(rnd.randint(0, 500)), 'categ_id': list(rnd.choice(CATEGS)), 'uom_id': [1, 'Units'],
        'active': True, 'sale_ok': bool(i % 5), 'purchase_ok': True,
        'barcode': ('%013d' % (4000000000000 + i)) if i % 3 == 0 else False,
        'description_sale': False if i % 4 else 'Livraison sous 48 h — montage inclus',
        'write_date': '2026-11-%02d %02d:%02d:%02d' % (1 + i % 28, i % 24, i % 60, (i * 7) % 60),
        'product_tmpl_id': [i, '%s %d' % (rnd.choice(NAMES), i)],
    }


def main():
    out, mode = sys.argv[1], sys.argv[2]
    rnd = random.Random(42)
    n = 10000 if mode == 'search_read' else 1
    data = [record(i + 1, rnd) for i in range(n)]
    os.makedirs(out, exist_ok=True)

    def w(name, body):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(body.encode('utf-8') if isinstance(body, str) else body)

    version = {'server_version': '17.0', 'server_version_info': [17, 0, 0, 'final', 0, ''],
               'server_serie': '17.0', 'protocol_version': 1}
    w('xmlrpc_data', xc.dumps((data,), methodresponse=True, allow_none=False, encoding='utf-8'))
    w('xmlrpc_auth', xc.dumps((2,), methodresponse=True, encoding='utf-8'))
    w('xmlrpc_version', xc.dumps((version,), methodresponse=True, encoding='utf-8'))
    w('jsonrpc_data', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': data}, ensure_ascii=False))
    w('jsonrpc_auth', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': 2}))
    w('jsonrpc_version', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': version}))
    w('json2_data', json.dumps(data, ensure_ascii=False))
    w('json2_uid', json.dumps({'lang': 'en_US', 'tz': 'Europe/Brussels', 'uid': 2}))
    w('web_version', json.dumps({'version_info': [19, 0, 0, 'final', 0, ''], 'version': '19.0'}))
    print(len(data), 'records x', len(FIELDS), 'fields')


if __name__ == '__main__':
    main()
