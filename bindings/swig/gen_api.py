#!/usr/bin/env python3
"""gen_api.py - writes bindings/swig/api.i, the SWIG declarations of every wrapped C function,
from the public headers include/erplink/*.h (their ERPLINK_EXTERN declarations and Doxygen
comments). One interface for every language: bindings/erplink.i includes the language's
typemaps (bindings/<lang>/typemaps.i) and then this file.

    gen_api.py [--include DIR] [--out FILE]      (default: the repository's, bindings/swig/api.i)

What it writes, per wrapped function:
  - the declaration, with `erplink_status` as the return type of a function that returns
    0 or a negative ERPLINK_E* code (its @return starts with 0 or lists ERPLINK_E codes): the
    language's `out` typemap for erplink_status turns a failure into an exception;
  - `%feature("docstring")` from the Doxygen @brief;
  - `%apply` lines mapping each parameter to the typemap of its *pattern* (table PATTERNS
    below; one typemap per pattern per language), e.g. `(const char *const *fields, size_t
    n_fields)` -> `(const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N)`;
  - `%erplink_blocking(name)` for a call that may block (it takes a client, cursor, intake,
    ...: BLOCKING_TYPES), `%erplink_nonblocking(name)` for the others. The language decides what
    that means (Python: GIL released + cancellation token pushed / GIL kept).
Per opaque type handed out through `T **out`: `%erplink_handle_out(T, T_free)` (owned; the
free function must exist) or, for `const T **out`, `%erplink_borrowed_out(T)`.
Per callback typedef used by a wrapped function (`typedef R (*name)(args..., void *userdata)`):
`%erplink_callback(name)` plus, per language, a generated trampoline that converts the
arguments (CALLBACK_ARGS) and calls the target-language callable (emit_python_callbacks();
a Node emitter goes next to it).
Per ops struct used by a wrapped function (`typedef struct T { R (*op)(args..., void *userdata);
... } T;`, passed as `(const T *ops, void *userdata)`): `%erplink_ops(T)` plus, per language, a
trampoline per op that calls the method of the same name on the target-language object given
for the pair (emit_python_ops(): in-arguments converted as for callbacks, `T *out` arguments
filled from the method's result; see OPS_* below).

A parameter, return type or callback argument that matches no pattern is an ERROR (exit 1,
naming the function): a new C function is never silently wrapped wrong. Functions that are
deliberately not wrapped are listed in SKIP with the reason. Modules are selected in MODULES.
"""
import argparse
import difflib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# header -> which of its functions are in scope (a predicate on the name). Phase 1 of issue 13:
# core (error, version, cancel, the transport options of http.h), Odoo, Cartona, Razorpay
# (not razorpay_dedup_*, replaced by a core store later), and the value demos of the first cut.
MODULES = [
    ('version.h', lambda n: True),
    ('error.h', lambda n: True),
    ('value.h', lambda n: n in ('erplink_value_clone', 'erplink_value_dump', 'erplink_value_get_int')),
    ('cancel.h', lambda n: True),
    ('http.h', lambda n: n.startswith('erplink_http_options_') or n == 'erplink_http_client_pause_remaining_ms'),
    ('odoo.h', lambda n: True),
    ('cartona.h', lambda n: True),
    ('cartona_products.h', lambda n: True),
    ('cartona_orders.h', lambda n: True),
    ('cartona_status.h', lambda n: True),
    ('razorpay.h', lambda n: not n.startswith('razorpay_dedup_')),
    # issue 13 phase 2a: the store layer (erplink_store, dedup, blob cache, outbox) and its
    # Cartona flush (issue 12)
    ('store.h', lambda n: True),
    ('cartona_outbox.h', lambda n: True),
    # issue 13 phase 2b: EVE SSO, JWT verification, self-refreshing tokens, the ESI client
    ('esi_jwt.h', lambda n: True),
    ('esi_sso.h', lambda n: True),
    ('esi_token.h', lambda n: True),
    ('esi_client.h', lambda n: True),
]

# Functions in scope that are deliberately not wrapped, with the reason.
SKIP = {
    'erplink_error_last': 'failures reach the language as exceptions built from it by the status typemap',
    'erplink_error_clear': 'the status typemap reads the last error right after the failing call',
    'erplink_error_set': 'target-language code raises its own exceptions',
    'erplink_error_code': 'errors are exception objects (the ERPLINK_ERROR_OBJ return pattern)',
    'erplink_error_get_category': 'errors are exception objects',
    'erplink_error_message': 'errors are exception objects',
    'erplink_error_http_status': 'errors are exception objects',
    'erplink_error_remote_class': 'errors are exception objects',
    'erplink_error_detail': 'errors are exception objects',
    'erplink_error_retry_after_ms': 'errors are exception objects',
    'erplink_error_clone': 'errors are exception objects (copied when converted)',
    'erplink_error_free': 'errors are exception objects',
    'erplink_cancel_set_poll': 'the binding installs its own poll function (Ctrl-C, AbortSignal)',
    'erplink_http_options_clone': 'transport options are applied knob by knob to each service\'s embedded options',
    # the esi_cache_store ops struct carries its userdata inside and is copied by value: the
    # Python binding sets it with hand-written helpers (bindings/python/esi_cache.i:
    # esi_cache_holder_new, esi_options_use_cache_holder, esi_options_use_blob_cache)
    'esi_options_set_cache_store': 'Python: esi_options_use_cache_holder / esi_options_use_blob_cache (bindings/python/esi_cache.i)',
    'esi_cache_store_from_blob_cache': 'Python: esi_options_use_blob_cache (bindings/python/esi_cache.i)',
}

