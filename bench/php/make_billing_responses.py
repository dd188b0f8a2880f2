#!/usr/bin/env python3
"""Writes the pre-encoded answers of bench/odoo's bench_odoo_server for bench/run portal_billing:

    make_billing_responses.py DIR [N]

The server answers every data call with the same bytes, so the records carry the fields of
both calls of the portal's billing endpoint (account.move invoices and account.payment
payments): N records (default 500: a customer with a long history) as Odoo 17 JSON-RPC sends
them. The XML-RPC and JSON-2 files the server also loads are the same data."""
import json
import os
import random
import sys
import xmlrpc.client as xc


def record(i, rnd):
    due = '2025-%02d-%02d' % (1 + i % 12, 1 + i % 28)
    total = round(rnd.uniform(20, 5000), 2)
    paid = rnd.random() < 0.6
    return {
        'id': 100000 + i, 'name': 'INV/2025/%05d' % i, 'invoice_date': '2025-%02d-01' % (1 + i % 12),
        'invoice_date_due': due if i % 10 else '2099-12-31', 'amount_total': total,
        'amount_residual': 0.0 if paid else round(total * rnd.choice((1.0, 0.5, 0.25)), 2),
        'payment_state': 'paid' if paid else rnd.choice(('not_paid', 'partial')), 'currency_id': [1, 'USD'],
        'date': '2025-%02d-%02d' % (1 + i % 12, 1 + i % 27), 'amount': total, 'state': 'posted',
    }


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    rnd = random.Random(18)
    data = [record(i, rnd) for i in range(n)]
    os.makedirs(out, exist_ok=True)

    def w(name, body):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(body.encode('utf-8'))

    version = {'server_version': '17.0', 'server_version_info': [17, 0, 0, 'final', 0, ''],
               'server_serie': '17.0', 'protocol_version': 1}
    w('jsonrpc_data', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': data}, ensure_ascii=False))
    w('jsonrpc_auth', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': 2}))
    w('jsonrpc_version', json.dumps({'jsonrpc': '2.0', 'id': 1, 'result': version}))
    w('xmlrpc_data', xc.dumps((data,), methodresponse=True, allow_none=False, encoding='utf-8'))
    w('xmlrpc_auth', xc.dumps((2,), methodresponse=True, encoding='utf-8'))
    w('xmlrpc_version', xc.dumps((version,), methodresponse=True, encoding='utf-8'))
    w('json2_data', json.dumps(data, ensure_ascii=False))
    w('json2_uid', json.dumps({'lang': 'en_US', 'tz': 'Europe/Brussels', 'uid': 2}))
    w('web_version', json.dumps({'version_info': [17, 0, 0, 'final', 0, ''], 'version': '17.0'}))
    print(len(data), 'billing records', file=sys.stderr)


if __name__ == '__main__':
    main()
