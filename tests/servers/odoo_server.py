#!/usr/bin/env python3
"""Odoo-compatible test server for erplink (Python 3 stdlib only).

Speaks the three Odoo external APIs the way the captured real servers do (see
tests/fixtures/odoo17 and odoo19 (copied from shared/fixtures), and tests/odoo/replay_fixtures.py which keeps
this file honest):

  POST /xmlrpc/2/common|object|db   XML-RPC, integer fault codes 1/2/3/4
  POST /xmlrpc/common|object|db     legacy XML-RPC, string fault codes
  POST /jsonrpc                     JSON-RPC 2.0 envelope, error code 200 (17) / 0 (19)
  POST /json/2/<model>/<method>     JSON-2 (--version 19 only), bearer API keys
  GET  /web/version, /json/version  (19 only)
  GET  /doc-bearer/<model>.json, /doc-bearer/index.json   api_doc (19 only, bearer key): the
                                    real shape, built from the simulator's fields_get data and
                                    the methods it implements (signatures, no docstrings)

Methods: search, search_count, search_read, read, create, write, unlink, copy, fields_get,
name_search, name_create, read_group, default_get, context_get, action_archive/unarchive,
check_access_rule, has_group, action_confirm, and the web client's web_read / web_search_read
(specification dicts) and formatted_read_group (19). A context "lang" other than en_US
returns the translations seeded from the transcripts (else the stored value). execute_kw takes
each version's own keyword names and answers Python's TypeError for others, as Odoo does (17:
name_search(name, args, operator, limit), default_get(fields_list), res.partner's
default_get(default_fields); 19: domain and fields; see RPC_NAMES). A path no controller serves
gets Odoo's real HTML 404 page, or on 19 without a database selected its "No database is
selected" page (both read from the transcripts, see PAGES).

Usage: odoo_server.py --port 0 [--version 17|19] [--fixtures DIR] [--products N]
                      [--seed FILE]... [--keepalive]
Prints "PORT <n>" once listening and exits when stdin reaches EOF.

Data: without --fixtures a small built-in data set (products, partners, sale orders) is
used; with --fixtures DIR (the folder holding odoo17/ and odoo19/) the records and field
metadata are seeded from the read/search_read/fields_get answers in the captured
transcripts of that version, so the fixture scenarios can be replayed; then a few invented
filler records (_filler(): names say "Simulated" where nothing is known) make the counts,
groups and orderings of the captured aggregate answers come out right. --products N adds N
generated product.product records (ids from 1000001) cheaply, for streaming tests.
--seed FILE (repeatable) adds records after that: a JSON object {model: [record, ...]} with
records in read format (many2one as [id, display_name]; a record replaces the one of the same
id), and an optional "__fields__": {model: {field: fields_get attributes}} that declares
fields (and so makes a model without records exist), e.g. tests/php/portal_seed.json.

Test hooks (not Odoo): POST /__sim__/next_id {"model": m, "id": n} sets the id the next
create on model m gets; GET /__sim__/last_request returns the body of the last RPC request;
GET /__sim__/stats returns {"requests": n}.

Fault injection (tests of retries; a path prefix, so the client's base URL carries it):
  /__fault__/<mode>/<n>/<key>/<real path>
makes the first <n> *data* calls under <key> (XML-RPC object service, JSON-RPC object
service, JSON-2 methods other than res.users/context_get; authentication is not touched)
fail with <mode>: reset (headers promising 1000 bytes, 10 bytes, then TCP RST), stall
(no answer for 3 s, then served), html (200 text/html login page), gateway (502 HTML),
redirect (303 to /web/login), empty (200 with an empty body). GET /__sim__/hits?key=K
tells how many data calls arrived under K. A write whose values hold "x_simulate_lock"
raises LockError (19) / psycopg2 LockNotAvailable (17).
"""
import argparse
import bisect
import datetime
import glob
import hashlib
import json
import os
import socket
import struct
import time
import re
import sys
import threading
import traceback
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serverkit  # noqa: E402  (the PORT line, stdin-EOF exit)

# ---------------------------------------------------------------------------------------
# Exceptions, named like Odoo's (the wire shows module.Class)


class OdooException(Exception):
    odoo_name = 'odoo.exceptions.UserError'

    def __init__(self, message):
        super().__init__(message)


def _exc_class(name):
    mod, _, cls = name.rpartition('.')
    k = type(cls, (OdooException,), {'odoo_name': name})
    k.__module__ = mod
    return k


UserError = _exc_class('odoo.exceptions.UserError')
ValidationError = type('ValidationError', (UserError,), {'odoo_name': 'odoo.exceptions.ValidationError'})
ValidationError.__module__ = 'odoo.exceptions'
MissingError = type('MissingError', (UserError,), {'odoo_name': 'odoo.exceptions.MissingError'})
MissingError.__module__ = 'odoo.exceptions'
LockError = type('LockError', (UserError,), {'odoo_name': 'odoo.exceptions.LockError'})
LockError.__module__ = 'odoo.exceptions'
AccessError = _exc_class('odoo.exceptions.AccessError')
AccessDenied = _exc_class('odoo.exceptions.AccessDenied')
OperationalError = _exc_class('psycopg2.OperationalError')
NumericValueOutOfRange = _exc_class('psycopg2.errors.NumericValueOutOfRange')
InvalidTextRepresentation = _exc_class('psycopg2.errors.InvalidTextRepresentation')
LockNotAvailable = _exc_class('psycopg2.errors.LockNotAvailable')


class HttpError(Exception):
    """A werkzeug HTTPException as JSON-2 reports it (str() like werkzeug's)."""

    def __init__(self, status, cls, message):
        super().__init__(message, status)
        self.status = status
        self.cls = cls
        self.message = message

    def __str__(self):
        return '%d %s: %s' % (self.status, HTTP_TITLES.get(self.status, ''), self.message)


HTTP_TITLES = {400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 422: 'Unprocessable Entity'}
_HTTP_CLASSES = {}


def http_error(status, cls, message):
    k = _HTTP_CLASSES.get(cls)
    if k is None:
        k = _HTTP_CLASSES[cls] = type(cls, (HttpError,), {})
        k.__module__ = 'werkzeug.exceptions'
    return k(status, cls, message)


def exc_name(e):
    if isinstance(e, OdooException):
        return e.odoo_name
    if isinstance(e, HttpError):
        return 'werkzeug.exceptions.' + e.cls
    mod = type(e).__module__
    return ('builtins' if mod == 'builtins' else mod) + '.' + type(e).__qualname__


def exc_message(e):
    if isinstance(e, HttpError):
        return e.message
    if isinstance(e, KeyError) and e.args:
        return str(e.args[0])
    return str(e)


def exc_traceback(e):
    return ''.join(traceback.format_exception(type(e), e, e.__traceback__))


# ---------------------------------------------------------------------------------------
# Data

VERSIONS = {
    17: {
        'db': 'demo17', 'dbs': ['demo17'], 'allow': 'POST, OPTIONS', 'serie': '17.0', 'info': [17, 0, 0, 'final', 0, ''], 'jsonrpc_code': 200,
        'users': {'admin': (2, 'admin'), 'demo': (6, 'demo')},
        'keys': {'f32f735cb7f82805c95056b62583379a9aabd47f': 2},
        'expired_keys': set(),
        'groups_text': 'Administration/Access Rights',
        'private': set(),
    },
    19: {
        'db': 'demo19', 'dbs': ['demo17', 'demo19'], 'allow': 'OPTIONS, POST', 'serie': '19.0', 'info': [19, 0, 0, 'final', 0, ''], 'jsonrpc_code': 0,
        'users': {'admin': (2, 'admin'), 'demo': (5, 'demo')},
        'keys': {'dad028985f488ca4b0f7f8f7b556a00a30762b32': 2, '94ccef786a0b25cfed33c498b8b117fff7bc629a': 5},
        'expired_keys': {'f41c2e7aabb2f663af9c1f67a6d9fe17e68eb1a9'},
        'groups_text': 'Access Rights',
        'private': {'exists', 'check_access', 'sudo', 'with_user', 'with_context', 'browse', 'env'},
    },
}

MODEL_LABELS = {'res.users': 'User', 'ir.config_parameter': 'System Parameter',
                'res.partner': 'Contact', 'product.template': 'Product'}