# Pointers to these types mean "this call may block" (network, backoff, rate-limit waits).
BLOCKING_TYPES = {'odoo_client', 'odoo_cursor', 'cartona_client', 'cartona_intake',
                  'esi_client', 'esi_sso', 'esi_token', 'esi_pager'}
# The store layer waits for file locks (busy timeout, up to minutes), syncs to disk and runs the
# caller's ops (which may do I/O): every call on these may block.
BLOCKING_TYPES |= {'erplink_store', 'erplink_dedup', 'erplink_blob_cache', 'erplink_outbox'}
# Blocking calls that take none of those types (they create one).
BLOCKING_FUNCS = {'erplink_store_open'}

# Opaque types whose destructor is not named T_free.
FREE_FUNCS = {'erplink_store': 'erplink_store_close'}

SCALARS = {'int', 'long', 'unsigned', 'unsigned int', 'double', 'size_t', 'int64_t', 'uint64_t'}

# Scalar out parameters: the C type -> the typemap that converts it.
# A returned pointer whose length comes through a `size_t *len` parameter of the same function:
# bytes (const void *) or text that may hold any byte (const char *, e.g. esi_pager_json).
RET_WITH_LEN = {'const void *': 'ERPLINK_BYTES_RET', 'const char *': 'ERPLINK_TEXT_RET'}
SCALAR_OUT = {'int': 'int *ERPLINK_OUT_INT', 'int64_t': 'int64_t *ERPLINK_OUT_INT64',
              'size_t': 'size_t *ERPLINK_OUT_SIZE', 'double': 'double *ERPLINK_OUT_DOUBLE'}

# Callback arguments: C type -> (Py_BuildValue format, expression of the argument `a`).
CALLBACK_ARGS_PY = {
    'int': ('i', '{a}'), 'size_t': ('n', '(Py_ssize_t){a}'), 'int64_t': ('L', '(long long){a}'),
    'double': ('d', '{a}'), 'const char *': ('N', 'elpy_str_or_none({a})'),
    'const erplink_value *': ('N', 'elpy_from_value({a})'),
}

# Ops structs (the pattern `(const T *ops, void *userdata)`). Each op is `int (*op)(args...,
# void *userdata)` (0 or a negative ERPLINK_E* code) or `void (*op)(void *userdata)`; the object
# given for the pair has one method per op, called with the in-arguments in C order:
#   in-arguments: CALLBACK_ARGS_PY, the enums (int), `(const void *p, size_t len)` (bytes), and
#                 `T *` of an opaque type (a borrowed pointer object, valid during the call);
#   out-arguments (`int *`, `size_t *`, `int64_t *`): the method's result (a tuple for several).
# A missing method leaves the op NULL (the C constructor decides whether it may be). `destroy`
# (required: it releases the object) calls the method `destroy()` when there is one.
OPS_OUTS_PY = {'int *': 'elpy_op_out_flag', 'size_t *': 'elpy_op_out_size', 'int64_t *': 'elpy_op_out_int64'}
# Ops whose failure the C library ignores by design: an exception raised by their method is
# logged (logger "erplink", WARNING) instead of being re-raised by the C call that ran them.
OPS_BEST_EFFORT = {
    ('erplink_dedup_ops', 'purge'): 'erplink_dedup_seen() ignores a failing purge: the id is recorded',
    ('erplink_outbox_ops', 'purge'): 'erplink_outbox_claim() purges done items on a best-effort basis',
}

# Callback arguments for PHP: C type -> the statement that sets zval `z` from the argument `a`
# (0 on success; a conversion that throws makes the trampoline stop the C call).
CALLBACK_ARGS_PHP = {
    'int': 'ZVAL_LONG({z}, (zend_long){a})', 'size_t': 'ZVAL_LONG({z}, (zend_long){a})',
    'int64_t': 'ZVAL_LONG({z}, (zend_long){a})', 'double': 'ZVAL_DOUBLE({z}, {a})',
    'const char *': 'elphp_str_or_null({a}, {z})', 'const erplink_value *': 'ok_ = elphp_from_value({a}, {z}) == 0',
}


