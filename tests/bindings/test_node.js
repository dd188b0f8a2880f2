'use strict';
// Tests of the Node.js binding (bindings/node): version, value round trip, errors.
// Run after `npm install` in bindings/node: `node --test tests/bindings/test_node.js`
// (ERPLINK_NODE_MODULE may point at another built copy of bindings/node).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const modDir = process.env.ERPLINK_NODE_MODULE || path.join(root, 'bindings', 'node');
const erplink = require(modDir);
const { memory, assertNoGrowth } = require('./node_mem');

function headerVersion() {
  const text = fs.readFileSync(path.join(root, 'include', 'erplink', 'version.h'), 'utf8');
  return /#define ERPLINK_VERSION "([^"]+)"/.exec(text)[1];
}

// ------------------------------------------------------------------ version

test('version is the C library version', () => {
  assert.equal(erplink.version(), headerVersion());
  const [maj, min, pat] = erplink.version().split('.').map(Number);
  assert.equal(erplink.versionNumber(), maj * 10000 + min * 100 + pat);
  assert.equal(require(path.join(modDir, 'package.json')).version, erplink.version());
});

// ------------------------------------------------------------------ round trip

const date = (...a) => new Date(Date.UTC(...a));
const SCALARS = [
  null, true, false,
  0, 1, -1, 42, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
  1.5, -2.25, 1e-300, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, 2 ** 60, 1e20,
  '', 'ascii', 'h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \u{1f389}', 'a\u0000b', '\x7f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}',
  date(2024, 1, 29, 23, 59, 59, 123), date(1970, 0, 1), new Date('0001-01-01T00:00:00Z'),
  new Date('9999-12-31T23:59:59.999Z'), new Date('1969-12-31T23:59:59.999Z'),
];

for (const v of SCALARS) {
  test(`scalar round trip: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`, () => {
    const out = erplink.roundtrip(v);
    assert.equal(typeof out, typeof v);
    assert.deepEqual(out, v);
  });
}