# JSON-2 named parameters of the standard methods (ids travel separately).
SIGNATURES = {
    'search': (['domain', 'offset', 'limit', 'order'], ['domain'], True),
    'search_count': (['domain', 'limit'], ['domain'], True),
    'search_read': (['domain', 'fields', 'offset', 'limit', 'order', 'load'], [], True),
    'read': (['fields', 'load'], [], False),
    'create': (['vals_list'], ['vals_list'], True),
    'write': (['vals'], ['vals'], False),
    'unlink': ([], [], False),
    'copy': (['default'], [], False),
    'fields_get': (['allfields', 'attributes'], [], True),
    'name_search': (['name', 'domain', 'operator', 'limit'], [], True),
    'name_create': (['name'], ['name'], True),
    'read_group': (['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
                   ['domain', 'fields', 'groupby'], True),
    'default_get': (['fields'], ['fields'], True),
    'context_get': ([], [], True),
    'action_archive': ([], [], False),
    'action_unarchive': ([], [], False),
    'check_access_rule': (['operation'], ['operation'], False),
    'has_group': (['group_ext_id'], ['group_ext_id'], False),
    'action_confirm': ([], [], False),
    'web_read': (['specification'], ['specification'], False),
    'web_search_read': (['domain', 'specification', 'offset', 'limit', 'order', 'count_limit'],
                        ['domain', 'specification'], True),
    'formatted_read_group': (['domain', 'groupby', 'aggregates', 'having', 'offset', 'limit', 'order'],
                             ['domain'], True),
}
# methods that only exist from a given version on
SINCE = {'formatted_read_group': 19}
# positional/keyword aliases used by execute_kw (Odoo's real names)
KW_ALIASES = {'fields_get': {'fields': 'allfields'}}
# The keyword names execute_kw takes where a version names a parameter otherwise than
# SIGNATURES (Odoo 19, whose names JSON-2 uses): {version: {method: {name: real name}}}, read
# from each version's odoo/models.py: Odoo 16, 17 and 18 call name_search's domain "args" and
# default_get's parameter "fields_list"; 19 renamed them "domain" and "fields".
RPC_NAMES = {17: {'name_search': {'domain': 'args'}, 'default_get': {'fields': 'fields_list'}}}
# ... and where a model's override names it otherwise again: {(version, model, method): ...}
# (odoo/addons/base/models/res_partner.py of 17: Partner.default_get(self, default_fields)).
MODEL_RPC_NAMES = {(17, 'res.partner', 'default_get'): ('Partner', {'fields': 'default_fields'})}

BUILTIN = {
    'product.product': [
        {'id': 1, 'name': 'Office Chair', 'default_code': 'FURN_0001', 'list_price': 120.5,
         'qty_available': 14.0, 'active': True, 'sale_ok': True, 'categ_id': [8, 'All / Saleable / Office Furniture'],
         'create_date': '2026-11-20 09:00:00'},
        {'id': 2, 'name': 'Large Desk', 'default_code': 'DESK0001', 'list_price': 295.0,
         'qty_available': 3.0, 'active': True, 'sale_ok': True, 'categ_id': [8, 'All / Saleable / Office Furniture'],
         'create_date': '2026-11-20 09:00:01'},
        {'id': 3, 'name': 'Corner Desk', 'default_code': 'DESK0002', 'list_price': 85.0,
         'qty_available': 0.0, 'active': True, 'sale_ok': True, 'categ_id': [8, 'All / Saleable / Office Furniture'],
         'create_date': '2026-11-20 09:00:02'},
        {'id': 4, 'name': 'Café Lamp ✓', 'default_code': False, 'list_price': 19.99,
         'qty_available': 40.0, 'active': True, 'sale_ok': True, 'categ_id': [1, 'All'],
         'create_date': '2026-11-20 09:00:03'},
        {'id': 5, 'name': 'Retired Cabinet', 'default_code': 'CAB0001', 'list_price': 140.0,
         'qty_available': 0.0, 'active': False, 'sale_ok': False, 'categ_id': [1, 'All'],
         'create_date': '2026-11-20 09:00:04'},
    ],
    'res.partner': [
        {'id': 1, 'name': 'YourCompany', 'is_company': True, 'email': 'info@yourcompany.example.com',
         'parent_id': False, 'child_ids': [], 'country_id': [233, 'United States'], 'active': True,
         'phone': False, 'comment': False, 'color': 0, 'category_id': [], 'type': 'contact'},
        {'id': 10, 'name': 'Deco Addict', 'is_company': True, 'email': 'deco.addict82@example.com',
         'parent_id': False, 'child_ids': [18], 'country_id': [233, 'United States'], 'active': True,
         'phone': '(603)-996-3829', 'comment': False, 'color': 0, 'category_id': [], 'type': 'contact'},
        {'id': 18, 'name': 'Douglas Fletcher', 'is_company': False, 'email': 'douglas.fletcher51@example.com',
         'parent_id': [10, 'Deco Addict'], 'child_ids': [], 'country_id': [233, 'United States'], 'active': True,
         'phone': False, 'comment': False, 'color': 0, 'category_id': [], 'type': 'contact'},
    ],
    'sale.order': [
        {'id': 4, 'name': 'S00004', 'state': 'sale', 'partner_id': [10, 'Deco Addict'],
         'amount_total': 1799.0, 'date_order': '2026-11-21 10:37:37', 'validity_date': '2026-12-21',
         'order_line': [], 'note': False},
        {'id': 5, 'name': 'S00005', 'state': 'draft', 'partner_id': [18, 'Deco Addict, Douglas Fletcher'],
         'amount_total': 250.0, 'date_order': '2026-11-21 10:38:00', 'validity_date': False,
         'order_line': [], 'note': False},
    ],
    'res.users': [
        {'id': 2, 'name': 'Mitchell Admin', 'login': 'admin', 'active': True, 'share': False},
        {'id': 6, 'name': 'Marc Demo', 'login': 'demo', 'active': True, 'share': False},
    ],
    'res.currency': [{'id': 1, 'name': 'USD', 'symbol': '$', 'active': True}],
    'product.template': [],
    'res.partner.category': [],
    'ir.config_parameter': [],
}

GROUPABLE_SUM_TYPES = (int, float)

# _order of the comodels whose x2many values the simulator computes (create/write commands).
X2MANY_ORDER = {'res.partner.category': [('name', False), ('id', False)]}


def _filler(version):
    """Invented records added to the --fixtures data set (never used without --fixtures).

    The captured transcripts only show a few records of each model, yet some captured answers
    are aggregates over every record of the real database (counts, groups, pagination, the
    _order of a many2many). The records below are plausible stand-ins for the records the
    transcripts never show, chosen so that those aggregates come out as captured. They never
    override a value a transcript shows (seeded values win: Store.apply_filler uses setdefault),
    names of wholly invented records say "Simulated", and every other case keeps passing.
    """
    f = {}
    if version == 17:
        # sale.order read_group by state (execute_kw_read_group): draft 4 orders / 6290.51,
        # sale 19 / 31809.61, sent 1 / 2001.0. Order 4 (sale, 2576.0) is captured.
        so = []
        partners = [[10, 'Deco Addict'], [12, 'Ready Mat'], [13, 'The Jackson Group'], [14, 'Azure Interior']]
        rows = ([('draft', 1500.0)] * 3 + [('draft', 1790.51)] + [('sale', 1600.0)] * 17 + [('sale', 2033.61)]
                + [('sent', 2001.0)])
        ids = [i for i in range(1, 30) if i != 4][:len(rows)]
        for n, (rid, (state, total)) in enumerate(zip(ids, rows)):
            so.append({'id': rid, 'name': 'S%05d' % rid, 'state': state, 'amount_total': total,
                       'partner_id': partners[n % len(partners)], 'date_order': '2026-10-%02d 09:00:00' % (1 + n),
                       'order_line': [], 'note': False})
        f['sale.order'] = so
        # the read-back of a created partner lists its tags [3, 2]: res.partner.category is
        # ordered by name, so 3 sorts before 2 (the names are invented)
        f['res.partner.category'] = [{'id': 2, 'name': 'Prospects', 'display_name': 'Prospects', 'active': True},
                                     {'id': 3, 'name': 'Employees', 'display_name': 'Employees', 'active': True}]
        return f
    # -- 19 --------------------------------------------------------------------------------
    # res.partner: 41 active partners of which 12 companies (search_count cases); companies
    # ordered by name start with [9 Acme Corporation, 15, 10 Gemini Furniture] (07_search_ids);
    # no invented display name contains "Acme" (20_name_search); 7 = "YourCompany, Joel Willis",
    # 10 = Gemini Furniture and 16 = Lumber Inc are named by the captured read_group answers;
    # 8, 10, 11 carry the tag 7 (05_read_all_fields_small_model lists its partner_ids).
    rp = []
    def company(rid, name, **kw):
        r = {'id': rid, 'name': name, 'display_name': name, 'complete_name': name, 'is_company': True,
             'active': True, 'type': 'contact', 'parent_id': False, 'child_ids': [], 'category_id': [],
             'email': False, 'phone': False, 'comment': False}
        r.update(kw)
        rp.append(r)
        return r
    company(1, 'YourCompany', child_ids=[7])
    company(8, 'Simulated Company 8', category_id=[7])
    company(10, 'Gemini Furniture', category_id=[7])
    company(11, 'Simulated Company 11', category_id=[7])
    company(15, 'Azure Interior')          # must sort between Acme Corporation and Gemini Furniture
    company(16, 'Lumber Inc')
    owners = [company(rid, 'Simulated Company %d' % rid) for rid in (12, 13, 14, 17, 18)]
    contacts = [(7, 'Joel Willis', rp[0])]
    for n, rid in enumerate([3, 4, 5, 6] + list(range(21, 36)) + list(range(37, 43))):
        contacts.append((rid, 'Simulated Contact %d' % rid, owners[n % len(owners)]))
    for rid, name, parent in contacts:
        dn = '%s, %s' % (parent['name'], name)
        rp.append({'id': rid, 'name': name, 'display_name': dn, 'complete_name': dn, 'is_company': False,
                   'active': True, 'type': 'contact', 'parent_id': [parent['id'], parent['name']], 'child_ids': [],
                   'category_id': [], 'email': False, 'phone': False, 'comment': False})
        if rid not in parent['child_ids']:
            parent['child_ids'].append(rid)
    f['res.partner'] = rp
    # sale.order grouped by partner over state = sale (26_formatted_read_group, 27_read_group):
    # Gemini Furniture 17 orders / 23963.0 (with the captured order 4, 2240.0), Lumber Inc 1 /
    # 750.0, YourCompany, Joel Willis 1 / 2947.5. Order 3 is confirmed by 30_action_confirm
    # later on, so it is still a quotation then.
    so = [{'id': 4, 'partner_id': [10, 'Gemini Furniture']}]
    rows = [([10, 'Gemini Furniture'], 1357.0)] * 15 + [([10, 'Gemini Furniture'], 1368.0),
                                                         ([16, 'Lumber Inc'], 750.0),
                                                         ([7, 'YourCompany, Joel Willis'], 2947.5)]
    for n, (partner, total) in enumerate(rows):
        rid = 5 + n
        so.append({'id': rid, 'name': 'S%05d' % rid, 'state': 'sale', 'partner_id': partner, 'amount_total': total,
                   'date_order': '2026-10-%02d 09:00:00' % (1 + n), 'order_line': [], 'note': False})
    f['sale.order'] = so
    # product.template: 36 saleable templates (29_web_search_read length); ordered by
    # list_price desc, offset 5 gives [13, 27, 22] (02_search_read_offset_order): five cost more
    # than 1799.0 and none between 885.0 and 1799.0; ids 1-5 stay the first saleable ones.
    pt = [{'id': rid, 'sale_ok': True, 'active': True} for rid in (13, 22, 27)]
    for n, price in zip((6, 7, 8, 9, 10), (1950.0, 2100.0, 2450.0, 3200.0, 4000.0)):
        pt.append({'id': n, 'name': 'Simulated Product %d' % n, 'list_price': price, 'sale_ok': True, 'active': True,
                   'default_code': False, 'type': 'consu', 'categ_id': [1, 'All']})
    for n, rid in enumerate([11, 12] + list(range(14, 22)) + list(range(23, 27)) + list(range(28, 37))):
        pt.append({'id': rid, 'name': 'Simulated Product %d' % rid, 'list_price': float(10 + 25 * n),
                   'sale_ok': True, 'active': True, 'default_code': False, 'type': 'consu', 'categ_id': [1, 'All']})
    f['product.template'] = pt
    # the read-back of partner 45 lists its tags [7, 6, 5] (res.partner.category _order: name;
    # 7 is "Desk Manufacturers", the names of 5 and 6 are invented)
    f['res.partner.category'] = [{'id': 5, 'name': 'Prospects', 'display_name': 'Prospects', 'active': True},
                                 {'id': 6, 'name': 'Employees', 'display_name': 'Employees', 'active': True}]
    return f


class Model:
    def __init__(self, name):
        self.name = name
        self.records = {}         # id -> dict of stored (read-format) values
        self.ids = []             # sorted ids
        self.fields_meta = {}     # field -> attributes (from fields_get)
        self.known_fields = set(['id'])
        self.seq = None           # next id of the sequence (None: after the highest id)
        self.translations = {}    # lang -> {(id, field): translated value}

    def put(self, rec):
        rid = rec['id']
        if rid not in self.records:
            bisect.insort(self.ids, rid)
        self.records[rid] = rec
        self.known_fields.update(rec.keys())

    def remove(self, rid):
        del self.records[rid]
        i = bisect.bisect_left(self.ids, rid)
        del self.ids[i]

    def new_id(self):
        if self.seq is None:
            self.seq = (self.ids[-1] + 1) if self.ids else 1
        rid = self.seq
        self.seq += 1
        return rid


class Store:
    BASE_MODELS = ('res.users', 'res.currency', 'ir.config_parameter', 'res.partner.category',
                   'product.template', 'product.product', 'res.partner', 'sale.order')

    def __init__(self, version, fixtures=None, products=0):
        self.v = VERSIONS[version]
        self.version = version
        self.models = {}
        self.lock = threading.RLock()
        if fixtures:
            self.seed_from_fixtures(os.path.join(fixtures, 'odoo%d' % version))
            self.apply_filler()
        else:
            for m, recs in BUILTIN.items():
                mo = self.model(m)
                for r in recs:
                    mo.put(dict(r))
            for m in ('product.product', 'res.partner', 'sale.order'):
                self.model(m).known_fields.update(['display_name', 'create_date', 'write_date'])
        for m in self.BASE_MODELS:
            self.model(m)
        if products:
            mo = self.model('product.product')
            for i in range(products):
                rid = 1000001 + i
                mo.records[rid] = {'id': rid, 'name': 'Generated product %d' % rid,
                                   'default_code': 'GEN%07d' % i, 'list_price': float(i % 1000) + 0.5,
                                   'qty_available': float(i % 37), 'active': True}
                mo.ids.append(rid)
            mo.known_fields.update(['name', 'default_code', 'list_price', 'qty_available', 'active'])

    def seed_file(self, path):
        """--seed FILE: records (read format) and field declarations from a JSON file."""
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        for name, fields in data.pop('__fields__', {}).items():
            mo = self.model(name)
            for fname, meta in fields.items():
                mo.fields_meta.setdefault(fname, {}).update(meta)
                mo.known_fields.add(fname)
        for name, recs in data.items():
            mo = self.model(name)
            for r in recs:
                mo.put(dict(r))

    def model(self, name):
        mo = self.models.get(name)
        if mo is None:
            mo = self.models[name] = Model(name)
        return mo

    def apply_filler(self):
        for name, recs in _filler(self.version).items():
            mo = self.model(name)
            for r in recs:
                cur = mo.records.get(r['id'])
                if cur is None:
                    mo.put(dict(r))
                else:
                    for k, v in r.items():
                        cur.setdefault(k, v)
                    mo.known_fields.update(r.keys())

    # -- seeding from captured transcripts ------------------------------------------------
    def seed_from_fixtures(self, folder):
        created = {}
        pairs = []
        for req in sorted(glob.glob(os.path.join(folder, '*', '*.request'))):
            resp = req[:-len('.request')] + '.response'
            if not os.path.exists(resp):
                continue
            try:
                call = decode_fixture_call(req)
                result = decode_fixture_result(resp)
            except Exception:
                continue
            if call is None or result is _NO_RESULT:
                continue
            pairs.append((call, result))
            model, method = call[0], call[1]
            if method in ('create', 'copy') and result is not _NO_RESULT:
                ids = result if isinstance(result, list) else [result]
                created.setdefault(model, set()).update(i for i in ids if isinstance(i, int))
            if method == 'name_create' and isinstance(result, list) and result:
                created.setdefault(model, set()).add(result[0])
        complete_active = {}
        for (model, method, kwargs), result in pairs:
            if (method == 'search_read' and isinstance(result, list) and kwargs.get('domain', None) == []
                    and 'limit' not in kwargs and not (kwargs.get('context') or {}).get('active_test') is False):
                complete_active[model] = set(r['id'] for r in result if isinstance(r, dict))
        confirmed = {}
        translated = []
        for (model, method, kwargs), result in pairs:
            ctx = kwargs.get('context') if isinstance(kwargs, dict) else None
            lang = ctx.get('lang') if isinstance(ctx, dict) else None
            if lang not in (None, False, 'en_US') and method in ('read', 'search_read') and isinstance(result, list):
                # an answer in another language: its strings are translations, not the stored values
                translated.append((model, lang, result))
                continue
            if method == 'action_confirm' and result is True:
                # action_confirm is only offered on quotations: before it ran, those orders were drafts
                ids = kwargs.get('ids')
                confirmed.setdefault(model, set()).update(ids if isinstance(ids, list) else [ids])
            if method in ('web_read', 'web_search_read'):
                rows = result.get('records') if isinstance(result, dict) else result
                if isinstance(rows, list):
                    self.seed_web_rows(model, rows, created)
                continue
            eq_leaves = {}
            dom = kwargs.get('domain') if method in ('search_read', 'name_search') else None
            if isinstance(dom, list) and all(isinstance(x, list) and len(x) == 3 for x in dom):
                # every returned record satisfies the equality leaves of the domain
                eq_leaves = {f: v for f, op, v in dom if op == '=' and not isinstance(v, (list, dict))}
            if method in ('read', 'search_read') and isinstance(result, list):
                for rec in result:
                    if isinstance(rec, dict) and kwargs.get('load', 'x') is not None:
                        self.seed_many2one_names(model, rec, created)
                if eq_leaves:
                    result = [dict(r, **{k: v for k, v in eq_leaves.items() if k not in r}) if isinstance(r, dict)
                              else r for r in result]
                mo = self.model(model)
                for rec in result:
                    if not isinstance(rec, dict) or not isinstance(rec.get('id'), int):
                        continue
                    if rec['id'] in created.get(model, ()):
                        continue
                    if kwargs.get('load', 'x') is None:
                        continue
                    cur = mo.records.get(rec['id'])
                    if cur is None:
                        mo.put(dict(rec))
                    else:
                        for k, val in rec.items():
                            cur.setdefault(k, val)
                        mo.known_fields.update(rec.keys())
            elif method == 'fields_get' and isinstance(result, dict):
                mo = self.model(model)
                for f, meta in result.items():
                    if isinstance(meta, dict):
                        mo.fields_meta.setdefault(f, {}).update(meta)
                        mo.known_fields.add(f)
            elif method == 'name_search' and isinstance(result, list):
                mo = self.model(model)
                for pair in result:
                    if isinstance(pair, list) and len(pair) == 2 and pair[0] not in created.get(model, ()):
                        rec = mo.records.get(pair[0])
                        if rec is None:
                            rec = {'id': pair[0], 'display_name': pair[1]}
                            mo.put(rec)
                        else:
                            rec.setdefault('display_name', pair[1])
                        for k, v in eq_leaves.items():
                            rec.setdefault(k, v)
                        # a product's display_name is "[default_code] name"
                        code = re.match(r'^\[([^\]]+)\] ', pair[1]) if model == 'product.product' else None
                        if code:
                            rec.setdefault('default_code', code.group(1))
        for model, ids in confirmed.items():
            mo = self.model(model)
            for rid in ids:
                if rid in mo.records:
                    mo.records[rid]['state'] = 'draft'
        for model, lang, result in translated:
            mo = self.model(model)
            for rec in result:
                cur = mo.records.get(rec.get('id')) if isinstance(rec, dict) else None
                if cur is None:
                    continue
                for k, v in rec.items():
                    if isinstance(v, str) and isinstance(cur.get(k), str) and v != cur[k]:
                        mo.translations.setdefault(lang, {})[(rec['id'], k)] = v
                    elif k not in cur and mo.fields_meta.get(k, {}).get('translate') is not True:
                        # not shown elsewhere: a language-independent value (selection key, date...)
                        cur[k] = v
                        mo.known_fields.add(k)
        # The field names (schema) of each model, from both versions' transcripts.
        other = os.path.join(os.path.dirname(folder), 'odoo19' if folder.endswith('17') else 'odoo17')
        if os.path.isdir(other) and not getattr(self, '_schema_pass', False):
            schema = Store.__new__(Store)
            schema.version, schema.v, schema.models, schema._schema_pass = self.version, self.v, {}, True
            schema.seed_from_fixtures(other)
            for name, smo in schema.models.items():
                mo = self.model(name)
                mo.known_fields.update(smo.known_fields)
        if not any(r.get('name') == 'USD' for r in self.model('res.currency').records.values()):
            self.model('res.currency').put({'id': 1, 'name': 'USD', 'symbol': '$', 'active': True})
        # A search_read with an empty domain and no limit lists every active record: the
        # other records seen elsewhere are archived ones.
        for model, active in complete_active.items():
            mo = self.model(model)
            for rid, rec in mo.records.items():
                if rid not in active and 'active' not in rec:
                    rec['active'] = False
        # product.template rows derived from the complete product.product rows (a template
        # shares its variants' template-level fields), where not seen directly.
        pp, pt = self.models.get('product.product'), self.model('product.template')
        if pp is not None:
            for rec in pp.records.values():
                t = rec.get('product_tmpl_id')
                if is_m2o(t) and len(rec) > 50:
                    cur = pt.records.get(t[0])
                    derived = {k: v for k, v in rec.items() if k not in ('id', 'product_tmpl_id', 'display_name',
                                                                         'default_code', 'product_template_variant_value_ids')}
                    derived['id'] = t[0]
                    if cur is None:
                        pt.put(derived)
                    else:
                        for k, v in derived.items():
                            cur.setdefault(k, v)

    # Comodels whose records a many2one value [id, display_name] in a read answer may seed
    # (reference data only: seeding users or partners this way would change their counts).
    M2O_SEED_MODELS = ('res.country', 'res.country.state', 'product.category', 'res.partner.category')

    def seed_many2one_names(self, model, rec, created):
        for f, v in rec.items():
            if not is_m2o(v) or f in ('create_uid', 'write_uid'):
                continue
            rel = relation_of(self, model, f)
            if rel not in self.M2O_SEED_MODELS or v[0] in created.get(rel, ()):
                continue
            mo = self.model(rel)
            cur = mo.records.get(v[0])
            if cur is None:
                mo.put({'id': v[0], 'display_name': v[1]})
            else:
                cur.setdefault('display_name', v[1])

    def seed_web_rows(self, model, rows, created):
        """Records from a web_read/web_search_read answer: nested dicts are comodel records."""
        mo = self.model(model)
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get('id'), int):
                continue
            flat = {}
            for k, v in row.items():
                rel = relation_of(self, model, k)
                if isinstance(v, dict) and isinstance(v.get('id'), int):
                    if rel:
                        self.seed_web_rows(rel, [v], created)
                    if 'display_name' in v:
                        flat[k] = [v['id'], v['display_name']]
                elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                    if rel:
                        self.seed_web_rows(rel, v, created)
                    flat[k] = [x.get('id') for x in v]
                elif rel and isinstance(v, int) and not isinstance(v, bool) and not k.endswith('_ids'):
                    continue            # a many2one read without "fields": the id alone, no name
                else:
                    flat[k] = v
            if row['id'] in created.get(model, ()):
                continue
            cur = mo.records.get(row['id'])
            if cur is None:
                mo.put(flat)
            else:
                for k, val in flat.items():
                    cur.setdefault(k, val)
                mo.known_fields.update(flat.keys())