class GenError(Exception):
    pass


def norm(t):
    t = re.sub(r'\s+', ' ', t.strip())
    t = re.sub(r'\s*\*\s*', ' *', t).replace('* *', '**').replace(' *const *', ' *const *')
    return t.replace('* const', '*const').strip()


def split_param(p):
    """'const char *const *fields' -> ('const char *const *', 'fields')."""
    p = re.sub(r'\s+', ' ', p.strip())
    m = re.match(r'^(.*?)(\w+)$', p)
    if not m or not m.group(1).strip():
        raise GenError('cannot parse parameter %r' % p)
    t = m.group(1).strip()
    t = re.sub(r'\s*\*\s*', '*', t)          # 'const char *const *' -> 'const char*const*'
    t = re.sub(r'(\w)\*', r'\1 *', t)         # 'char*' -> 'char *'
    t = t.replace('*const*', '*const *')
    return t, m.group(2)


class Header:
    def __init__(self, path):
        self.name = os.path.basename(path)
        self.text = open(path, encoding='utf-8').read()


def parse_headers(include_dir):
    """-> (functions: list of dict, opaque types, enums, callbacks: name -> (ret, [(type, name)]))."""
    funcs, opaque, enums, callbacks = [], set(), set(), {}
    for fn in sorted(os.listdir(include_dir)):
        if not fn.endswith('.h'):
            continue
        h = Header(os.path.join(include_dir, fn))
        code = h.text
        for m in re.finditer(r'typedef\s+struct\s+\w+\s+(\w+)\s*;', code):
            opaque.add(m.group(1))
        for m in re.finditer(r'typedef\s+enum\s+\w*\s*\{[^}]*\}\s*(\w+)\s*;', code):
            enums.add(m.group(1))
        for m in re.finditer(r'typedef\s+([\w\s\*]+?)\s*\(\s*\*\s*(\w+)\s*\)\s*\(([^)]*)\)\s*;', code):
            ret = norm(m.group(1))
            args = [split_param(a) for a in m.group(3).split(',') if a.strip() and a.strip() != 'void']
            callbacks[m.group(2)] = (ret, args)
        for m in re.finditer(r'^ERPLINK_EXTERN\s+([^;{]*?)\s*;', code, re.M):
            decl = re.sub(r'\s+', ' ', m.group(1))
            before = code[:m.start()].rstrip()
            doc = ''
            if before.endswith('*/'):
                start = before.rfind('/**')
                doc = before[start:] if start >= 0 else ''
            dm = re.match(r'^(.*?)\b(\w+)\s*\((.*)\)$', decl)
            if not dm:
                raise GenError('%s: cannot parse declaration %r' % (fn, decl))
            funcs.append({'header': fn, 'ret': norm(dm.group(1)), 'name': dm.group(2),
                          'params_text': dm.group(3).strip(), 'doc': doc, 'decl': decl})
    return funcs, opaque, enums, callbacks


def parse_ops_structs(include_dir):
    """-> {T: {'fields': [(name, ret, [(type, name)])], 'userdata_field': bool}} for every
    `typedef struct T { ... } T;` whose members are function pointers (and at most a
    `void *userdata` member): the ops structs a caller implements."""
    ops = {}
    for fn in sorted(os.listdir(include_dir)):
        if not fn.endswith('.h'):
            continue
        code = open(os.path.join(include_dir, fn), encoding='utf-8').read()
        for m in re.finditer(r'typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;', code, re.S):
            body = re.sub(r'/\*.*?\*/', ' ', m.group(2), flags=re.S)
            members = [x.strip() for x in body.split(';') if x.strip()]
            fields, userdata_field, plain = [], False, True
            for mem in members:
                fm = re.match(r'^([\w\s\*]+?)\s*\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)$', mem, re.S)
                if fm:
                    args = [split_param(a) for a in fm.group(3).split(',') if a.strip() and a.strip() != 'void']
                    fields.append((fm.group(2), norm(fm.group(1)), args))
                elif re.sub(r'\s+', ' ', mem) == 'void *userdata':
                    userdata_field = True
                else:
                    plain = False
            if plain and fields:
                ops[m.group(3)] = {'fields': fields, 'userdata_field': userdata_field, 'header': fn}
    return ops


def doc_brief(doc):
    text = re.sub(r'^\s*/\*\*|\*/\s*$', '', doc)
    lines = [re.sub(r'^\s*\* ?', '', l) for l in text.split('\n')]
    body = '\n'.join(lines)
    m = re.search(r'@brief\s+(.*?)(?=\n\s*\n|\n\s*@|\Z)', body, re.S)
    brief = m.group(1) if m else body.strip().split('\n\n')[0]
    brief = re.sub(r'\s+', ' ', brief).strip()
    brief = re.sub(r'::(\w+)', r'\1', brief)
    return brief


