'use strict';
// The npm "prepack" script: makes the package self-contained. npm pack only takes files from
// inside bindings/node, so the C sources the addon compiles are copied into vendor/ (git-ignored):
//   vendor/include/erplink/*.h, vendor/src/** (the .c/.cpp/.h files and src/meson.build, whose
//   core_sources and service_sources lists scripts/gyp-info.js reads), and
//   vendor/erplink_wrap.cxx, the SWIG wrapper generated here once, so that installing the
//   tarball needs no SWIG (only a C/C++ compiler, node-gyp, and the Node headers or the
//   node-api-headers package). `node scripts/vendor.js clean` (postpack) removes vendor/.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const here = path.resolve(__dirname, '..');
const root = path.resolve(here, '..', '..');
const vendor = path.join(here, 'vendor');

function copyTree(src, dst, keep) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyTree(s, d, keep);
    else if (keep(e.name)) fs.copyFileSync(s, d);
  }
}

fs.rmSync(vendor, { recursive: true, force: true });
if (process.argv[2] === 'clean') process.exit(0);
if (!fs.existsSync(path.join(root, 'src', 'meson.build'))) {
  console.error('[erplink] vendor: run from the erplink source tree (src/meson.build not found)');
  process.exit(1);
}
copyTree(path.join(root, 'include', 'erplink'), path.join(vendor, 'include', 'erplink'), (n) => n.endsWith('.h'));
copyTree(path.join(root, 'src'), path.join(vendor, 'src'), (n) => /\.(c|cpp|h|hpp)$/.test(n) || n === 'meson.build');
// the wrapper: build.js's SWIG lookup, reused (it writes build/swig/erplink_wrap.cxx)
const r = spawnSync(process.execPath, [path.join(__dirname, 'build.js'), '--swig-only'], { stdio: 'inherit', cwd: here });
if (r.status !== 0) process.exit(r.status || 1);
fs.copyFileSync(path.join(here, 'build', 'swig', 'erplink_wrap.cxx'), path.join(vendor, 'erplink_wrap.cxx'));
console.log('[erplink] vendor/: C sources and the generated wrapper copied for npm pack');
