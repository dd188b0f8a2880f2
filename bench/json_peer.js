// Node's side of the JSON benchmarks (bench/json_bench.py): JSON.parse / JSON.stringify.
//   node json_peer.js decode|encode FILE RUNS
// Prints key=value lines: best_s, rss_peak_kb (VmHWM of this process) and, for encode, out_bytes.
'use strict';
const fs = require('fs');
const [mode, file, runsArg] = process.argv.slice(2);
const runs = Math.max(1, parseInt(runsArg || '5', 10));
const text = fs.readFileSync(file, 'utf8');
function hwm() {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}
let best = Infinity, out = 0, keep = null;
const value = mode === 'encode' ? JSON.parse(text) : null;
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  if (mode === 'decode') keep = JSON.parse(text);
  else { const s = JSON.stringify(value); out = Buffer.byteLength(s); }
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (t < best) best = t;
}
if (keep === undefined) process.exit(1);
console.log('best_s=' + best.toFixed(6));
console.log('rss_peak_kb=' + hwm());
if (mode === 'encode') console.log('out_bytes=' + out);
