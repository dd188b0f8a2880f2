'use strict';
// Starts the repository's loopback simulators (tests/servers/*.py) for the Node tests, the way
// tests/bindings/conftest.py does for Python: `--port 0`, wait for the "PORT <n>" line, stop by
// closing stdin (each server also has a lifetime cap of its own).
const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');

const SERVERS = path.resolve(__dirname, '..', 'servers');
const ODOO_DB = { 17: 'demo17', 19: 'demo19' };
const ODOO_KEY = { 17: 'f32f735cb7f82805c95056b62583379a9aabd47f', 19: 'dad028985f488ca4b0f7f8f7b556a00a30762b32' };
const CARTONA_TOKEN = 'test-token';

function start(script, ...args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PYTHON || 'python3', [path.join(SERVERS, script), '--port', '0', ...args],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    const timer = setTimeout(() => {
      proc.kill();
      reject(new Error(`${script}: no PORT line within 20 s`));
    }, 20000);
    proc.on('error', reject);
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /^PORT (\d+)/m.exec(buf);
      if (m && timer) {
        clearTimeout(timer);
        proc.stdout.removeAllListeners('data');
        proc.stdout.resume();
        const port = Number(m[1]);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          stop() {
            proc.stdin.end();
            return new Promise((r) => {
              if (proc.exitCode !== null) return r();
              const t = setTimeout(() => proc.kill(), 5000);
              proc.on('exit', () => { clearTimeout(t); r(); });
            });
          },
        });
      }
    });
  });
}

/** A simulator's control endpoint: `method url` with an optional JSON body -> the JSON answer (null when empty). */
function jsonRequest(url, method, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {};
    const req = http.request(url, { method, headers }, (res) => {
      let buf = '';
      res.on('data', (d) => { buf += d; });
      res.on('end', () => {
        try {
          resolve(buf ? JSON.parse(buf) : null);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

module.exports = { start, jsonRequest, ODOO_DB, ODOO_KEY, CARTONA_TOKEN };
