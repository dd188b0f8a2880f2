#!/usr/bin/env python3
"""Replay the captured real-Odoo transcripts against tests/servers/odoo_server.py.

For each version (17, 19) one simulator is started with --fixtures (records seeded from the
transcripts) and every NAME.request is sent, byte for byte, in capture order (captures.json /
cases.json: later cases depend on earlier writes). The answer is compared with NAME.response:

  * status code;
  * Content-Type, and the presence/value of WWW-Authenticate, Allow, Accept, Connection and
    X-Content-Type-Options (Date, Server, Content-Length, Set-Cookie, ETag are ignored);
  * the body, decoded (XML-RPC with xmlrpc.client, JSON with json) and compared structurally
    with types (True is not 1), after this normalisation and nothing else:
      - a Python traceback (JSON 'debug', XML-RPC faultString of code 1 / legacy faults) is
        reduced to its exception line (the first unindented line after the last frame);
      - psycopg2 error messages are reduced to their first line (the rest is SQL text);
      - the values of create_date / write_date are reduced to their format;
      - HTML bodies are compared by their <title> (or whole text when there is none).
  Created ids are not normalised: before a case whose captured answer creates records, the
  script tells the simulator which id to use next (POST /__sim__/next_id), as a database
  sequence would have done.

Every case passes or is listed in EXCLUDED with its reason. Exit status 0 when every
non-excluded case passes. Usage: replay_fixtures.py [FIXTURES_DIR] (default $ERPLINK_FIXTURES).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.environ.get('ERPLINK_TEST_SERVERS', os.path.join(HERE, '..', 'servers')), 'odoo_server.py')

# Cases the simulator does not reproduce, with the reason. Keep short and honest.
EXCLUDED = {
    # /doc-bearer (api_doc) answers document the whole real registry. The simulator serves the
    # same shape from what it knows (fields_get data, the methods it implements with their
    # signatures): 93 (unknown model) and 94 (no key) pass; these three do not, because their
    # content exists nowhere but in these answers themselves:
    'odoo19/json2/90_doc_bearer_index': 'api_doc index of the 323 models and 66 modules of the real database '
                                        '(the simulator knows 11 models); only this answer lists them',
    'odoo19/json2/91_doc_bearer_model': 'fields match (from 10_fields_get_full_small_model), but "methods" '
                                        'documents 49 methods of 5 modules with their rendered docstrings '
                                        '(50 KB of HTML); the simulator implements 17 of them and has no docstrings',
    'odoo19/json2/92_doc_bearer_model_partner': 'needs the full fields_get metadata of the 166 res.partner fields '
                                                '(the transcripts hold a filtered fields_get of 8) and the '
                                                'docstrings of 99 methods: only this answer has them',
}


def log(*a):
    print(*a, flush=True)


def split_http(raw):
    head, _, body = raw.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers.append((k.strip().lower(), v.strip()))
    return status, headers, body


def hget(headers, name):
    for k, v in headers:
        if k == name:
            return v
    return None


TB_FRAME = re.compile(r'^(Traceback|  |\s*\^|\s*~)')


def exc_line(tb):
    """The exception line of a formatted traceback (first unindented line after the frames)."""
    if not isinstance(tb, str):
        return tb
    lines = tb.split('\n')
    if not lines or not lines[0].startswith('Traceback'):
        return tb
    # walk to the last frame, then take the first line that is not part of a frame
    last = 0
    for i, line in enumerate(lines):
        if line.startswith('  File '):
            last = i
    for line in lines[last + 1:]:
        if line and not line.startswith(' '):
            return line.split('\n')[0]
    return tb


def norm_psycopg_msg(msg):
    return msg.split('\n')[0] if isinstance(msg, str) else msg


TS = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$')


def norm(v, key=None):
    if isinstance(v, dict):
        if 'debug' in v and 'name' in v and 'message' in v:          # Odoo error object
            v = dict(v)
            v['debug'] = exc_line(v['debug'])
            if isinstance(v['name'], str) and v['name'].startswith('psycopg2'):
                v['message'] = norm_psycopg_msg(v['message'])
                v['arguments'] = [norm_psycopg_msg(a) for a in v.get('arguments', [])]
                v['debug'] = norm_psycopg_msg(v['debug'])
        return {k: norm(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if key in ('create_date', 'write_date') and isinstance(v, str) and TS.match(v):
        return '<timestamp>'
    return v


def typed(v):
    """Make bool/int/float distinct for comparison."""
    if isinstance(v, bool):
        return ('bool', v)
    if isinstance(v, int):
        return ('int', v)
    if isinstance(v, float):
        return ('float', v)
    if isinstance(v, dict):
        return ('dict', {k: typed(x) for k, x in v.items()})
    if isinstance(v, list):
        return ('list', [typed(x) for x in v])
    return (type(v).__name__, v)


def decode_body(ctype, body):
    ctype = (ctype or '').split(';')[0].strip()
    if ctype == 'text/xml':
        try:
            return ('xmlrpc', xmlrpc.client.loads(body, use_builtin_types=True)[0])
        except xmlrpc.client.Fault as f:
            code, s = f.faultCode, f.faultString
            if isinstance(s, str) and s.startswith('Traceback'):
                s = exc_line(s)
                if s.startswith('psycopg2'):
                    s = norm_psycopg_msg(s)
            return ('fault', code, s)
    if ctype == 'application/json':
        try:
            return ('json', norm(json.loads(body)))
        except ValueError:
            return ('text', body)
    if ctype == 'text/html':
        m = re.search(rb'<title>(.*?)</title>', body, re.S)
        if m and not re.match(rb'\s*\d{3} ', m.group(1)):
            # the website's own themed page (its title is the captured site's name)
            return ('html', '<website page>')
        return ('html', m.group(1).strip() if m else body.strip())
    return ('raw', body)


def result_ids(raw_response):
    """Ids created by a captured create/copy/name_create answer (to preset the sequence)."""
    status, headers, body = split_http(raw_response)
    if status != 200:
        return None
    d = decode_body(hget(headers, 'content-type'), body)
    if d[0] == 'xmlrpc':
        r = d[1][0]
    elif d[0] == 'json':
        r = d[1].get('result') if isinstance(d[1], dict) and 'jsonrpc' in d[1] else d[1]
    else:
        return None
    if isinstance(r, bool):
        return None
    if isinstance(r, int):
        return [r]
    if isinstance(r, list) and r and all(isinstance(x, int) and not isinstance(x, bool) for x in r):
        return r
    return None


def call_info(raw_request):
    first = raw_request.split(b'\r\n', 1)[0].decode('latin-1')
    target = first.split(' ')[1]
    body = raw_request.partition(b'\r\n\r\n')[2]
    try:
        if target.startswith('/xmlrpc/'):
            p, m = xmlrpc.client.loads(body, use_builtin_types=True)
            if m in ('execute_kw', 'execute') and len(p) >= 5:
                return p[3], p[4]
        elif target == '/jsonrpc':
            a = json.loads(body)['params']['args']
            return a[3], a[4]
        else:
            m = re.match(r'^/json/2/([^/]+)/([^/]+)$', target)
            if m:
                return m.group(1), m.group(2)
    except Exception:
        pass
    return None, None


def exchange(port, raw, timeout=30.0):
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    try:
        s.sendall(raw)
        chunks = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
        return b''.join(chunks)
    finally:
        s.close()


def sim_post(port, path, obj):
    body = json.dumps(obj).encode()
    raw = (b'POST ' + path.encode() + b' HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
           b'Content-Length: ' + str(len(body)).encode() + b'\r\n\r\n' + body)
    exchange(port, raw)


CHECKED_HEADERS = ('content-type', 'www-authenticate', 'allow', 'accept', 'connection', 'x-content-type-options')


def compare(expected_raw, got_raw):
    if not got_raw:
        return 'no answer'
    es, eh, eb = split_http(expected_raw)
    gs, gh, gb = split_http(got_raw)
    if es != gs:
        return 'status %d, expected %d' % (gs, es)
    for h in CHECKED_HEADERS:
        ev, gv = hget(eh, h), hget(gh, h)
        if ev != gv:
            return 'header %s: %r, expected %r' % (h, gv, ev)
    ed = decode_body(hget(eh, 'content-type'), eb)
    gd = decode_body(hget(gh, 'content-type'), gb)
    if typed(ed) != typed(gd):
        a, b = repr(gd), repr(ed)
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        return 'body differs at %d: got ...%s... expected ...%s...' % (i, a[max(0, i - 60):i + 80], b[max(0, i - 60):i + 80])
    return None


def cases_for(fixtures, version):
    folder = os.path.join(fixtures, 'odoo%d' % version)
    if version == 17:
        lst = json.load(open(os.path.join(folder, 'captures.json')))
        names = [(c['protocol'], c['name']) for c in lst]
    else:
        lst = json.load(open(os.path.join(folder, 'cases.json')))
        names = [(c['dir'], c['name']) for c in lst]
    seen, out = set(), []
    for d, n in names:
        if (d, n) not in seen and os.path.exists(os.path.join(folder, d, n + '.request')):
            seen.add((d, n))
            out.append((d, n))
    # any transcript not listed in the machine-readable list is still replayed, at the end
    for d in sorted(os.listdir(folder)):
        p = os.path.join(folder, d)
        if os.path.isdir(p):
            for f in sorted(os.listdir(p)):
                if f.endswith('.request') and (d, f[:-8]) not in seen:
                    seen.add((d, f[:-8]))
                    out.append((d, f[:-8]))
    return folder, out


def start_server(fixtures, version):
    p = subprocess.Popen([sys.executable, SERVER, '--port', '0', '--version', str(version), '--fixtures', fixtures],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    if not line.startswith('PORT '):
        p.kill()
        raise SystemExit('simulator did not start: %r' % line)
    return p, int(line.split()[1])


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('ERPLINK_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures'))
    passed = failed = excluded = 0
    unexpected_pass = []
    failures = []
    for version in (17, 19):
        folder, cases = cases_for(fixtures, version)
        proc, port = start_server(fixtures, version)
        try:
            for d, n in cases:
                key = 'odoo%d/%s/%s' % (version, d, n)
                req = open(os.path.join(folder, d, n + '.request'), 'rb').read()
                resp = open(os.path.join(folder, d, n + '.response'), 'rb').read()
                model, method = call_info(req)
                if method in ('create', 'copy', 'name_create'):
                    ids = result_ids(resp)
                    if method == 'name_create' and ids:
                        ids = ids[:1]
                    if ids:
                        sim_post(port, '/__sim__/next_id', {'model': model, 'id': ids[0]})
                why = compare(resp, exchange(port, req))
                if key in EXCLUDED:
                    excluded += 1
                    if why is None:
                        unexpected_pass.append(key)
                    log('SKIP %s  (%s)' % (key, EXCLUDED[key]))
                elif why is None:
                    passed += 1
                    log('PASS %s' % key)
                else:
                    failed += 1
                    failures.append(key)
                    log('FAIL %s  %s' % (key, why))
        finally:
            proc.stdin.close()
            proc.wait(timeout=10)
    for k in unexpected_pass:
        log('NOTE %s passes although it is excluded: remove it from EXCLUDED' % k)
    log('replay: %d passed, %d failed, %d excluded, %d total' % (passed, failed, excluded, passed + failed + excluded))
    return 1 if failed or unexpected_pass else 0


if __name__ == '__main__':
    sys.exit(main())
