'use strict';
// Facts binding.gyp needs, computed instead of copied (so that nothing is listed twice):
//   node scripts/gyp-info.js sources  -> the C (and C++) files of core_sources and service_sources in src/meson.build
//   node scripts/gyp-info.js cflags   -> pkg-config --cflags of liberplink's dependencies
//   node scripts/gyp-info.js libs     -> pkg-config --libs of them, plus -lpthread -lm
//   node scripts/gyp-info.js root     -> where include/ and src/ are (vendor in a packed tarball)
//   node scripts/gyp-info.js wrap     -> the SWIG wrapper (generated, or vendor/erplink_wrap.cxx)
//   node scripts/gyp-info.js napi     -> node-addon-api's header directory (absolute)
// Paths are printed relative to bindings/node (where binding.gyp lives), one per line.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const here = path.resolve(__dirname, '..');
// the C sources: vendor/ in a packed tarball (scripts/vendor.js), else the source tree
const vendored = fs.existsSync(path.join(here, 'vendor', 'erplink_wrap.cxx'));
const root = vendored ? path.join(here, 'vendor') : path.resolve(here, '..', '..');
// The pkg-config names used by dependency() in the root meson.build.
const PKGS = ['libcurl', 'openssl', 'expat', 'simdjson', 'sqlite3'];
const FALLBACK_LIBS = ['-lcurl', '-lssl', '-lcrypto', '-lexpat', '-lsimdjson', '-lsqlite3'];

function sources() {
  const text = fs.readFileSync(path.join(root, 'src', 'meson.build'), 'utf8');
  const files = [];
  for (const name of ['core_sources', 'service_sources']) {
    const m = new RegExp(name + '\\s*=\\s*files\\(([\\s\\S]*?)\\)').exec(text);
    if (!m) throw new Error(`src/meson.build: ${name} = files(...) not found`);
    files.push(...[...m[1].matchAll(/'([^']+\.(?:c|cpp))'/g)].map((x) => x[1]));
  }
  if (files.length === 0) throw new Error('src/meson.build: core_sources lists no .c file');
  return files.map((f) => path.relative(here, path.join(root, 'src', f)).split(path.sep).join('/'));
}

function pkgConfig(flag) {
  try {
    const out = execFileSync('pkg-config', [flag, ...PKGS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split(/\s+/).filter(Boolean);
  } catch (e) {
    process.stderr.write(`erplink: pkg-config ${flag} ${PKGS.join(' ')} failed (${e.message.split('\n')[0]}); using defaults\n`);
    return null;
  }
}

// node-addon-api is found next to this package or, when an app links it with "file:" (npm then
// installs the linked package's dependencies into the app's node_modules), from the app that
// runs `npm install` (INIT_CWD).
function napiDir() {
  const paths = [here, process.env.INIT_CWD, process.cwd()].filter(Boolean);
  return path.dirname(require.resolve('node-addon-api/package.json', { paths }));
}

const what = process.argv[2];
let out;
if (what === 'sources') out = sources();
else if (what === 'cflags') out = pkgConfig('--cflags') || [];
else if (what === 'root') out = [path.relative(here, root).split(path.sep).join('/')];
else if (what === 'wrap') out = [vendored ? 'vendor/erplink_wrap.cxx' : 'build/swig/erplink_wrap.cxx'];
else if (what === 'napi') out = [napiDir()];
else if (what === 'libs') out = [...(pkgConfig('--libs') || FALLBACK_LIBS), '-lpthread', '-lm'];
else {
  process.stderr.write('usage: node scripts/gyp-info.js sources|cflags|libs|root|wrap|napi\n');
  process.exit(2);
}
process.stdout.write(out.join('\n') + '\n');