RELATIONS = {'parent_id': 'res.partner', 'partner_id': 'res.partner', 'country_id': 'res.country',
             'user_id': 'res.users', 'categ_id': 'product.category', 'company_id': 'res.company',
             'currency_id': 'res.currency', 'state_id': 'res.country.state',
             'product_id': 'product.product', 'order_id': 'sale.order', 'child_ids': None,
             'category_id': 'res.partner.category', 'partner_ids': 'res.partner',
             'create_uid': 'res.users', 'write_uid': 'res.users', 'order_line': 'sale.order.line',
             'product_tmpl_id': 'product.template'}


def relation_of(store, model, field):
    """The comodel of a relational field: its fields_get 'relation', else Odoo's usual one."""
    mo = store.models.get(model)
    rel = mo.fields_meta.get(field, {}).get('relation') if mo is not None else None
    if rel:
        return rel
    if field == 'child_ids':
        return model
    return RELATIONS.get(field)


_NO_RESULT = object()


def _split_http(path):
    raw = open(path, 'rb').read()
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body


def decode_fixture_call(path):
    """(model, method, kwargs) of an execute_kw / JSON-2 request transcript, or None."""
    first, _, body = _split_http(path)
    target = first.split(' ')[1]
    if target.startswith('/xmlrpc/'):
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        if method != 'execute_kw' or len(params) < 6:
            return None
        kwargs = params[6] if len(params) > 6 else {}
        return params[3], params[4], kwargs
    if target == '/jsonrpc':
        req = json.loads(body)
        p = req['params']
        if p.get('method') != 'execute_kw':
            return None
        a = p['args']
        return a[3], a[4], (a[6] if len(a) > 6 else {})
    m = re.match(r'^/json/2/([^/]+)/([^/]+)$', target)
    if m:
        return m.group(1), m.group(2), json.loads(body) if body else {}
    return None


def decode_fixture_result(path):
    first, headers, body = _split_http(path)
    if ' 200 ' not in first + ' ':
        return _NO_RESULT
    ctype = headers.get('content-type', '')
    if 'xml' in ctype:
        try:
            return xmlrpc.client.loads(body, use_builtin_types=True)[0][0]
        except xmlrpc.client.Fault:
            return _NO_RESULT
    if 'json' in ctype:
        j = json.loads(body)
        if isinstance(j, dict) and j.get('jsonrpc') == '2.0':
            return j['result'] if 'result' in j else _NO_RESULT
        return j
    return _NO_RESULT


# ---------------------------------------------------------------------------------------
# The ORM subset


def is_m2o(v):
    return isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and isinstance(v[1], str)


