'use strict';
// Memory readings for the node suites' leak tests: after a full garbage collection, the memory
// outside V8's heap (RSS − heapTotal: where a leak of the addon's C memory shows) and the live
// JS heap (heapUsed: where JS objects kept alive by a forgotten reference show). RSS alone is
// not a leak measure: V8 sizes its young generation by itself (Node 24 grows it to 64 MB while
// a test throws errors in a loop, with nothing leaked).
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** {native, heap} in bytes, after a full collection. */
function memory() {
  gc();
  const m = process.memoryUsage();
  return { native: m.rss - m.heapTotal, heap: m.heapUsed };
}

/**
 * Asserts that neither reading grew beyond its bound since `before` (a memory() result).
 * @param {{native: number, heap: number}} before
 * @param {number} nativeBytes the bound of the native growth
 * @param {number} [heapBytes] the bound of the live heap's growth (default 8 MB)
 */
function assertNoGrowth(assert, before, nativeBytes, heapBytes = 8 * 1024 * 1024) {
  const now = memory();
  const native = now.native - before.native;
  const heap = now.heap - before.heap;
  assert.ok(native < nativeBytes, `native memory (RSS - V8 heap) grew by ${native} bytes`);
  assert.ok(heap < heapBytes, `the live JS heap grew by ${heap} bytes`);
}

module.exports = { memory, assertNoGrowth };