test('int64: exact, number when safe, BigInt beyond 2^53', () => {
  const max = 2n ** 63n - 1n;
  const min = -(2n ** 63n);
  assert.equal(erplink.roundtrip(max), max);
  assert.equal(erplink.roundtrip(min), min);
  assert.equal(erplink.roundtrip(2n ** 53n), 2n ** 53n);
  assert.equal(erplink.roundtrip(2n ** 53n + 1n), 2n ** 53n + 1n);
  assert.equal(erplink.roundtrip(-(2n ** 53n) - 1n), -(2n ** 53n) - 1n);
  // a BigInt that fits in a number comes back as a number (documented)
  assert.equal(erplink.roundtrip(5n), 5);
  assert.equal(erplink.roundtrip(2n ** 53n - 1n), Number.MAX_SAFE_INTEGER);
  assert.equal(erplink.getInt(max), max);
  assert.equal(erplink.getInt(min), min);
  assert.equal(erplink.getInt(7), 7);
  assert.equal(erplink.getInt(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
});

test('numbers: integers become ints, others doubles', () => {
  // the C dump prints doubles with a fraction or exponent: ints and doubles stay apart
  assert.equal(erplink.dump([1, 1.5, -0, 2 ** 53, NaN, 1e20]), '[1, 1.5, -0.0, 9007199254740992.0, nan, 1e+20]');
  assert.ok(Number.isNaN(erplink.roundtrip(NaN)));
  assert.ok(Object.is(erplink.roundtrip(-0), -0));
  assert.equal(erplink.getInt(3), 3);
  assert.throws(() => erplink.getInt(3.5), erplink.InvalidArgumentError);
  assert.throws(() => erplink.getInt(2 ** 53), erplink.InvalidArgumentError); // beyond safe: a double
});

test('bytes: Buffer, Uint8Array, ArrayBuffer, DataView -> Buffer', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (const v of [Buffer.alloc(0), Buffer.from([0, 1, 255]), all]) {
    const out = erplink.roundtrip(v);
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual(out, v);
  }
  assert.deepEqual(erplink.roundtrip(new Uint8Array([1, 2, 3]).subarray(1)), Buffer.from([2, 3]));
  assert.deepEqual(erplink.roundtrip(new Uint8Array([9, 8]).buffer), Buffer.from([9, 8]));
  assert.deepEqual(erplink.roundtrip(new DataView(new Uint8Array([5, 6, 7]).buffer, 1, 1)), Buffer.from([6]));
});

test('undefined becomes null', () => {
  assert.equal(erplink.roundtrip(undefined), null);
  assert.deepEqual(erplink.roundtrip([undefined, , 1]), [null, null, 1]); // eslint-disable-line no-sparse-arrays
});

test('nested structures', () => {
  const v = {
    id: 7,
    name: 'Caf\u00e9 \u2615',
    tags: ['a', 'b', { deep: [null, [true, [1.5, [Buffer.from([0]), [date(2020, 0, 2, 3, 4, 5)]]]]] }],
    partner: { id: 2n ** 62n, lines: [{ qty: -3, price: 9.99 }, {}], empty: [] },
    nothing: null,
  };
  assert.deepEqual(erplink.roundtrip(v), v);
});

test('object key order is kept (JavaScript orders integer-like keys first)', () => {
  const keys = ['zeta', 'alpha', 'mid', '\u00e9t\u00e9', '', 'Alpha', '-1', '01'];
  const v = Object.fromEntries(keys.map((k, i) => [k, i]));
  const out = erplink.roundtrip(v);
  assert.deepEqual(Object.keys(out), keys);
  assert.deepEqual(Object.values(out), keys.map((_, i) => i));
  assert.deepEqual(Object.keys(erplink.roundtrip({ b: 1, 10: 2, a: 3, 2: 4 })), ['2', '10', 'b', 'a']);
  const nested = erplink.roundtrip({ outer: v, list: [v] });
  assert.deepEqual(Object.keys(nested.outer), keys);
  assert.deepEqual(Object.keys(nested.list[0]), keys);
});

test('a "__proto__" key is data, never the prototype', () => {
  const v = JSON.parse('{"__proto__": {"polluted": 1}, "z": 2}');
  const out = erplink.roundtrip(v);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(out.polluted, undefined);
  assert.deepEqual(Object.keys(out), ['__proto__', 'z']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__').value, { polluted: 1 });
  assert.equal({}.polluted, undefined);
});

test('null-prototype objects are structs', () => {
  const v = Object.create(null);
  v.a = 1;
  assert.deepEqual({ ...erplink.roundtrip(v) }, { a: 1 });
});

test('large containers', () => {
  const big = Array.from({ length: 10000 }, (_, i) => i - 5000);
  assert.deepEqual(erplink.roundtrip(big), big);
  const wide = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
  assert.deepEqual(Object.entries(erplink.roundtrip(wide)), Object.entries(wide));
});

test('nesting up to the cap works', () => {
  let v = null;
  for (let i = 0; i < 1000; i++) v = [v];
  let out = erplink.roundtrip(v);
  let depth = 0;
  while (Array.isArray(out)) {
    out = out[0];
    depth++;
  }
  assert.equal(depth, 1000);
});

test('dump redacts credentials', () => {
  const text = erplink.dump({ login: 'admin', password: 'hunter2', n: [1, 2.5, null] });
  assert.ok(!text.includes('hunter2'));
  assert.ok(text.includes('"login": "admin"') && text.includes('<redacted>'));
});

// ------------------------------------------------------------------ errors

function checkError(fn, Cls, codeName, messagePart) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'expected an exception');
  assert.equal(err.constructor, Cls);
  assert.ok(err instanceof erplink.ErplinkError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, Cls.name);
  assert.equal(err.code, erplink.codes[codeName]);
  assert.ok(err.code < 0);
  assert.equal(err.codeName, codeName);
  assert.ok(err.message.includes(messagePart), `${err.message} should contain ${messagePart}`);
  assert.equal(err.httpStatus, null);
  assert.equal(err.remoteClass, null);
  assert.equal(err.detail, null);
  assert.equal(err.retryAfterMs, null);
  return err;
}

test('a C type error is an InvalidArgumentError', () => {
  const err = checkError(() => erplink.getInt('abc'), erplink.InvalidArgumentError, 'ETYPE', 'string');
  assert.equal(err.category, 'invalid_argument');
  // the stack starts at the caller, not inside index.js
  assert.ok(err.stack.split('\n')[1].includes('test_node.js'), err.stack);
});

test('bool is not an int for the C library', () => {
  checkError(() => erplink.getInt(true), erplink.InvalidArgumentError, 'ETYPE', 'bool');
});

test('out-of-range Date is rejected by the C library', () => {
  checkError(() => erplink.roundtrip(new Date(-62198755200000 * 2)), erplink.InvalidArgumentError, 'ERANGE', 'years');
  checkError(() => erplink.roundtrip([new Date(8.64e15)]), erplink.InvalidArgumentError, 'ERANGE', 'years');
  checkError(() => erplink.roundtrip(new Date(NaN)), erplink.InvalidArgumentError, 'EINVAL', 'Invalid Date');
});