def norm_scalar(v):
    if isinstance(v, datetime.datetime):
        return v.strftime('%Y-%m-%d %H:%M:%S')
    if isinstance(v, xmlrpc.client.DateTime):
        return datetime.datetime.strptime(v.value, '%Y%m%dT%H:%M:%S').strftime('%Y-%m-%d %H:%M:%S')
    return v


class Env:
    """One call: the store, the user and the context."""

    def __init__(self, store, uid, context):
        self.store = store
        self.uid = uid
        self.context = context or {}

    # -- domains ----------------------------------------------------------------------------
    def check_domain(self, mo, domain):
        if not isinstance(domain, list):
            raise ValueError('Invalid domain %r' % (domain,))
        for leaf in domain:
            if isinstance(leaf, str):
                if leaf not in ('&', '|', '!'):
                    raise ValueError('Invalid leaf %s' % leaf)
                continue
            if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
                raise ValueError('Invalid leaf %s' % (leaf,))
            f, op, val = leaf
            if op not in ('=', '!=', '<', '>', '<=', '>=', 'in', 'not in', 'like', 'ilike', 'not like',
                          'not ilike', '=like', '=ilike', 'child_of', 'parent_of', '=?'):
                raise ValueError('Invalid leaf %s' % str(tuple(leaf)))
            fname = f.split('.')[0]
            if fname not in mo.known_fields and fname not in mo.fields_meta:
                if self.store.version >= 19:
                    raise ValueError('Invalid field %s.%s in condition %s' % (mo.name, f, str(tuple(leaf))))
                raise ValueError('Invalid field %r in leaf %s' % (f, str(tuple(leaf))))
            if fname == 'id' or (self.is_int4(mo, fname)):
                for x in (val if isinstance(val, list) else [val]):
                    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 2147483647 and op in ('<', '>', '<=', '>=', '=', '!='):
                        raise NumericValueOutOfRange(
                            'value "%d" is out of range for type integer\nLINE 1: ...' % x)

    def is_int4(self, mo, fname):
        meta = mo.fields_meta.get(fname, {})
        return meta.get('type') in ('integer', 'many2one')

    def leaf_match(self, rec, leaf):
        f, op, val = leaf
        val = norm_scalar(val)
        if isinstance(val, list):
            val = [norm_scalar(x) for x in val]
        cur = rec.get(f, False) if f != 'id' else rec['id']
        if is_m2o(cur):
            cur = cur[0]
        if op == '=?':
            if val is False or val is None:
                return True
            op = '='
        if op in ('=', '!='):
            if isinstance(cur, list):
                r = (val in cur) if not isinstance(val, list) else (set(val) == set(cur))
                if val is False:
                    r = not cur
            elif isinstance(val, str) and is_m2o(rec.get(f)):
                r = rec.get(f)[1] == val
            else:
                r = cur == val if not (val is False and cur in (False, None)) else True
            return r if op == '=' else not r
        if op in ('in', 'not in'):
            vals = val if isinstance(val, list) else [val]
            if isinstance(cur, list):
                r = any(x in vals for x in cur)
            else:
                r = cur in vals
            return r if op == 'in' else not r
        if op in ('like', 'ilike', 'not like', 'not ilike', '=like', '=ilike'):
            if cur is False or cur is None:
                s = ''
            elif is_m2o(rec.get(f)):
                s = rec.get(f)[1]
            else:
                s = str(cur)
            pat = str(val)
            if op.startswith('='):
                rx = '^' + re.escape(pat).replace('%', '.*').replace('_', '.') + '$'
                r = re.search(rx, s, re.I if 'ilike' in op else 0) is not None
                return r
            r = (pat.lower() in s.lower()) if 'ilike' in op else (pat in s)
            return r if not op.startswith('not') else not r
        if cur is False or cur is None:
            return False
        try:
            if op == '<':
                return cur < val
            if op == '>':
                return cur > val
            if op == '<=':
                return cur <= val
            if op == '>=':
                return cur >= val
        except TypeError:
            return False
        if op == 'child_of':
            vals = val if isinstance(val, list) else [val]
            return cur in vals
        return False

    def match(self, rec, domain):
        # Polish notation: evaluate recursively.
        def ev(i):
            tok = domain[i]
            if tok == '!':
                r, j = ev(i + 1)
                return not r, j
            if tok in ('&', '|'):
                a, j = ev(i + 1)
                b, k = ev(j)
                return (a and b) if tok == '&' else (a or b), k
            return self.leaf_match(rec, tok), i + 1
        i = 0
        while i < len(domain):
            r, i = ev(i)
            if not r:
                return False
        return True

    def search_ids(self, mo, domain, offset=0, limit=None, order=None):
        self.check_domain(mo, domain)
        if limit is not None and not isinstance(limit, int):
            raise InvalidTextRepresentation(
                'invalid input syntax for type bigint: "%s"\nLINE 1: ...' % (limit,))
        if offset is not None and not isinstance(offset, int):
            raise InvalidTextRepresentation(
                'invalid input syntax for type bigint: "%s"\nLINE 1: ...' % (offset,))
        offset = offset or 0
        dom = list(domain)
        active_test = self.context.get('active_test', True)
        uses_active = any(isinstance(leaf, (list, tuple)) and leaf[0] == 'active' for leaf in dom)
        has_active = 'active' in mo.known_fields
        keys = self.order_keys(mo, order)
        by_id = keys in ([('id', False)], []) and (keys == [('id', False)] or order is None) \
            and mo.name in ('product.product',) and len(mo.ids) > 10000
        if keys == [('id', False)]:
            by_id = True
        start = 0
        if by_id and dom and isinstance(dom[0], (list, tuple)) and dom[0][0] == 'id' and dom[0][1] == '>' \
                and all(not isinstance(x, str) for x in dom):
            start = bisect.bisect_right(mo.ids, dom[0][1] == '>' and dom[0][2])
        out = []
        need = None if (limit is None or limit is False) else offset + limit
        for rid in mo.ids[start:]:
            rec = mo.records[rid]
            if has_active and active_test and not uses_active and rec.get('active', True) is False:
                continue
            if self.match(rec, dom):
                out.append(rid)
                if by_id and need is not None and len(out) >= need:
                    break
        if not by_id:
            out = self.sort_ids(mo, out, keys)
        if limit is None or limit is False:
            return out[offset:]
        return out[offset:offset + limit]

    def order_keys(self, mo, order):
        if not order:
            if mo.name == 'res.partner':
                return [('complete_name', False), ('id', True)]
            if mo.name == 'sale.order':
                return [('date_order', True), ('id', True)]
            if mo.name == 'product.template':
                return [('priority', True), ('name', False), ('id', False)]
            if mo.name == 'product.product':
                return [('default_code', False), ('name', False), ('id', False)]
            return [('id', False)]
        keys = []
        for part in str(order).split(','):
            bits = part.strip().split()
            if not bits:
                continue
            if not re.match(r'^[a-z_][a-z0-9_.]*$', bits[0]) or (len(bits) > 1 and bits[1].lower() not in ('asc', 'desc')):
                raise ValueError('Invalid "order" specified (%s). A valid "order" specification is a '
                                 'comma-separated list of valid field names (optionally followed by asc/desc '
                                 'for the direction)' % order)
            keys.append((bits[0], len(bits) > 1 and bits[1].lower() == 'desc'))
        return keys

    def sort_ids(self, mo, ids, keys):
        def keyval(rec, f):
            v = rec.get(f, False) if f != 'id' else rec['id']
            if f == 'complete_name' and v is False:
                v = rec.get('display_name', rec.get('name', False))
            if is_m2o(v):
                v = v[1]
            if v is False or v is None:
                return (1, '')  # NULLS LAST for asc
            if isinstance(v, str):
                return (0, v.lower())
            return (0, v)
        for f, desc in reversed(keys):
            ids.sort(key=lambda i: keyval(mo.records[i], f), reverse=desc)
        return ids

    # -- reading ------------------------------------------------------------------------------
    def read_fields(self, mo, ids, fields, load='_classic_read'):
        if fields:
            for f in fields:
                if f not in mo.known_fields and f not in mo.fields_meta:
                    if self.store.version >= 19:
                        raise ValueError('Invalid field %r on %r' % (f, mo.name))
                    raise ValueError('Invalid field %r on model %r' % (f, mo.name))
        out = []
        for rid in ids:
            rec = mo.records.get(rid)
            if rec is None:
                continue
            if fields:
                row = {'id': rid}
                for f in fields:
                    row[f] = self.field_value(mo, rec, f)
            else:
                row = {k: self.field_value(mo, rec, k) for k in rec}
            if load is None or load is False:
                row = {k: (v[0] if is_m2o(v) else v) for k, v in row.items()}
            out.append(row)
        return out

    def field_value(self, mo, rec, f):
        if f == 'id':
            return rec['id']
        if f == 'display_name' and f not in rec:
            return rec.get('name', False)
        v = rec.get(f, False)
        if v is None:
            v = False
        lang = self.context.get('lang')
        if lang and mo.translations and isinstance(v, str):
            v = mo.translations.get(lang, {}).get((rec['id'], f), v)
        return v

    # -- writing --------------------------------------------------------------------------
    def convert_vals(self, mo, vals, rec=None):
        out = {}
        for f, v in vals.items():
            if f not in mo.known_fields and f not in mo.fields_meta and f not in ('name',):
                mo.known_fields.add(f)
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2147483647:
                ftype = mo.fields_meta.get(f, {}).get('type')
                if ftype in (None, 'integer', 'many2one'):
                    raise NumericValueOutOfRange('integer out of range\n')
            meta_type = mo.fields_meta.get(f, {}).get('type')
            relation = mo.fields_meta.get(f, {}).get('relation')
            cur = rec.get(f) if rec else None
            if isinstance(v, list) and (meta_type in ('many2many', 'one2many') or isinstance(cur, list)
                                        or (v and isinstance(v[0], list))):
                ids = list(cur) if isinstance(cur, list) and not is_m2o(cur) else []
                for cmd in v:
                    if isinstance(cmd, list) and cmd:
                        if cmd[0] == 0 and len(cmd) == 3 and isinstance(cmd[2], dict):
                            # Command.create: a new line in the comodel
                            comodel = self.store.model(relation or {'order_line': 'sale.order.line'}.get(f, f))
                            line = dict(cmd[2])
                            # a one2many declared with its inverse ("relation_field", as fields_get
                            # says) links the new line back to its parent, as Odoo does
                            inverse = mo.fields_meta.get(f, {}).get('relation_field')
                            if inverse and rec is not None and 'id' in rec:
                                line.setdefault(inverse, rec['id'])
                            ids.append(self.create(comodel, [line])[0])
                        elif cmd[0] == 6:
                            ids = list(cmd[2])
                        elif cmd[0] == 4 and cmd[1] not in ids:
                            ids.append(cmd[1])
                        elif cmd[0] in (3, 2):
                            ids = [i for i in ids if i != cmd[1]]
                        elif cmd[0] == 5:
                            ids = []
                    elif isinstance(cmd, int):
                        ids.append(cmd)
                out[f] = self.x2many_order(relation or relation_of(self.store, mo.name, f), ids)
            elif isinstance(v, int) and not isinstance(v, bool) and (
                    meta_type == 'many2one' or is_m2o(cur) or (f.endswith('_id') and f != 'id')):
                target = self.store.models.get(relation or self.guess_relation(f))
                name = False
                if target and v in target.records:
                    t = target.records[v]
                    name = t.get('display_name') or t.get('name') or False
                out[f] = [v, name] if v else False
            else:
                out[f] = v
        return out

    def x2many_order(self, comodel, ids):
        """x2many ids come back in the comodel's _order (Odoo reads them through a search).
        Only applied when every record and its order key are known; otherwise insertion order."""
        cm = self.store.models.get(comodel) if comodel else None
        keys = X2MANY_ORDER.get(comodel)
        if cm is None or not keys or not all(i in cm.records and keys[0][0] in cm.records[i] for i in ids):
            return ids
        return self.sort_ids(cm, list(ids), keys)

    @staticmethod
    def guess_relation(f):
        return {'parent_id': 'res.partner', 'partner_id': 'res.partner', 'country_id': 'res.country',
                'user_id': 'res.users', 'categ_id': 'product.category', 'company_id': 'res.company',
                'currency_id': 'res.currency', 'state_id': 'res.country.state',
                'product_id': 'product.product', 'order_id': 'sale.order'}.get(f)

    def defaults(self, mo):
        d = {}
        if 'active' in mo.known_fields or mo.name in ('res.partner', 'product.product', 'product.template'):
            d['active'] = True
        if mo.name == 'res.partner':
            d.update({'type': 'contact', 'is_company': False, 'child_ids': [], 'category_id': [],
                      'parent_id': False, 'email': False, 'phone': False, 'comment': False})
        if mo.name == 'sale.order':
            d.update({'state': 'draft', 'order_line': [], 'amount_total': 0.0})
        return d

    def check_constraints(self, mo, rec):
        if mo.name == 'res.partner':
            if not rec.get('name') and rec.get('type', 'contact') == 'contact':
                raise ValidationError('The operation cannot be completed: Contacts require a name')
            p = rec.get('parent_id')
            seen = set()
            while is_m2o(p):
                if p[0] == rec['id'] or p[0] in seen:
                    raise ValidationError('You cannot create recursive Partner hierarchies.')
                seen.add(p[0])
                parent = mo.records.get(p[0])
                p = parent.get('parent_id') if parent else False
        if mo.name == 'product.template' and not rec.get('name'):
            raise ValidationError(
                "The operation cannot be completed: Missing required value for the field 'Name' (name).\n"
                "Model: 'Product' (product.template)\n- create/update: a mandatory field is not set\n"
                "- delete: another model requires the record being deleted, you can archive it instead\n")
        if mo.name == 'res.currency':
            for other in mo.records.values():
                if other['id'] != rec['id'] and other.get('name') == rec.get('name'):
                    raise ValidationError('The operation cannot be completed: The currency code must be unique!')

    def check_write_access(self, mo, op='modify'):
        if self.uid != 2 and mo.name in ('res.users', 'ir.config_parameter', 'res.currency'):
            raise AccessError(
                "You are not allowed to %s '%s' (%s) records.\n\nThis operation is allowed for the following "
                "groups:\n\t- %s\n\nContact your administrator to request access if necessary."
                % (op, MODEL_LABELS.get(mo.name, mo.name), mo.name, self.store.v['groups_text']))

    def check_read_access(self, mo):
        if self.uid != 2 and mo.name == 'ir.config_parameter':
            raise AccessError(
                "You are not allowed to access 'System Parameter' (ir.config_parameter) records.\n\nThis operation "
                "is allowed for the following groups:\n\t- Role / Administrator\n\nContact your administrator to "
                "request access if necessary.")

    def missing(self, mo, ids):
        gone = [i for i in ids if i not in mo.records]
        if gone:
            raise MissingError('Record does not exist or has been deleted.\n(Record: %s(%s), User: %d)'
                               % (mo.name, ''.join('%r,' % i for i in gone) if len(gone) == 1
                                  else ', '.join(str(i) for i in gone), self.uid))

    def create(self, mo, vals_list, json2=False):
        self.check_write_access(mo, 'create')
        single = isinstance(vals_list, dict)
        if single:
            vals_list = [vals_list]
        if not isinstance(vals_list, list) or not all(isinstance(v, dict) for v in vals_list):
            raise TypeError('create() expects a dict or a list of dicts')
        new = []
        for vals in vals_list:
            rec = self.defaults(mo)
            rid = mo.new_id()
            rec['id'] = rid
            rec.update(self.convert_vals(mo, vals, rec))
            if 'name' in rec and 'display_name' in mo.known_fields:
                rec['display_name'] = self.display_name(mo, rec)
            now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
            self.compute(mo, rec)
            rec.setdefault('create_date', now)
            rec.setdefault('write_date', now)
            self.check_constraints(mo, rec)
            new.append(rec)
        for rec in new:
            mo.put(rec)
            self.link_parent(mo, rec)
        ids = [r['id'] for r in new]
        return ids[0] if single and not json2 else ids

    def compute(self, mo, rec):
        """The few computed fields the simulator knows: sale order lines and totals."""
        if mo.name == 'sale.order.line':
            prod = self.store.model('product.product').records.get(
                rec['product_id'][0] if is_m2o(rec.get('product_id')) else None)
            if 'price_unit' not in rec:
                rec['price_unit'] = float(prod.get('list_price', 0.0)) if prod else 0.0
            rec.setdefault('product_uom_qty', 1.0)
            rec['price_subtotal'] = round(rec['price_unit'] * rec['product_uom_qty'], 2)
            if is_m2o(rec.get('product_id')) and 'name' not in rec:
                rec['name'] = rec['product_id'][1]
        if mo.name == 'sale.order':
            lines = self.store.model('sale.order.line').records
            rec['amount_total'] = round(sum(lines[i].get('price_subtotal', 0.0)
                                            for i in rec.get('order_line', []) if i in lines), 2)
            rec.setdefault('name', 'S%05d' % rec['id'])
            rec.setdefault('date_order', datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S'))

    def display_name(self, mo, rec):
        p = rec.get('parent_id')
        if mo.name == 'res.partner' and is_m2o(p) and not rec.get('is_company'):
            return '%s, %s' % (p[1], rec.get('name'))
        return rec.get('name', False)

    def link_parent(self, mo, rec):
        p = rec.get('parent_id')
        if mo.name == 'res.partner' and is_m2o(p) and p[0] in mo.records:
            kids = mo.records[p[0]].setdefault('child_ids', [])
            if rec['id'] not in kids:
                kids.append(rec['id'])

    def write(self, mo, ids, vals):
        self.check_write_access(mo)
        if not isinstance(vals, dict):
            raise TypeError('write() expects a dict of values')
        if 'x_simulate_lock' in vals:
            if self.store.version >= 19:
                raise LockError('Cannot update %s(%s): the record is locked by another transaction'
                                % (mo.name, ', '.join(map(str, ids))))
            raise LockNotAvailable('could not obtain lock on row in relation "%s"\n' % mo.name.replace('.', '_'))
        self.missing(mo, ids)
        for rid in ids:
            rec = dict(mo.records[rid])
            rec.update(self.convert_vals(mo, vals, rec))
            if 'name' in vals and 'display_name' in rec:
                rec['display_name'] = self.display_name(mo, rec)
            rec['write_date'] = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
            self.check_constraints(mo, rec)
            mo.records[rid] = rec
            self.link_parent(mo, rec)
        return True

    def unlink(self, mo, ids):
        self.check_write_access(mo, 'delete')
        self.missing(mo, ids)
        if mo.name == 'sale.order':
            for rid in ids:
                if mo.records[rid].get('state') in ('sale', 'sent'):
                    raise UserError('You can not delete a sent quotation or a confirmed sales order. '
                                    'You must first cancel it.')
        for rid in ids:
            rec = mo.records[rid]
            p = rec.get('parent_id')
            if is_m2o(p) and p[0] in mo.records:
                kids = mo.records[p[0]].get('child_ids')
                if isinstance(kids, list) and rid in kids:
                    kids.remove(rid)
            mo.remove(rid)
        return True

    def fields_get(self, mo, allfields=None, attributes=None):
        out = {}
        names = allfields or list(mo.fields_meta) or sorted(mo.known_fields)
        for f in names:
            if f not in mo.fields_meta and f not in mo.known_fields:
                continue
            meta = mo.fields_meta.get(f) or {'type': 'char', 'string': f.replace('_', ' ').title()}
            if attributes:
                meta = {k: v for k, v in meta.items() if k in attributes}
            out[f] = meta
        return out

    def name_search(self, mo, name='', domain=None, operator='ilike', limit=100):
        domain = list(domain or [])
        ids = self.search_ids(mo, domain, order=None)
        out = []
        for rid in ids:
            rec = mo.records[rid]
            dn = rec.get('display_name') or rec.get('name') or ''
            code = rec.get('default_code')
            hay = dn + (' ' + code if isinstance(code, str) else '')
            if name and not self.leaf_match({'id': rid, 'x': hay}, ('x', operator, name)):
                continue
            out.append([rid, dn])
            if limit and len(out) >= limit:
                break
        return out

    def read_group(self, mo, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        if isinstance(groupby, str):
            groupby = [groupby]
        ids = self.search_ids(mo, domain)
        gb = groupby[0]
        groups = {}
        order = []
        for rid in ids:
            rec = mo.records[rid]
            key = rec.get(gb, False)
            k = tuple(key) if isinstance(key, list) else key
            if k not in groups:
                groups[k] = []
                order.append(k)
            groups[k].append(rec)
        aggs = []
        for f in fields or []:
            name, _, fn = f.partition(':')
            if name and name != gb and name != '__count':
                aggs.append((name, fn or 'sum'))
        def gkey(k):
            v = k[1] if isinstance(k, tuple) else k
            return (1, '') if v is False or v is None else (0, v)
        order.sort(key=gkey)
        out = []
        for k in order:
            recs = groups[k]
            row = {gb: list(k) if isinstance(k, tuple) else k, gb + '_count': len(recs)}
            for name, fn in aggs:
                vals = [r.get(name, 0) or 0 for r in recs]
                row[name] = round(sum(vals), 2) if fn == 'sum' else (max(vals) if fn == 'max' else min(vals))
            gval = k[0] if isinstance(k, tuple) else k
            if self.store.version >= 19:
                row['__domain'] = and_domains(domain, [[gb, '=', gval]])   # 19: AND([domain, group])
            else:
                row['__domain'] = [[gb, '=', gval]] + list(domain)
            out.append(row)
        return out[offset:offset + limit] if limit else out[offset:]


    # -- the web client's protocol (web_read / web_search_read / formatted_read_group) ----
    def field_kind(self, mo, f):
        t = mo.fields_meta.get(f, {}).get('type')
        if t:
            return t
        for rec in mo.records.values():
            v = rec.get(f)
            if is_m2o(v):
                return 'many2one'
            if isinstance(v, list):
                return 'many2many'
        return 'many2one' if f.endswith('_id') else ('many2many' if f.endswith('_ids') else 'char')

    def web_read(self, mo, ids, spec):
        """BaseModel.web_read: read(load=None), then relational fields shaped by the specification:
        many2one with "fields" -> {id, ...} (display_name from the many2one's own name), else the id;
        x2many with a spec -> [{id, ...}] for the first "limit" records, {id} for the others."""
        if not isinstance(spec, dict):
            raise TypeError("'%s' object is not a mapping" % type(spec).__name__)
        names = [f for f in spec if f != 'id']
        rows = self.read_fields(mo, ids, names or ['id'], load=None)
        for f, fs in spec.items():
            fs = fs or {}
            if f == 'id' or not isinstance(fs, dict):
                continue
            kind = self.field_kind(mo, f)
            comodel = self.store.models.get(relation_of(self.store, mo.name, f) or '')
            if kind == 'many2one':
                if 'fields' not in fs:
                    continue
                sub = dict(fs['fields'] or {})
                want_dn = sub.pop('display_name', None) is not None
                for row in rows:
                    v = row.get(f)
                    if v is False or v is None or not fs['fields']:
                        continue
                    data = {'id': v}
                    if comodel is not None and v in comodel.records and sub:
                        got = self.web_read(comodel, [v], sub)
                        data = got[0] if got else data
                    if want_dn:
                        pair = mo.records[row['id']].get(f)
                        dn = pair[1] if is_m2o(pair) else False
                        if comodel is not None and v in comodel.records:
                            dn = self.field_value(comodel, comodel.records[v], 'display_name') or dn
                        data['display_name'] = dn
                    row[f] = data
            elif kind in ('one2many', 'many2many'):
                if not fs:
                    continue
                for row in rows:
                    co_ids = list(row.get(f) or [])
                    if fs.get('order') and comodel is not None:
                        co_ids = self.search_ids(comodel, [['id', 'in', co_ids]], order=fs['order'])
                    shown = co_ids[:fs['limit']] if isinstance(fs.get('limit'), int) else co_ids
                    data = {}
                    if comodel is not None and shown:
                        data = {d['id']: d for d in self.web_read(comodel, shown, fs.get('fields') or {})}
                    row[f] = [data.get(i) or {'id': i} for i in co_ids]
        return rows

    def web_search_read(self, mo, domain, spec, offset=0, limit=None, order=None, count_limit=None):
        ids = self.search_ids(mo, domain, offset, limit, order)
        records = self.web_read(mo, ids, spec)
        if not records:
            return {'length': 0, 'records': []}
        length = len(records) + offset
        if limit and len(records) == limit and not (count_limit and count_limit <= length):
            length = len(self.search_ids(mo, domain))
            if count_limit:
                length = min(length, count_limit)
        return {'length': length, 'records': records}

    def formatted_read_group(self, mo, domain, groupby, aggregates, having=(), offset=0, limit=None, order=None):
        """BaseModel.formatted_read_group (19): one row per combination of the groupby values,
        with "__extra_domain", each "field:func" aggregate and "__count"."""
        if isinstance(groupby, str):
            groupby = [groupby]
        for g in groupby:
            if ':' in g or (g not in mo.known_fields and g not in mo.fields_meta):
                raise ValueError('Invalid field %r on model %r' % (g, mo.name))
        if having:
            raise ValueError('having is not supported by the simulator')
        ids = self.search_ids(mo, domain)
        groups, keys = {}, []
        for rid in ids:
            rec = mo.records[rid]
            k = tuple(tuple(v) if isinstance(v, list) else v for v in (rec.get(g, False) for g in groupby))
            if k not in groups:
                groups[k] = []
                keys.append(k)
            groups[k].append(rec)
        funcs = {'sum': lambda xs: round(sum(xs), 2), 'max': max, 'min': min,
                 'avg': lambda xs: sum(xs) / len(xs), 'count': len, 'count_distinct': lambda xs: len(set(xs))}
        rows = []
        for k in keys:
            recs = groups[k]
            row = {}
            for g, v in zip(groupby, k):
                row[g] = list(v) if isinstance(v, tuple) else v
            row['__extra_domain'] = [[g, '=', (v[0] if isinstance(v, tuple) else v)] for g, v in zip(groupby, k)]
            for a in aggregates:
                if a == '__count':
                    row[a] = len(recs)
                    continue
                fname, _, fn = a.partition(':')
                if fn not in funcs or (fname not in mo.known_fields and fname not in mo.fields_meta):
                    raise ValueError('Invalid aggregate %r' % a)
                vals = [r.get(fname) for r in recs if r.get(fname) not in (None, False) or fn in ('count',)]
                row[a] = funcs[fn](vals) if vals else (0 if fn.startswith('count') else False)
            rows.append(row)

        def sortval(row, key):
            v = row.get(key, False)
            if is_m2o(v):
                v = v[1].lower()
            elif isinstance(v, str):
                v = v.lower()
            return (1, '') if v is False or v is None else (0, v)
        spec = [(g, False) for g in groupby]
        if order:
            spec = []
            for part in str(order).split(','):
                bits = part.strip().split()
                if bits:
                    spec.append((bits[0], len(bits) > 1 and bits[1].lower() == 'desc'))
        for key, desc in reversed(spec):
            rows.sort(key=lambda r: sortval(r, key), reverse=desc)
        return rows[offset:offset + limit] if limit else rows[offset:]

def normalize_domain(domain):
    """odoo.osv.expression.normalize_domain: explicit '&' for the implicit ANDs."""
    out, expected = [], 1
    for tok in domain:
        if expected == 0:
            out.insert(0, '&')
            expected = 1
        if isinstance(tok, (list, tuple)):
            expected -= 1
        else:
            expected += {'!': 1, '&': 2, '|': 2}.get(tok, 0) - 1
        out.append(tok)
    return out


WERKZEUG_NOT_FOUND = ('The requested URL was not found on the server. If you entered the URL manually please '
                      'check your spelling and try again.')
MODEL_DESCRIPTIONS = {'res.partner': 'Contact', 'res.partner.category': 'Partner Tags', 'res.users': 'User',
                      'res.currency': 'Currency', 'ir.config_parameter': 'System Parameter',
                      'product.template': 'Product', 'product.product': 'Product Variant',
                      'sale.order': 'Sales Order', 'sale.order.line': 'Sales Order Line', 'res.country': 'Country'}
MODEL_MODULES = {'product.template': 'product', 'product.product': 'product', 'sale.order': 'sale',
                 'sale.order.line': 'sale'}
# Odoo's signatures of the methods the simulator implements (defaults as in odoo/orm/models.py)
METHOD_DEFAULTS = {'offset': 0, 'limit': None, 'order': None, 'fields': None, 'load': '_classic_read',
                   'default': None, 'allfields': None, 'attributes': None, 'name': '', 'domain': None,
                   'operator': 'ilike', 'lazy': True, 'orderby': False, 'count_limit': None,
                   'groupby': (), 'aggregates': (), 'having': ()}
WEB_METHODS = ('web_read', 'web_search_read')


def method_doc(m):
    names, required, _ = SIGNATURES[m]
    params, sig = {}, []
    for n in names:
        if n in required or n not in METHOD_DEFAULTS:
            params[n] = {}
            sig.append(n)
        else:
            d = METHOD_DEFAULTS[n]
            if m == 'name_search' and n == 'limit':
                d = 100
            d = list(d) if isinstance(d, tuple) else d
            params[n] = {'default': d}
            sig.append('%s=%s' % (n, repr(tuple(d)) if isinstance(d, list) else repr(d)))
    return {'signature': '(%s)' % ', '.join(sig), 'parameters': params, 'doc': None,
            'model': 'base' if m in WEB_METHODS else 'core', 'module': 'web' if m in WEB_METHODS else 'core'}


def and_domains(*domains):
    """odoo.osv.expression.AND: normalised domains joined with '&', empty ones dropped."""
    parts = [normalize_domain(list(d)) for d in domains if d]
    out = ['&'] * (len(parts) - 1) if parts else []
    for d in parts:
        out += d
    return out


# ---------------------------------------------------------------------------------------
# Dispatch


def call_method(env, model_name, method, args, kwargs, json2=False, ids=None):
    store = env.store
    if model_name not in store.models or (not store.models[model_name].ids and not store.models[model_name].fields_meta
                                          and model_name not in BUILTIN and model_name not in
                                          ('res.users', 'res.currency', 'ir.config_parameter', 'res.partner.category',
                                           'product.template', 'product.product', 'res.partner', 'sale.order')):
        if json2:
            raise http_error(404, 'NotFound', "the model '%s' does not exist" % model_name)
        raise UserError("Object %s doesn't exist" % model_name)
    mo = store.models[model_name]
    if method.startswith('_') or method in store.v['private']:
        raise AccessError("Private methods (such as '%s.%s') cannot be called remotely." % (model_name, method))
    if method not in SIGNATURES or store.version < SINCE.get(method, 0):
        if json2:
            raise http_error(404, 'NotFound', "The method '%s.%s' does not exist" % (model_name, method))
        raise AttributeError("The method '%s.%s' does not exist" % (model_name, method))
    names, required, is_model = SIGNATURES[method]
    if json2:
        if is_model and ids is not None:
            raise http_error(422, 'UnprocessableEntity', 'cannot call %s.%s with ids' % (model_name, method))
        params = dict(kwargs)
        for k in list(params):
            if k not in names:
                if method == 'search_read':
                    raise TypeError("BaseModel._read_format() got an unexpected keyword argument '%s'" % k)
                raise http_error(422, 'UnprocessableEntity', "got an unexpected keyword argument '%s'" % k)
        for r in required:
            if r not in params:
                raise http_error(422, 'UnprocessableEntity', "missing a required argument: '%s'" % r)
        if ids is not None and not isinstance(ids, list):
            ids = [ids]
    else:
        # execute_kw calls the Python method: its own parameter names, Python's TypeErrors
        owner, wire = MODEL_RPC_NAMES.get((store.version, model_name, method),
                                          ('BaseModel', RPC_NAMES.get(store.version, {}).get(method, {})))
        qual = '%s.%s' % (owner, method)
        canonical = {wire.get(n, n): n for n in names}
        params = {}
        args = list(args)
        if not is_model:
            if not args:
                raise TypeError("%s() missing 1 required positional argument: 'ids'" % qual)
            ids = args.pop(0)
            if isinstance(ids, int) and not isinstance(ids, bool):
                ids = [ids]
        if len(args) > len(names):
            raise TypeError('%s() takes %d positional arguments but %d were given' % (qual, len(names) + 1, len(args) + 1))
        for n, a in zip(names, args):
            params[n] = a
        aliases = KW_ALIASES.get(method, {})
        for k, v in (kwargs or {}).items():
            k = aliases.get(k, k)
            if k not in canonical:
                raise TypeError("%s() got an unexpected keyword argument '%s'" % (qual, k))
            if canonical[k] in params:
                raise TypeError("%s() got multiple values for argument '%s'" % (qual, k))
            params[canonical[k]] = v
        for r in required:
            if r not in params:
                raise TypeError("%s() missing 1 required positional argument: '%s'" % (qual, wire.get(r, r)))
    lang = env.context.get('lang')
    if lang is not None and lang not in (False, 'en_US', 'fr_FR', 'fr_BE', 'nl_BE', 'de_DE', 'es_ES'):
        raise UserError('Invalid language code: %s' % lang)
    p = params.get
    if method in ('search', 'search_count', 'search_read', 'read', 'name_search', 'read_group', 'fields_get',
                  'web_read', 'web_search_read', 'formatted_read_group'):
        env.check_read_access(mo)
    if method == 'search':
        return env.search_ids(mo, p('domain') or [], p('offset') or 0, p('limit'), p('order'))
    if method == 'search_count':
        n = len(env.search_ids(mo, p('domain') or []))
        return min(n, p('limit')) if isinstance(p('limit'), int) else n
    if method == 'search_read':
        found = env.search_ids(mo, p('domain') or [], p('offset') or 0, p('limit'), p('order'))
        return env.read_fields(mo, found, p('fields'), p('load', '_classic_read'))
    if method == 'read':
        return env.read_fields(mo, ids, p('fields'), p('load', '_classic_read') if 'load' in params else '_classic_read')
    if method == 'create':
        return env.create(mo, p('vals_list'), json2)
    if method == 'write':
        return env.write(mo, ids, p('vals'))
    if method == 'unlink':
        return env.unlink(mo, ids)
    if method == 'copy':
        env.missing(mo, ids)
        out = []
        for rid in ids:
            vals = {k: v for k, v in mo.records[rid].items() if k not in ('id', 'child_ids', 'create_date', 'write_date')}
            vals = {k: (v[0] if is_m2o(v) else ([[6, 0, v]] if isinstance(v, list) else v)) for k, v in vals.items()}
            vals.update(p('default') or {})
            out += env.create(mo, [vals])
        return out
    if method == 'fields_get':
        return env.fields_get(mo, p('allfields'), p('attributes'))
    if method == 'name_search':
        return env.name_search(mo, p('name') or '', p('domain'), p('operator') or 'ilike',
                               p('limit') if 'limit' in params else 100)
    if method == 'name_create':
        rid = env.create(mo, [{'name': p('name')}])[0]
        return [rid, p('name')]
    if method == 'read_group':
        return env.read_group(mo, p('domain') or [], p('fields') or [], p('groupby') or [], p('offset') or 0,
                              p('limit'), p('orderby'), p('lazy', True))
    if method == 'web_read':
        return env.web_read(mo, ids, p('specification'))
    if method == 'web_search_read':
        return env.web_search_read(mo, p('domain') or [], p('specification'), p('offset') or 0, p('limit'),
                                   p('order'), p('count_limit'))
    if method == 'formatted_read_group':
        return env.formatted_read_group(mo, p('domain') or [], p('groupby') or [], p('aggregates') or [],
                                        p('having') or [], p('offset') or 0, p('limit'), p('order'))
    if method == 'default_get':
        d = env.defaults(mo)
        d.update({'lang': 'en_US', 'tz': False})
        return {k: d[k] for k in (p('fields') or []) if k in d}
    if method == 'context_get':
        return {'lang': 'en_US', 'tz': 'Europe/Brussels', 'uid': env.uid}
    if method in ('action_archive', 'action_unarchive'):
        env.write(mo, ids, {'active': method == 'action_unarchive'})
        return None
    if method == 'check_access_rule':
        env.missing(mo, ids)
        return None
    if method == 'has_group':
        return env.uid == 2
    if method == 'action_confirm':
        env.write(mo, ids, {'state': 'sale'})
        return True
    raise AttributeError("The method '%s.%s' does not exist" % (model_name, method))


class Server:
    def __init__(self, store):
        self.store = store
        self.v = store.v
        self.last_request = b''
        self.requests = 0
        self.hits = {}
        self.hits_lock = threading.Lock()

    # credentials -----------------------------------------------------------------------
    def check_db(self, db):
        if db != self.v['db']:
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
                                   'database "%s" does not exist\n' % db)

    def authenticate(self, db, login, password):
        self.check_db(db)
        user = self.v['users'].get(login)
        if user is None:
            return False
        uid, pw = user
        if password == pw:
            return uid
        if self.v['keys'].get(password) == uid:
            return uid
        return False

    def check_uid(self, db, uid, password):
        self.check_db(db)
        for login, (u, pw) in self.v['users'].items():
            if u == uid and (pw == password or self.v['keys'].get(password) == uid):
                return uid
        raise AccessDenied('Access Denied')

    def dispatch(self, service, method, params):
        params = list(params)
        if service == 'common':
            if method == 'version':
                return {'server_version': self.v['serie'], 'server_version_info': self.v['info'],
                        'server_serie': self.v['serie'], 'protocol_version': 1}
            if method == 'about':
                return 'See http://openerp.com'
            if method == 'authenticate':
                return self.authenticate(params[0], params[1], params[2])
            if method == 'login':
                return self.authenticate(params[0], params[1], params[2])
            raise Exception('Method not found: %s' % method)
        if service == 'db':
            if method == 'list':
                return list(self.v['dbs'])
            if method == 'server_version':
                return self.v['serie']
            raise KeyError(method)
        if service == 'object':
            if method not in ('execute_kw', 'execute'):
                raise NameError("Method not available %s" % method)
            db, uid, password, model, meth = params[:5]
            uid = self.check_uid(db, uid, password)
            if method == 'execute_kw':
                args = params[5] if len(params) > 5 else []
                kwargs = params[6] if len(params) > 6 else {}
            else:
                args, kwargs = params[5:], {}
            kwargs = dict(kwargs or {})
            context = kwargs.pop('context', None) or {}
            with self.store.lock:
                env = Env(self.store, uid, context)
                return call_method(env, model, meth, args, kwargs)
        raise KeyError(service)

    def bearer_uid(self, key):
        uid = self.v['keys'].get(key) if key else None
        if uid is None:
            if key is not None:
                raise http_error(401, 'Unauthorized', 'Invalid apikey')
            raise http_error(401, 'Unauthorized', 'User not authenticated, use an API Key with a Bearer Authorization header.')
        return uid

    # /doc-bearer (api_doc module, 19) -------------------------------------------------
    def model_exists(self, name):
        mo = self.store.models.get(name)
        return mo is not None and (mo.ids or mo.fields_meta or name in BUILTIN or name in Store.BASE_MODELS)

    def doc_model(self, name):
        """/doc-bearer/<model>.json: the shape of Odoo's api_doc answer, built from what the
        simulator knows: fields from fields_get data (+ the defining module), and the methods
        the simulator implements with their signatures (no docstrings: doc is null)."""
        if not self.model_exists(name):
            raise http_error(404, 'NotFound', WERKZEUG_NOT_FOUND)
        mo = self.store.models[name]
        with self.store.lock:
            env = Env(self.store, 2, {})
            fields = env.fields_get(mo)
        module = MODEL_MODULES.get(name, 'base')
        return {'model': name, 'name': MODEL_DESCRIPTIONS.get(name, name), 'doc': None,
                'fields': {f: dict(meta, module=None if f in ('id', 'display_name') else module)
                           for f, meta in fields.items()},
                'methods': {m: method_doc(m) for m in self.public_methods(name)}}

    def public_methods(self, model):
        """The documented methods of a model among those the simulator implements (api_doc
        hides read_group, deprecated in 19, and check_access_rule; the others are per model)."""
        mo = self.store.models[model]
        own = {'action_confirm': ('sale.order',), 'context_get': ('res.users',), 'has_group': ('res.users',)}
        out = []
        for m in sorted(SIGNATURES):
            if m in ('read_group', 'check_access_rule') or self.store.version < SINCE.get(m, 0):
                continue
            if m in own and model not in own[m]:
                continue
            if m in ('action_archive', 'action_unarchive') and 'active' not in mo.known_fields \
                    and 'active' not in mo.fields_meta:
                continue
            out.append(m)
        return out

    def doc_index(self):
        with self.store.lock:
            env = Env(self.store, 2, {})
            models = []
            for name in sorted(self.store.models):
                if self.model_exists(name):
                    fields = env.fields_get(self.store.models[name], attributes=['string'])
                    models.append({'model': name, 'name': MODEL_DESCRIPTIONS.get(name, name),
                                   'fields': {f: fields[f] for f in sorted(fields)},
                                   'methods': self.public_methods(name)})
        modules = ['base', 'web', 'api_doc', 'product', 'sale']
        return {'modules': modules, 'models': models}

    def json2(self, model, method, body, key):
        uid = self.bearer_uid(key)
        params = body if isinstance(body, dict) else {}
        params = dict(params)
        ids = params.pop('ids', None)
        context = params.pop('context', None) or {}
        with self.store.lock:
            env = Env(self.store, uid, context)
            return call_method(env, model, method, [], params, json2=True, ids=ids)


# ---------------------------------------------------------------------------------------
# HTTP

# Odoo's own pages for a path no controller serves, as the real servers sent them (exact bytes,
# read from the transcripts by load_pages()): with a database, the website's 404 page (captured
# on 17: odoo17/jsonrpc/unknown_path_json; the 19 transcripts hold none, so it stands in for 19
# too); without one (several databases and no X-Odoo-Database naming one that exists, 19), the
# "No database is selected" page (odoo19/json2/55_err_no_database_header).
PAGES = {}
PAGE_SOURCES = {'404': 'odoo17/jsonrpc/unknown_path_json.response',
                'nodb': 'odoo19/json2/55_err_no_database_header.response'}


def load_pages(fixtures):
    for key, rel in PAGE_SOURCES.items():
        path = os.path.join(fixtures, rel)
        try:
            raw = open(path, 'rb').read()
        except OSError as e:
            raise SystemExit('odoo_server.py: cannot read the captured page %s (%s); pass --fixtures DIR' % (path, e))
        PAGES[key] = raw.partition(b'\r\n\r\n')[2]


HTML_405 = ('<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n'
            '<p>The method is not allowed for the requested URL.</p>\n')
HTML_400_JSON = ('<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n'
                 '<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/jsonrpc&#39; is type=&#39;json&#39;.'
                 '\nPlease verify the request is sent with the right Content-Type header.</p>\n')
HTML_415 = ('<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n'
            '<h1>Unsupported Media Type</h1>\n<p>Request inferred type is compatible with [&#39;http&#39;] but '
            '&#39;/json/2/&lt;model&gt;/&lt;method&gt;&#39; is type=&#39;json2&#39;.\nPlease verify the request is '
            'sent with the right Content-Type header.</p>\n')

REASONS = {200: 'OK', 400: 'BAD REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT FOUND',
           405: 'METHOD NOT ALLOWED', 409: 'CONFLICT', 415: 'UNSUPPORTED MEDIA TYPE',
           422: 'UNPROCESSABLE ENTITY', 500: 'INTERNAL SERVER ERROR'}


def json2_status(e):
    if isinstance(e, HttpError):
        return e.status
    if isinstance(e, (AccessError, AccessDenied)):
        return 403
    if isinstance(e, MissingError):
        return 404
    if isinstance(e, LockError):
        return 409
    if isinstance(e, UserError):
        return 422
    return 500


VERSION_OF_ERRORS = [17]


def error_object(e):
    msg = exc_message(e)
    if isinstance(e, HttpError):
        args = [e.message, e.status]
    elif isinstance(e, AccessDenied) and VERSION_OF_ERRORS[0] >= 19:
        d = {'name': exc_name(e), 'message': msg, 'arguments': [msg], 'context': {}}
        d['debug'] = '%s: %s\n' % (exc_name(e), msg)
        return d
    elif isinstance(e, KeyError):
        args = [msg]
    else:
        args = list(e.args) if e.args else [msg]
    return {'name': exc_name(e), 'message': msg, 'arguments': args, 'context': {},
            'debug': exc_traceback(e)}


def make_handler(app, keepalive):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        server_version = 'Werkzeug/2.2.2'
        sys_version = 'Python/3 (erplink odoo simulator)'

        def log_message(self, *a):
            pass

        def reply(self, status, body, ctype, extra=(), nosniff=False, length_first=False):
            if isinstance(body, str):
                body = body.encode('utf-8')
            self.send_response(status, REASONS.get(status, ''))
            for k, v in extra:
                self.send_header(k, v)
            if length_first:
                self.send_header('Content-Length', str(len(body)))
                self.send_header('Content-Type', ctype)
            else:
                self.send_header('Content-Type', ctype)
                self.send_header('Content-Length', str(len(body)))
            if nosniff:
                self.send_header('X-Content-Type-Options', 'nosniff')
            if keepalive:
                self.send_header('Connection', 'keep-alive')
            else:
                self.send_header('Connection', 'close')
                self.close_connection = True
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)

        def read_body(self):
            n = int(self.headers.get('Content-Length') or 0)
            if n < 0 or n > 64 * 1024 * 1024:
                raise ValueError('bad length')
            data = b''
            while len(data) < n:
                chunk = self.rfile.read(n - len(data))
                if not chunk:
                    break
                data += chunk
            return data

        def do_GET(self):
            self.route('GET')

        def do_POST(self):
            self.route('POST')

        def do_PUT(self):
            self.route('PUT')

        def do_OPTIONS(self):
            self.route('OPTIONS')

        def route(self, verb):
            app.requests += 1
            body = self.read_body()
            path = self.path.split('?')[0]
            m = re.match(r'^/__fault__/([a-z]+)/(\d+)/([A-Za-z0-9_-]+)(/.*)$', path)
            if m:
                path = m.group(4)
                if self.is_data_call(path, body):
                    with app.hits_lock:
                        n = app.hits[m.group(3)] = app.hits.get(m.group(3), 0) + 1
                    if n <= int(m.group(2)) and self.fault(m.group(1)):
                        return
            if path.startswith('/__sim__/'):
                return self.sim(verb, path, body)
            if path.startswith('/xmlrpc/'):
                if verb != 'POST':
                    return self.reply(405, HTML_405, 'text/html; charset=utf-8', [('Allow', app.v['allow'])])
                app.last_request = body
                legacy = not path.startswith('/xmlrpc/2/')
                service = path.rsplit('/', 1)[1]
                return self.xmlrpc(service, body, legacy)
            if path == '/jsonrpc':
                if verb != 'POST':
                    return self.reply(405, HTML_405, 'text/html; charset=utf-8', [('Allow', app.v['allow'])])
                app.last_request = body
                return self.jsonrpc(body)
            if app.store.version >= 19 and path in ('/web/version', '/json/version'):
                return self.reply(200, json.dumps({'version_info': app.v['info'], 'version': app.v['serie']}),
                                  'application/json; charset=utf-8', nosniff=True, length_first=True,
                                  extra=[('Set-Cookie', 'session_id=simulated; HttpOnly; Path=/')])
            if app.store.version >= 19 and path.startswith('/doc-bearer/'):
                return self.doc_bearer(verb, path)
            if app.store.version >= 19 and (path == '/json/2' or path.startswith('/json/2/')):
                app.last_request = body
                return self.json2(verb, path, body)
            return self.not_found()

        def no_database(self):
            """19: no database selected: several on the cluster and no X-Odoo-Database header, or
            one naming a database that does not exist (17 has a single database: always selected)."""
            if app.store.version < 19:
                return False
            db = self.headers.get('X-Odoo-Database')
            return (db is None and len(app.v['dbs']) > 1) or (db is not None and db != app.v['db'])

        def not_found(self):
            """A path no controller serves: the website's 404 page, or the no-database page."""
            if self.no_database():
                return self.reply(404, PAGES['nodb'], 'text/html; charset=utf-8', length_first=True)
            return self.reply(404, PAGES['404'], 'text/html;charset=utf-8', [
                ('Set-Cookie', 'frontend_lang=en_US; Path=/'),
                ('Set-Cookie', 'session_id=simulated; HttpOnly; Path=/')], nosniff=True)

        def is_data_call(self, path, body):
            if path.startswith('/xmlrpc/'):
                return path.endswith('/object')
            if path == '/jsonrpc':
                try:
                    return json.loads(body)['params']['service'] == 'object'
                except Exception:
                    return False
            return path.startswith('/json/2/') and path != '/json/2/res.users/context_get'

        def fault(self, mode):
            """Serves a fault; True when the request is finished."""
            if mode == 'reset':
                self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<?xml vers')
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                self.close_connection = True
                return True
            if mode == 'stall':
                time.sleep(3)
                return False
            if mode == 'html':
                self.reply(200, '<!DOCTYPE html>\n<html><head><title>Odoo</title></head><body><form action="/web/login">'
                                'Log in</form></body></html>\n', 'text/html; charset=utf-8')
                return True
            if mode == 'gateway':
                self.reply(502, '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>'
                                '</body></html>\n', 'text/html')
                return True
            if mode == 'redirect':
                self.reply(303, '', 'text/html; charset=utf-8', [('Location', '/web/login')])
                return True
            if mode == 'empty':
                self.reply(200, b'', 'text/xml; charset=utf-8')
                return True
            return False

        def sim(self, verb, path, body):
            if path == '/__sim__/next_id' and verb == 'POST':
                j = json.loads(body)
                with app.store.lock:
                    app.store.model(j['model']).seq = int(j['id'])
                return self.reply(200, '{}', 'application/json')
            if path == '/__sim__/set_password' and verb == 'POST':
                # a password changed (or an API key revoked) behind a connected client's back
                j = json.loads(body)
                with app.store.lock:
                    if 'login' in j:
                        uid, _ = app.v['users'][j['login']]
                        app.v['users'][j['login']] = (uid, j['password'])
                    if 'revoke_key' in j:
                        app.v['keys'].pop(j['revoke_key'], None)
                    if 'restore_key' in j:
                        app.v['keys'][j['restore_key']] = int(j['uid'])
                return self.reply(200, '{}', 'application/json')
            if path == '/__sim__/last_request':
                return self.reply(200, app.last_request, 'application/octet-stream')
            if path == '/__sim__/hits':
                q = self.path.partition('?')[2]
                key = q.partition('key=')[2].split('&')[0]
                return self.reply(200, str(app.hits.get(key, 0)), 'text/plain')
            if path == '/__sim__/stats':
                return self.reply(200, json.dumps({'requests': app.requests}), 'application/json')
            return self.not_found()

        # XML-RPC -----------------------------------------------------------------------
        def xmlrpc(self, service, body, legacy):
            try:
                params, method = xmlrpc.client.loads(body, use_builtin_types=True)
                result = app.dispatch(service, method, params)
                out = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False, encoding='utf-8')
                return self.reply(200, out, 'text/xml; charset=utf-8', nosniff=True)
            except Exception as e:  # noqa: BLE001 - every exception becomes a fault, as in Odoo
                fault = self.xmlrpc_fault(e, legacy)
            out = xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False, encoding='utf-8')
            return self.reply(200, out, 'text/xml; charset=utf-8')

        def xmlrpc_fault(self, e, legacy):
            if legacy:
                if isinstance(e, AccessDenied):
                    return xmlrpc.client.Fault('AccessDenied', 'Access Denied')
                if isinstance(e, OdooException) and not isinstance(e, (OperationalError, NumericValueOutOfRange,
                                                                       InvalidTextRepresentation)):
                    cls = type(e).__name__
                    if isinstance(e, ValidationError):
                        cls = 'UserError'
                    return xmlrpc.client.Fault('warning -- %s\n\n%s' % (cls, exc_message(e)), '')
                return xmlrpc.client.Fault(exc_message(e), exc_traceback(e))
            if isinstance(e, AccessError):
                return xmlrpc.client.Fault(4, exc_message(e))
            if isinstance(e, AccessDenied):
                return xmlrpc.client.Fault(3, exc_message(e))
            if isinstance(e, UserError):
                return xmlrpc.client.Fault(2, exc_message(e))
            return xmlrpc.client.Fault(1, exc_traceback(e))

        # JSON-RPC ----------------------------------------------------------------------
        def jsonrpc(self, body):
            ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
            if ctype != 'application/json':
                return self.reply(400, HTML_400_JSON, 'text/html; charset=utf-8')
            try:
                req = json.loads(body)
            except ValueError:
                return self.reply(400, 'Invalid JSON data', 'text/html; charset=utf-8', nosniff=True)
            rid = req.get('id') if isinstance(req, dict) else None
            try:
                params = req.get('params') if isinstance(req, dict) else None
                params = dict(params or {})
                if 'args' not in params:
                    raise TypeError("RPC.jsonrpc() missing 1 required positional argument: 'args'")
                service = params.get('service')
                method = params.get('method')
                result = app.dispatch(service, method, params['args'])
                out = {'jsonrpc': '2.0', 'id': rid}
                if result is not None:
                    out['result'] = result
                return self.reply(200, json.dumps(out, ensure_ascii=False), 'application/json; charset=utf-8',
                                  nosniff=True, length_first=True)
            except Exception as e:  # noqa: BLE001
                err = error_object(e)
                data = {'name': err['name'], 'debug': err['debug'], 'message': err['message'],
                        'arguments': err['arguments'], 'context': {}}
                out = {'jsonrpc': '2.0', 'id': rid,
                       'error': {'code': app.v['jsonrpc_code'], 'message': 'Odoo Server Error', 'data': data}}
                return self.reply(200, json.dumps(out, ensure_ascii=False), 'application/json; charset=utf-8',
                                  length_first=True)

        def bearer_key(self):
            """(Authorization header or None when it is not a bearer one, the key)."""
            auth = self.headers.get('Authorization')
            key = None
            if auth is not None:
                scheme, _, cred = auth.partition(' ')
                key = cred.strip() if scheme.lower() == 'bearer' else None
                if scheme.lower() != 'bearer':
                    auth = None
            return auth, key

        # /doc-bearer/<model>.json, /doc-bearer/index.json (api_doc, bearer auth) ---------
        def doc_bearer(self, verb, path):
            _, key = self.bearer_key()
            m = re.match(r'^/doc-bearer/([A-Za-z0-9_.]+)\.json$', path)
            if self.no_database() or verb not in ('GET', 'HEAD') or not m:
                return self.not_found()
            try:
                app.bearer_uid(key)
                name = m.group(1)
                doc = app.doc_index() if name == 'index' else app.doc_model(name)
                body = json.dumps(doc, ensure_ascii=False).encode('utf-8')
                etag = hashlib.sha256(body).hexdigest()
                extra = [('Cache-Control', 'no-cache, private'), ('Content-Language', 'en-US')]
                if name == 'index':
                    extra = [('Content-Disposition', 'inline; filename=odoo-doc-index-2-%s.json' % etag),
                             ('ETag', '"%s"' % etag), ('Content-Security-Policy', "default-src 'none'")] + extra
                else:
                    extra.append(('ETag', etag))      # unquoted, as the real server sends it
                return self.reply(200, body, 'application/json; charset=utf-8', extra, nosniff=True)
            except Exception as e:  # noqa: BLE001
                status = json2_status(e)
                extra = [('WWW-Authenticate', 'Bearer ')] if status == 401 else []
                return self.reply(status, json.dumps(error_object(e), ensure_ascii=False),
                                  'application/json; charset=utf-8', extra, length_first=True)

        # JSON-2 ------------------------------------------------------------------------
        def json2(self, verb, path, body):
            auth, key = self.bearer_key()
            m = re.match(r'^/json/2/([^/]+)/([^/]+)$', path)
            try:
                if self.no_database():
                    return self.not_found()
                if verb == 'OPTIONS' or (auth is None and m):
                    raise http_error(401, 'Unauthorized',
                                    'User not authenticated, use an API Key with a Bearer Authorization header.')
                if verb != 'POST' or not m:
                    raise http_error(404, 'NotFound', 'Did you mean POST /json/2/<model>/<method>?')
                ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
                if ctype and ctype != 'application/json':
                    return self.reply(415, HTML_415, 'text/html; charset=utf-8', [('Accept', 'application/json')])
                if body.strip():
                    try:
                        params = json.loads(body)
                    except ValueError as ve:
                        raise http_error(400, 'BadRequest', 'could not parse the body as json: %s' % ve)
                else:
                    params = {}
                result = app.json2(m.group(1), m.group(2), params, key)
                return self.reply(200, json.dumps(result, ensure_ascii=False), 'application/json; charset=utf-8',
                                  nosniff=True, length_first=True)
            except Exception as e:  # noqa: BLE001
                status = json2_status(e)
                extra = [('WWW-Authenticate', 'Bearer ')] if status == 401 else []
                return self.reply(status, json.dumps(error_object(e), ensure_ascii=False),
                                  'application/json; charset=utf-8', extra, length_first=True)

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--version', type=int, choices=(17, 19), default=17)
    ap.add_argument('--fixtures', default=None)
    ap.add_argument('--products', type=int, default=0)
    ap.add_argument('--keepalive', action='store_true')
    ap.add_argument('--seed', action='append', default=[], metavar='FILE')
    a = ap.parse_args()
    load_pages(a.fixtures or os.environ.get('ERPLINK_FIXTURES') or
               os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures'))
    VERSION_OF_ERRORS[0] = a.version
    VERSIONS[a.version] = json.loads(json.dumps(VERSIONS[a.version], default=list))  # private, mutable copy
    VERSIONS[a.version]['expired_keys'] = set(VERSIONS[a.version]['expired_keys'])
    store = Store(a.version, a.fixtures, a.products)
    for path in a.seed:
        store.seed_file(path)
    app = Server(store)
    class Server_(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # a client that gave up (timeout tests) is not an error of the simulator
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                super().handle_error(request, client_address)

    httpd = Server_(('127.0.0.1', a.port), make_handler(app, a.keepalive))
    httpd.daemon_threads = True
    serverkit.serve(httpd)


if __name__ == '__main__':
    main()
