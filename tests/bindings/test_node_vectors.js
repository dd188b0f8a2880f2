'use strict';
// The shared vectors of tests/vectors/ (the C library's results, tests/vectors/test_vectors.c) in
// Node: values.json (round trip and dump), errors.json (names, categories, retryable). The
// signature vectors are in test_node_razorpay.js, the store vectors in test_node_store.js, the
// Cartona status map in test_node_cartona.js. Where JavaScript cannot hold a value as C does, the
// case states the documented Node result (see erplink_napi.h).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const erplink = require(process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node'));
const load = (n) => JSON.parse(fs.readFileSync(path.join(root, 'tests', 'vectors', n), 'utf8'));
const VALUES = load('values.json').cases;
const ERRORS = load('errors.json').codes;

// JavaScript's limits: a double with an integral value is a number like any integer (an int in
// C); Date has millisecond precision; objects put integer-like keys first, ascending.
const NODE_DUMP = {
  'integral double': '2',
  datetime: 'dt"2024-02-29T23:59:59.123000"',
  'key order kept': '{"2": 4, "10": 3, "zeta": 1, "alpha": 2}',
};

function native(t) {
  const [[k, v]] = Object.entries(t);
  switch (k) {
    case 'nil': case 'bool': case 'string': case 'double': return v;
    case 'int': { const b = BigInt(v); return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b; }
    case 'bytes_hex': return Buffer.from(v, 'hex');
    case 'datetime': return new Date(v.slice(0, 23) + 'Z');
    case 'array': return v.map(native);
    default: assert.equal(k, 'struct'); return Object.fromEntries(v.map(([a, b]) => [a, native(b)]));
  }
}

for (const c of VALUES) {
  test(`value vector ${c.name}`, () => {
    const v = native(c.value);
    const out = erplink.roundtrip(v);
    assert.deepEqual(out, v);
    assert.equal(typeof out, typeof v);
    const want = NODE_DUMP[c.name] || c.dump;
    assert.equal(erplink.dump(v), want);
    assert.equal(erplink.dump(out), want);
  });
}

test('error vectors: every code, its name, category, class and retryability', () => {
  const codeNames = Object.fromEntries(Object.entries(erplink.codes).map(([k, v]) => [v, k]));
  assert.equal(ERRORS.length, Object.keys(erplink.codes).length + 1); // + OK
  for (const c of ERRORS) {
    if (c.code === 0) {
      assert.equal(c.name, 'OK');
      continue;
    }
    assert.equal(codeNames[c.code], c.name);
    assert.equal(erplink.errorRetryable(c.code), c.retryable, c.name);
    const Cls = erplink.errorClasses[c.category];
    assert.ok(Cls, `no class for ${c.category}`);
    const e = new Cls('m', { code: c.code });
    assert.equal(e.category, c.category);
    assert.equal(e.codeName, c.name);
    assert.ok(e instanceof erplink.ErplinkError && e instanceof Error);
  }
});