test('BigInt outside int64', () => {
  for (const v of [2n ** 63n, -(2n ** 63n) - 1n, 10n ** 30n]) {
    checkError(() => erplink.roundtrip({ a: [v] }), erplink.InvalidArgumentError, 'ERANGE', '64 bits');
  }
});

test('key with NUL', () => {
  checkError(() => erplink.roundtrip({ 'a\u0000b': 1 }), erplink.InvalidArgumentError, 'EINVAL', 'NUL');
});

test('unsupported values', () => {
  class Point { constructor() { this.x = 1; } }
  const cases = [[new Map(), 'Map'], [new Set(), 'Set'], [new Point(), 'Point'], [() => 1, 'function'],
    [Symbol('s'), 'symbol'], [new Float64Array(1), 'typed array'], [/re/, 'RegExp'], [Promise.resolve(), 'Promise']];
  for (const [v, part] of cases) {
    checkError(() => erplink.roundtrip([1, { k: v }]), erplink.InvalidArgumentError, 'ETYPE', part);
  }
});

test('reference cycles and too deep nesting', () => {
  const a = [];
  a.push(a);
  checkError(() => erplink.roundtrip(a), erplink.InvalidArgumentError, 'ERANGE', 'nested deeper than 1000');
  const o = {};
  o.self = o;
  checkError(() => erplink.roundtrip(o), erplink.InvalidArgumentError, 'ERANGE', 'nested deeper');
  let v = null;
  for (let i = 0; i < 1001; i++) v = [v];
  checkError(() => erplink.roundtrip(v), erplink.InvalidArgumentError, 'ERANGE', 'nested deeper');
});

test('JavaScript exceptions from getters pass through', () => {
  const v = { get boom() { throw new SyntaxError('from getter'); } };
  assert.throws(() => erplink.roundtrip(v), (e) => e instanceof SyntaxError && e.message === 'from getter');
});

test('wrong number of arguments is a plain Error', () => {
  assert.throws(() => erplink._addon.value_clone(), /Illegal number of arguments/);
});

test('every category has its class', () => {
  const cats = Object.getOwnPropertyNames(erplink._addon).filter((k) => k.startsWith('CAT_'));
  assert.equal(cats.length, 18);
  for (const k of cats) {
    if (k === 'CAT_NONE') continue;
    const name = erplink._addon.error_category_name(erplink._addon[k]);
    const Cls = erplink.errorClasses[name];
    assert.ok(Cls && Cls.prototype instanceof erplink.ErplinkError, name);
    assert.equal(erplink[Cls.name], Cls);
    assert.equal(new Cls('m').category, name);
  }
  assert.equal(Object.keys(erplink.errorClasses).length, 17);
});

test('every code is exported and declared', () => {
  const dts = fs.readFileSync(path.join(modDir, 'index.d.ts'), 'utf8');
  assert.equal(Object.keys(erplink.codes).length, 30);
  for (const [name, code] of Object.entries(erplink.codes)) {
    assert.ok(code < 0);
    assert.ok(dts.includes(` ${name}: number;`), `${name} missing from index.d.ts`);
    assert.notEqual(erplink.strerror(code), 'unknown error');
    const e = new erplink.ErplinkError('m', { code });
    assert.equal(e.codeName, name);
  }
});

test('error objects built in JavaScript carry the same properties', () => {
  const e = new erplink.RateLimitError('slow down', { code: erplink.codes.ERATELIMIT, httpStatus: 429,
    remoteClass: 'x.Y', detail: 'tb', retryAfterMs: 1500 });
  assert.equal(e.category, 'rate_limited');
  assert.deepEqual([e.code, e.codeName, e.httpStatus, e.remoteClass, e.detail, e.retryAfterMs],
    [erplink.codes.ERATELIMIT, 'ERATELIMIT', 429, 'x.Y', 'tb', 1500]);
  assert.equal(e.name, 'RateLimitError');
});

test('failing calls do not leak', () => {
  const payload = { k: Array(50).fill('x'.repeat(1000)) };
  const fail = () => assert.throws(() => erplink.getInt(payload), erplink.InvalidArgumentError);
  for (let i = 0; i < 200; i++) fail();
  if (global.gc) global.gc();
  const before = memory();
  for (let i = 0; i < 3000; i++) { // 3000 x ~50 KB would leak ~150 MB of C memory
    fail();
    erplink.roundtrip(payload);
  }
  assertNoGrowth(assert, before, 64 * 1024 * 1024);
});
