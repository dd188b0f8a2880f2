#!/usr/bin/env python3
"""Odoo client benchmarks: erplink (XML-RPC, JSON-RPC, JSON-2) vs Python's xmlrpc.client
ServerProxy vs the odoo-await npm client, against the same loopback server answering from
pre-encoded bytes (bench_odoo_server), same data, same run.

    run_bench.py search_read|read_one BUILD_DIR

Each client runs in its own process for about SECONDS (env ODOO_BENCH_SECONDS, default 5)
after one warm-up call; reported: calls/s and peak RSS per client. odoo-await is installed
with npm into BUILD_DIR/bench/odoo/npm (once); when npm or the network is missing it is
reported as unavailable. The last line is one JSON object (ARCHITECTURE.md)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, timeout=600):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)
    if p.returncode != 0:
        raise RuntimeError('%s failed: %s' % (cmd[0], p.stderr.strip()[-500:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def npm_install(dest):
    mod = os.path.join(dest, 'node_modules')
    if os.path.isdir(os.path.join(mod, 'odoo-await')):
        return mod, None
    if not shutil.which('npm') or not shutil.which('node'):
        return None, 'node/npm not installed'
    os.makedirs(dest, exist_ok=True)
    p = subprocess.run(['npm', 'install', '--no-audit', '--no-fund', '--prefix', dest, 'odoo-await@3.4.1'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if p.returncode != 0:
        return None, 'npm install odoo-await failed: ' + p.stderr.strip()[-200:]
    return mod, None


def main():
    mode, build = sys.argv[1], os.path.abspath(sys.argv[2])
    secs = os.environ.get('ODOO_BENCH_SECONDS', '5')
    bdir = os.path.join(build, 'bench', 'odoo')
    server_bin, client_bin = os.path.join(bdir, 'bench_odoo_server'), os.path.join(bdir, 'bench_odoo')
    tmp = tempfile.mkdtemp(prefix='odoo-bench-')
    try:
        subprocess.run([sys.executable, os.path.join(HERE, 'make_responses.py'), tmp, mode], check=True,
                       stdout=subprocess.DEVNULL)
        srv = subprocess.Popen([server_bin, tmp], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        port = int(srv.stdout.readline().split()[1])
        url = 'http://127.0.0.1:%d' % port
        results, notes = {}, []
        try:
            for proto in ('xmlrpc', 'jsonrpc', 'json2'):
                results['erplink_' + proto] = run([client_bin, url, proto, mode, secs])
            results['python_xmlrpc'] = run([sys.executable, os.path.join(HERE, 'py_client.py'), url, mode, secs])
            mod, why = npm_install(os.path.join(bdir, 'npm'))
            if mod:
                try:
                    results['odoo_await'] = run(['node', os.path.join(HERE, 'node_client.js'), mod, url, mode, secs])
                except RuntimeError as e:
                    notes.append(str(e))
            else:
                notes.append('odoo-await not measured: ' + why)
        finally:
            srv.stdin.close()
            srv.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    label = '10,000 records x 15 fields' if mode == 'search_read' else '1 record x 15 fields'
    print('odoo_%s (%s), calls/s and peak RSS, same loopback server:' % (mode, label))
    for k, r in results.items():
        print('  %-16s %10.2f calls/s  %7.1f MB peak RSS  (%d calls in %.1f s)' %
              (k, r['calls_per_s'], r['peak_rss_mb'], r['calls'], r['seconds']))
    for n in notes:
        print('  note:', n)
    out = {'bench': 'odoo_' + mode, 'unit': 'calls/s'}
    out['erplink'] = results['erplink_xmlrpc']['calls_per_s']
    for proto in ('jsonrpc', 'json2'):
        out['erplink_' + proto] = results['erplink_' + proto]['calls_per_s']
    for peer in ('python_xmlrpc', 'odoo_await'):
        if peer in results:
            out[peer] = results[peer]['calls_per_s']
    for peer in ('python_xmlrpc', 'odoo_await'):
        if peer in results:
            out['ratio_vs_' + peer] = round(out['erplink'] / out[peer], 2)
    out['erplink_peak_rss_mb'] = results['erplink_xmlrpc']['peak_rss_mb']
    for k in ('erplink_jsonrpc', 'erplink_json2', 'python_xmlrpc', 'odoo_await'):
        if k in results:
            out[k + '_peak_rss_mb'] = results[k]['peak_rss_mb']
    print(json.dumps(out))


if __name__ == '__main__':
    main()