def doc_return(doc):
    m = re.search(r'@return\s+(.*?)(?=\n\s*\*\s*@|\*/)', doc, re.S)
    return re.sub(r'[\s*]+', ' ', m.group(1)).strip() if m else ''


def is_status(f, by_name=None):
    if f['ret'] != 'int':
        return False
    r = doc_return(f['doc'])
    m = re.match(r'^as (?:for )?(\w+)\(\)', r)
    if m and by_name and m.group(1) in by_name:  # "@return as for odoo_client_execute_kw()."
        return is_status(by_name[m.group(1)], by_name)
    if re.match(r'^1 or 0|^1 if|^1 \(|^the ', r):
        return False
    return bool(re.match(r'^0\b', r) or re.search(r'ERPLINK_E[A-Z]', r))


def c_escape(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


class Generator:
    def __init__(self, include_dir):
        self.funcs, self.opaque, self.enums, self.callbacks = parse_headers(include_dir)
        self.ops_structs = parse_ops_structs(include_dir)
        self.used_ops = []
        self.local_applies = {}  # function name -> [(pattern, target)], applied around its declaration only
        self.applies = {}      # (pattern, target) -> None, in order
        self.handles_out = {}  # type -> free fn or None (borrowed)
        self.used_callbacks = []
        self.errors = []

    def apply(self, pattern, target):
        self.applies.setdefault((pattern, target), None)

    def classify(self, f):
        """Returns (ret, blocking) after recording the %apply lines; raises GenError."""
        name, text = f['name'], f['params_text']
        if '(' in text or '[' in text:
            raise GenError('%s: an inline function-pointer or array parameter (use a typedef / pointer + length)' % name)
        params = f['params'] = [] if text in ('', 'void') else [split_param(p) for p in text.split(',')]
        i, n = 0, len(params)
        blocking = False
        while i < n:
            t, pn = params[i]
            nxt = params[i + 1] if i + 1 < n else None
            base = t.replace('const ', '').replace(' *', '').replace('*', '').strip()
            if t in ('erplink_value **',):
                self.apply('erplink_value **ERPLINK_VALUE_OUT', '%s%s' % (t, pn))
            elif t == 'const erplink_value **':
                self.apply('const erplink_value **ERPLINK_VALUE_BORROWED_OUT', '%s%s' % (t, pn))
            elif t == 'const erplink_value *':
                self.apply('const erplink_value *ERPLINK_VALUE_IN', '%s%s' % (t, pn))
            elif t == 'char **':
                self.apply('char **ERPLINK_STR_OUT', '%s%s' % (t, pn))
            elif t == 'const char **':
                self.apply('const char **ERPLINK_STR_BORROWED_OUT', '%s%s' % (t, pn))
            elif t == 'const char *const *' and nxt and nxt[0] == 'size_t':
                self.apply('(const char *const *ERPLINK_NAMES, size_t ERPLINK_NAMES_N)',
                           '(%s%s, size_t %s)' % (t, pn, nxt[1]))
                i += 1
            elif t == 'const int64_t *' and nxt and nxt[0] == 'size_t':
                self.apply('(const int64_t *ERPLINK_INTS, size_t ERPLINK_INTS_N)',
                           '(%s%s, size_t %s)' % (t, pn, nxt[1]))
                i += 1
            elif t in ('const void *', 'const char *') and nxt and nxt[0] == 'size_t' and \
                    re.search(r'len|size', nxt[1]):
                self.apply('(const void *ERPLINK_BYTES, size_t ERPLINK_BYTES_N)', '(%s%s, size_t %s)' % (t, pn, nxt[1]))
                i += 1
            elif t == 'const char *':
                self.apply('const char *ERPLINK_STR_IN', '%s%s' % (t, pn))
            elif t == 'const char *const *' and i + 3 < n and params[i + 1][0] == 'const void *const *' and \
                    params[i + 2][0] == 'const size_t *' and params[i + 3][0] == 'size_t':
                # parallel arrays of keys and payloads (erplink_outbox_enqueue_many)
                self.apply('(const char *const *ERPLINK_KEYED_KEYS, const void *const *ERPLINK_KEYED_PAYLOADS, '
                           'const size_t *ERPLINK_KEYED_LENS, size_t ERPLINK_KEYED_N)',
                           '(%s%s, const void *const *%s, const size_t *%s, size_t %s)' %
                           (t, pn, params[i + 1][1], params[i + 2][1], params[i + 3][1]))
                i += 3
            elif t == 'int64_t **' and nxt and nxt[0] == 'size_t *':
                # ints allocated by erplink (erplink_free), e.g. the invalid ids of esi_client_universe_names
                self.apply('(int64_t **ERPLINK_INTS_OUT, size_t *ERPLINK_INTS_OUT_N)',
                           '(int64_t **%s, size_t *%s)' % (pn, nxt[1]))
                i += 1
            elif t == 'const esi_mail_recipient *' and nxt and nxt[0] == 'size_t':
                # (id, type) pairs (esi_client_send_mail)
                self.apply('(const esi_mail_recipient *ERPLINK_ESI_RECIPIENTS, size_t ERPLINK_ESI_RECIPIENTS_N)',
                           '(%s%s, size_t %s)' % (t, pn, nxt[1]))
                i += 1
            elif t == 'void **' and nxt and nxt[0] == 'size_t *':
                # bytes allocated by erplink (erplink_free), e.g. erplink_blob_cache_get
                self.apply('(void **ERPLINK_BYTES_OUT, size_t *ERPLINK_BYTES_OUT_N)',
                           '(void **%s, size_t *%s)' % (pn, nxt[1]))
                i += 1
            elif t == 'size_t *' and f['ret'] in RET_WITH_LEN and re.search(r'len|size', pn):
                # the length of the returned bytes or text (erplink_outbox_item_payload,
                # esi_pager_json): bound to this function only, so that other `size_t *len`
                # parameters keep their pattern
                self.local_applies.setdefault(name, []).append(('size_t *%s_N' % RET_WITH_LEN[f['ret']],
                                                                '%s%s' % (t, pn)))
            elif t.startswith('const ') and t.endswith(' *') and base in self.ops_structs and \
                    nxt == ('void *', 'userdata'):
                self.check_ops(name, base)
                self.apply('(const %s *ERPLINK_OPS, void *ERPLINK_OPS_USERDATA)' % base,
                           '(%s%s, void *userdata)' % (t, pn))
                if base not in self.used_ops:
                    self.used_ops.append(base)
                i += 1
            elif t in self.callbacks and nxt and nxt == ('void *', 'userdata'):
                self.check_callback(name, t)
                self.apply('(%s ERPLINK_CALLBACK, void *ERPLINK_USERDATA)' % t, '(%s %s, void *userdata)' % (t, pn))
                if t not in self.used_callbacks:
                    self.used_callbacks.append(t)
                i += 1
            elif t.endswith(' **') and base in self.opaque:
                if t.startswith('const '):
                    self.handles_out.setdefault(base, None)
                    self.apply('const %s **ERPLINK_HANDLE_OUT' % base, '%s%s' % (t, pn))
                else:
                    free = FREE_FUNCS.get(base, base + '_free')
                    if not any(g['name'] == free for g in self.funcs):
                        raise GenError('%s: %s **%s has no %s()' % (name, base, pn, free))
                    self.handles_out[base] = free
                    self.apply('%s **ERPLINK_HANDLE_OUT' % base, '%s%s' % (t, pn))
            elif t.endswith(' *') and base in self.opaque:
                if base in BLOCKING_TYPES and not t.startswith('const ') and not name.endswith('_free'):
                    blocking = True
                # default pointer typemaps: the language's wrapped pointer object
            elif t.endswith(' *') and not t.startswith('const ') and (base in SCALAR_OUT or base in self.enums):
                self.apply(SCALAR_OUT.get(base, 'int *ERPLINK_OUT_INT'), '%s%s' % (t, pn))
            elif t in SCALARS or t in self.enums:
                pass  # default scalar typemaps (range-checked)
            else:
                raise GenError('%s: cannot classify parameter %r %s' % (name, t, pn))
            i += 1
        ret = f['ret']
        if name in BLOCKING_FUNCS:
            blocking = True
        if ret == 'const void *' and name not in self.local_applies:
            raise GenError('%s: returns const void * without a size_t *len parameter' % name)
        if ret in RET_WITH_LEN and name in self.local_applies:
            targets = {tg for (_, tg) in self.applies}
            for _, tg in self.local_applies[name]:
                if tg in targets:
                    raise GenError('%s: %s is bound to a pattern of another function too' % (name, tg))
            self.local_applies[name].append(('%s%s' % (ret, RET_WITH_LEN[ret]), '%s%s' % (ret, name)))
        if is_status(f, {g['name']: g for g in self.funcs}):
            ret = 'erplink_status'
        elif ret == 'const erplink_value *':
            ret = 'const erplink_value *'
            self.apply('const erplink_value *ERPLINK_VALUE_RET', 'const erplink_value *%s' % name)
        elif ret == 'const erplink_error *':
            self.apply('const erplink_error *ERPLINK_ERROR_OBJ', 'const erplink_error *%s' % name)
        elif ret in SCALARS or ret in self.enums or ret in ('void', 'const char *', 'const void *'):
            pass
        elif ret.endswith(' *') and ret.replace('const ', '').replace(' *', '') in self.opaque:
            pass  # borrowed pointer (accessors): the language's wrapped pointer object
        else:
            raise GenError('%s: cannot classify return type %r' % (name, ret))
        return ret, blocking

    def check_callback(self, fname, cb):
        ret, args = self.callbacks[cb]
        if not args or args[-1] != ('void *', 'userdata'):
            raise GenError('%s: callback %s does not take userdata last' % (fname, cb))
        if ret not in ('int', 'void'):
            raise GenError('%s: callback %s returns %r (int or void only)' % (fname, cb, ret))
        for t, an in args[:-1]:
            base = t.replace('const ', '').replace(' *', '').strip()
            if t not in CALLBACK_ARGS_PY and not (t.startswith('const ') and t.endswith(' *') and base in self.opaque):
                raise GenError('%s: callback %s: cannot convert argument %r %s' % (fname, cb, t, an))

    def ops_fields(self, T):
        """-> [(op, ret, in_args [(type, name, fmt, expr)], outs [(type, name)], best_effort)] of ops
        struct T; raises GenError for what cannot be converted."""
        st = self.ops_structs[T]
        out = []
        for op, ret, args in st['fields']:
            where = '%s.%s' % (T, op)
            if args.count(('void *', 'userdata')) != 1 and not st['userdata_field']:
                raise GenError('%s: takes no `void *userdata`' % where)
            if ret not in ('int', 'void'):
                raise GenError('%s returns %r (int or void only)' % (where, ret))
            ins, outs, k = [], [], 0
            while k < len(args):
                t, an = args[k]
                nx = args[k + 1] if k + 1 < len(args) else None
                base = t.replace('const ', '').replace(' *', '').strip()
                if (t, an) == ('void *', 'userdata'):
                    pass
                elif t in ('const void *', 'const char *') and nx and nx[0] == 'size_t' and re.search(r'len|size', nx[1]):
                    ins.append((t, an, 'N', 'PyBytes_FromStringAndSize((const char *){a}, (Py_ssize_t){l})'
                                .format(a=an, l=nx[1])))
                    k += 1
                elif t in CALLBACK_ARGS_PY:
                    fmt, e = CALLBACK_ARGS_PY[t]
                    ins.append((t, an, fmt, e.format(a=an)))
                elif t == 'int64_t' or t in self.enums:
                    ins.append((t, an, 'L' if t == 'int64_t' else 'i',
                                '(long long)%s' % an if t == 'int64_t' else '(int)%s' % an))
                elif t.endswith(' *') and base in self.opaque:
                    ins.append((t, an, 'N', 'elpy_borrowed_ptr((void *)%s, "%s *")' % (an, base)))
                elif t in OPS_OUTS_PY:
                    outs.append((t, an))
                else:
                    raise GenError('%s: cannot convert argument %r %s' % (where, t, an))
                k += 1
            if ret == 'void' and outs:
                raise GenError('%s: a void op with out-arguments' % where)
            out.append((op, ret, ins, outs, (T, op) in OPS_BEST_EFFORT))
        if not any(op == 'destroy' and ret == 'void' and not ins for op, ret, ins, _, _ in out):
            raise GenError('%s has no `void (*destroy)(void *userdata)`: the binding could not know when to '
                           'release the object implementing it' % T)
        return out

    def check_ops(self, fname, T):
        if self.ops_structs[T]['userdata_field']:
            raise GenError('%s: ops struct %s carries its userdata inside (not supported yet: pass '
                           '(const T *ops, void *userdata))' % (fname, T))
        try:
            self.ops_fields(T)
        except GenError as e:
            raise GenError('%s: %s' % (fname, e))

    def run(self):
        out_funcs = []
        for f in self.funcs:
            pred = dict(MODULES).get(f['header'])
            if pred is None or not pred(f['name']) or f['name'] in SKIP:
                continue
            try:
                ret, blocking = self.classify(f)
            except GenError as e:
                self.errors.append(str(e))
                continue
            out_funcs.append((f, ret, blocking))
        if self.errors:
            raise GenError('\n'.join(self.errors))
        return out_funcs

    def emit(self):
        funcs = self.run()
        o = []
        w = o.append
        w('/* api.i - GENERATED by bindings/swig/gen_api.py from include/erplink/*.h: do not edit.')
        w(' * Regenerate with `python3 bindings/swig/gen_api.py`; the test bindings_api_current fails')
        w(' * when this file is not what the headers give. */')
        w('')
        w('/* ---- opaque types handed out through out parameters */')
        for t in sorted(self.handles_out):
            if self.handles_out[t]:
                w('%%erplink_handle_out(%s, %s)' % (t, self.handles_out[t]))
            else:
                w('%%erplink_borrowed_out(%s)' % t)
        w('')
        w('/* ---- callbacks (trampolines per language below) */')
        for cb in self.used_callbacks:
            w('%%erplink_callback(%s)' % cb)
        w('')
        w('#ifdef SWIGPYTHON')
        w('%{')
        w(self.emit_python_callbacks())
        w('%}')
        w('#endif')
        w('')
        if self.used_ops:
            w('/* ---- ops structs: an object with one method per op (trampolines per language below; the')
            w(' * languages without the pattern leave these functions unwrapped or refuse the pair) */')
            w('#ifdef SWIGPYTHON')
            for T in self.used_ops:
                w('%%erplink_ops(%s)' % T)
            w('%{')
            w(self.emit_python_ops())
            w('%}')
            for T in self.used_ops:
                w('%%constant const char *OPS_%s = "%s";' % (T, self.ops_signature(T)))
            w('#endif')
            w('')
        w('#ifdef SWIGPHP')
        w('%{')
        w(self.emit_php_callbacks())
        w('%}')
        w('#endif')
        w('')
        w('/* ---- parameter patterns */')
        for (pattern, target) in self.applies:
            w('%%apply %s { %s };' % (pattern, target))
        w('')
        w('/* ---- functions */')
        header = None
        for f, ret, blocking in funcs:
            if f['header'] != header:
                header = f['header']
                w('')
                w('/* %s */' % header)
            w('%%feature("docstring") %s "%s";' % (f['name'], c_escape(doc_brief(f['doc']))))
            w('%%erplink_%s(%s)' % ('blocking' if blocking else 'nonblocking', f['name']))
            params = ', '.join('%s%s%s' % (t, '' if t.endswith('*') else ' ', n) for t, n in f['params']) or 'void'
            local = self.local_applies.get(f['name'], [])
            for pattern, target in local:
                w('%%apply %s { %s };' % (pattern, target))
            w('%s%s%s(%s);' % (ret, '' if ret.endswith('*') else ' ', f['name'], params))
            for _, target in local:
                w('%%clear %s;' % target)
        w('')
        w('/* ---- clear the patterns (they are bound to parameter names) */')
        for (pattern, target) in self.applies:
            w('%%clear %s;' % target)
        return '\n'.join(o) + '\n'

    def emit_python_callbacks(self):
        o = []
        for cb in self.used_callbacks:
            ret, args = self.callbacks[cb]
            cargs = ', '.join('%s%s%s' % (t, '' if t.endswith('*') else ' ', n) for t, n in args)
            fmt, exprs = '', []
            for t, an in args[:-1]:
                if t in CALLBACK_ARGS_PY:
                    f, e = CALLBACK_ARGS_PY[t]
                else:  # const T *: a borrowed handle
                    base = t.replace('const ', '').replace(' *', '').strip()
                    f, e = 'N', 'elpy_borrowed_ptr((void *){a}, "%s *")' % base
                fmt += f
                exprs.append(e.format(a=an))
            o.append('/* trampoline of %s: calls the Python callable given as userdata with the GIL held */' % cb)
            o.append('static %s elpy_cb_%s(%s) {' % (ret, cb, cargs))
            o.append('  PyGILState_STATE gil_ = PyGILState_Ensure();')
            o.append('  int stop_ = 1;')
            o.append('  if (!elpy_pending_exists()) {')
            o.append('    PyObject *args_ = Py_BuildValue("(%s)"%s);' % (fmt, ''.join(', ' + e for e in exprs)))
            o.append('    stop_ = elpy_call_callback((PyObject *)userdata, args_);')
            o.append('  }')
            if ret == 'void':
                o.append('  if (stop_) elpy_cancel_current(); /* a void callback stops the call through the token */')
            o.append('  PyGILState_Release(gil_);')
            o.append('  return%s;' % (' stop_' if ret == 'int' else ''))
            o.append('}')
        return '\n'.join(o)


    def ops_signature(self, T):
        """The methods of ops struct T, as the target language calls them:
        "op(arg, ...) -> out, ...;..." (for the binding's tests and documentation)."""
        parts = []
        for op, ret, ins, outs, _ in self.ops_fields(T):
            sig = '%s(%s)' % (op, ','.join(a for _, a, _, _ in ins))
            if outs:
                sig += '->' + ','.join(a for _, a in outs)
            parts.append(sig)
        return ';'.join(parts)

    def emit_python_ops(self):
        o = []
        for T in self.used_ops:
            fields = self.ops_fields(T)
            o.append('/* ops struct %s: methods %s */' % (T, ', '.join(op for op, *_ in fields)))
            o.append('enum { %s, ELPY_OPS_N_%s };' % (', '.join('ELPY_OP_%s_%s' % (T, op) for op, *_ in fields), T))
            o.append('static const char *const elpy_ops_names_%s[] = {%s};' % (T, ', '.join('"%s"' % op for op, *_ in fields)))
            for op, ret, ins, outs, best_effort in fields:
                st = self.ops_structs[T]
                cargs = next(a for (n_, r_, a) in st['fields'] if n_ == op)
                sig = ', '.join('%s%s%s' % (t, '' if t.endswith('*') else ' ', n) for t, n in cargs)
                idx = 'ELPY_OP_%s_%s' % (T, op)
                o.append('static %s elpy_op_%s_%s(%s) {' % (ret, T, op, sig))
                o.append('  elpy_ops *h_ = (elpy_ops *)userdata;')
                o.append('  PyGILState_STATE gil_ = PyGILState_Ensure();')
                if op == 'destroy':
                    o.append('  elpy_ops_release(h_, %s); /* the method destroy(), if any, then the object */' % idx)
                    o.append('  PyGILState_Release(gil_);')
                    o.append('}')
                    continue
                fmt = ''.join(f for _, _, f, _ in ins)
                exprs = ''.join(', ' + e for _, _, _, e in ins)
                o.append('  int rc_ = 0;')
                o.append('  PyObject *r_ = elpy_op_call(h_, %s, Py_BuildValue("(%s)"%s), %d, &rc_);'
                         % (idx, fmt, exprs, 1 if best_effort or ret == 'void' else 0))
                if outs:
                    o.append('  if (r_) {')
                    o.append('    PyObject *o_[%d];' % len(outs))
                    o.append('    rc_ = elpy_op_outs(h_, %s, r_, %d, o_);' % (idx, len(outs)))
                    for k, (t, an) in enumerate(outs):
                        o.append('    if (!rc_) rc_ = %s(h_, %s, o_[%d], %s);' % (OPS_OUTS_PY[t], idx, k, an))
                    o.append('  }')
                o.append('  Py_XDECREF(r_);')
                o.append('  PyGILState_Release(gil_);')
                o.append('  return rc_;' if ret == 'int' else '  (void)rc_;')
                o.append('}')
            o.append('/* the ops of %s for the object held by h (a missing method: NULL; destroy always) */' % T)
            o.append('static void elpy_ops_fill_%s(%s *ops, const elpy_ops *h) {' % (T, T))
            o.append('  memset(ops, 0, sizeof *ops);')
            for op, *_ in fields:
                if op == 'destroy':
                    o.append('  ops->destroy = elpy_op_%s_destroy;' % T)
                else:
                    o.append('  if (h->m[ELPY_OP_%s_%s]) ops->%s = elpy_op_%s_%s;' % (T, op, op, T, op))
            o.append('}')
        return '\n'.join(o)

    def emit_php_callbacks(self):
        o = []
        for cb in self.used_callbacks:
            ret, args = self.callbacks[cb]
            cargs = ', '.join('%s%s%s' % (t, '' if t.endswith('*') else ' ', n) for t, n in args)
            n = len(args) - 1
            o.append('/* trampoline of %s: calls the PHP callable given as userdata on the calling thread */' % cb)
            o.append('static %s elphp_cb_%s(%s) {' % (ret, cb, cargs))
            o.append('  int stop_ = 1;')
            o.append('  if (!EG(exception)) {')
            o.append('    zval args_[%d];' % max(n, 1))
            o.append('    int ok_ = 1;')
            for i, (t, an) in enumerate(args[:-1]):
                z = '&args_[%d]' % i
                if t in CALLBACK_ARGS_PHP:
                    stmt = CALLBACK_ARGS_PHP[t].format(a=an, z=z)
                else:  # const T *: a borrowed handle
                    base = t.replace('const ', '').replace(' *', '').strip()
                    stmt = 'elphp_borrowed_ptr((void *)%s, "%s *", %s)' % (an, base, z)
                if i == 0:
                    o.append('    %s;' % stmt)
                else:
                    o.append('    if (ok_) %s; else ZVAL_NULL(%s);' % (stmt, z))
            o.append('    if (ok_) stop_ = elphp_call_callback((zend_object *)userdata, args_, %d);' % n)
            o.append('    else for (int i_ = 0; i_ < %d; i_++) zval_ptr_dtor(&args_[i_]);' % n)
            o.append('  }')
            if ret == 'void':
                o.append('  if (stop_) elphp_cancel_current(); /* a void callback stops the call through the token */')
            o.append('  return%s;' % (' stop_' if ret == 'int' else ''))
            o.append('}')
        return '\n'.join(o)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--include', default=os.path.join(ROOT, 'include', 'erplink'))
    ap.add_argument('--out', default=os.path.join(HERE, 'api.i'))
    ap.add_argument('--check', metavar='FILE', help='compare with FILE instead of writing; exit 1 on a difference')
    a = ap.parse_args()
    try:
        text = Generator(a.include).emit()
    except GenError as e:
        print('gen_api.py: cannot generate the interface:\n' + str(e), file=sys.stderr)
        return 1
    if a.check:
        old = open(a.check, encoding='utf-8').read()
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), a.check, 'generated'))
            print('%s is not current: run python3 bindings/swig/gen_api.py' % a.check, file=sys.stderr)
            return 1
        return 0
    with open(a.out, 'w', encoding='utf-8') as fh:
        fh.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
