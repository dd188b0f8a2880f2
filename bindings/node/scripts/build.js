'use strict';
// The npm "install" script: builds build/Release/erplink.node.
//
// 0. An installed tarball (npm pack: scripts/vendor.js) carries vendor/: the C sources and the
//    SWIG wrapper generated at pack time; then SWIG is not needed and step 1 is skipped.
// 1. SWIG >= 4.2 (the Node-API backend; Debian 12's 4.1 lacks it): $SWIG if set, else
//    `swig` on PATH if recent enough, else PyPI's `swig` package installed with
//    `python3 -m pip install --target node_modules/.cache/erplink-swig` and run from there.
// 2. Node headers: never downloaded. When <prefix of process.execPath>/include/node/common.gypi
//    exists (Debian's or NodeSource's nodejs package: /usr/include/node), node-gyp gets
//    --nodedir=<prefix>; otherwise a node dir is assembled from the `node-api-headers`
//    npm package (enough for a Node-API addon) in node_modules/.cache/erplink-nodedir.
// 3. node-gyp (npm's bundled copy, $npm_config_node_gyp, or the `node-gyp` package if
//    installed): clean, configure, then SWIG writes build/swig/erplink_wrap.cxx, then build.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const here = path.resolve(__dirname, '..');
// In the source tree the C sources are two levels up; in an installed tarball in vendor/.
const vendored = fs.existsSync(path.join(here, 'vendor', 'erplink_wrap.cxx'));
const root = vendored ? path.join(here, 'vendor') : path.resolve(here, '..', '..');
const cache = path.join(here, 'node_modules', '.cache');
const MIN_SWIG = [4, 2, 0];

function log(msg) {
  console.log(`[erplink] ${msg}`);
}

function die(msg) {
  console.error(`[erplink] error: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: here, ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} exited with status ${r.status}`);
}

function swigVersion(bin, env) {
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8', env: env || process.env });
  if (r.error || r.status !== 0) return null;
  const m = /SWIG Version (\d+)\.(\d+)\.(\d+)/.exec(r.stdout || '');
  return m ? m.slice(1, 4).map(Number) : null;
}

function atLeast(v, min) {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

// The SWIG of PyPI's package, run directly: its binary needs SWIG_LIB set to its share dir.
function pipSwig(target) {
  const bin = path.join(target, 'swig', 'data', 'bin', 'swig');
  const share = path.join(target, 'swig', 'data', 'share', 'swig');
  if (!fs.existsSync(bin) || !fs.existsSync(share)) return null;
  const libs = fs.readdirSync(share);
  if (libs.length === 0) return null;
  const env = { ...process.env, SWIG_LIB: path.join(share, libs[0]) };
  const v = swigVersion(bin, env);
  return v && atLeast(v, MIN_SWIG) ? { bin, env, version: v } : null;
}

function findSwig() {
  const want = MIN_SWIG.join('.');
  for (const bin of [process.env.SWIG, 'swig'].filter(Boolean)) {
    const v = swigVersion(bin);
    if (v && atLeast(v, MIN_SWIG)) return { bin, env: process.env, version: v };
    if (v) log(`${bin} is SWIG ${v.join('.')}, older than ${want}`);
  }
  const target = path.join(cache, 'erplink-swig');
  let s = pipSwig(target);
  if (s) return s;
  log(`no SWIG >= ${want} on PATH: installing PyPI's swig into ${path.relative(here, target)}`);
  const python = process.env.PYTHON || 'python3';
  run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--upgrade',
    '--target', target, `swig>=${want}`]);
  s = pipSwig(target);
  if (!s) die(`PyPI's swig did not install a usable binary into ${target}`);
  return s;
}

// --nodedir for node-gyp, so that it never downloads headers.
function nodeDir() {
  if (!process.env.ERPLINK_USE_NODE_API_HEADERS) {
    const prefix = path.resolve(path.dirname(process.execPath), '..');
    if (fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) return prefix;
    log(`${path.join(prefix, 'include', 'node', 'common.gypi')} not found: using the node-api-headers package`);
  }
  let headers;
  try {
    headers = path.dirname(require.resolve('node-api-headers/package.json', { paths: [here, process.env.INIT_CWD, process.cwd()].filter(Boolean) }));
  } catch (e) {
    die('no Node headers: install the headers of this Node (Debian: libnode-dev) or the node-api-headers package');
  }
  // A minimal node dir: include/node/*.h from node-api-headers (a Node-API addon needs
  // nothing else) and a small common.gypi with the Release/Debug configurations.
  const dir = path.join(cache, 'erplink-nodedir');
  const inc = path.join(dir, 'include', 'node');
  fs.mkdirSync(inc, { recursive: true });
  const src = path.join(headers, 'include');
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(inc, f));
  fs.writeFileSync(path.join(inc, 'common.gypi'), `# written by erplink's scripts/build.js (no Node headers found)
{
  'variables': { 'node_module_version%': '' },
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': { 'defines': ['DEBUG', '_DEBUG'], 'cflags': ['-g', '-O0'] },
      'Release': { 'cflags': ['-O3'] },
    },
    'cflags': ['-Wall', '-Wextra', '-Wno-unused-parameter', '-pthread', '-fPIC'],
    'cflags_cc': ['-fno-rtti'],
    'ldflags': ['-pthread', '-rdynamic'],
  },
}
`);
  return dir;
}

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [here] }));
  } catch (e) { /* not installed as a package */ }
  // npm's own copy, next to the npm that runs this script or the one beside node
  const npmCli = process.env.npm_execpath;
  if (npmCli) candidates.push(path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules',
    'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) {
    if (fs.existsSync(c)) return c.endsWith('.js') ? [process.execPath, [c]] : [c, []];
  }
  return ['node-gyp', []];
}

function swigWrap() {
  const swig = findSwig();
  log(`SWIG ${swig.version.join('.')} (${swig.bin})`);
  const gen = path.join(here, 'build', 'swig');
  fs.mkdirSync(gen, { recursive: true });
  run(swig.bin, ['-javascript', '-napi', '-c++', '-I' + path.join(root, 'include'),
    '-o', path.join(gen, 'erplink_wrap.cxx'), path.join(root, 'bindings', 'erplink.i')], { env: swig.env });
}

function main() {
  if (process.argv[2] === '--swig-only') return swigWrap();
  const nodedir = nodeDir();
  const [gyp, gypArgs] = nodeGyp();
  const common = [`--nodedir=${nodedir}`];
  if (process.env.ERPLINK_NODE_DEBUG) common.push('--debug');
  // node-gyp must not see a nodedir from npm's configuration that contradicts ours
  const env = { ...process.env, npm_config_nodedir: nodedir };
  run(gyp, [...gypArgs, 'clean'], { env });
  run(gyp, [...gypArgs, 'configure', ...common], { env });
  if (vendored) log('using the SWIG wrapper of the package (vendor/erplink_wrap.cxx)');
  else swigWrap();
  run(gyp, [...gypArgs, 'build', ...common], { env });
  log('built ' + path.relative(here, path.join(here, 'build', process.env.ERPLINK_NODE_DEBUG ? 'Debug' : 'Release', 'erplink.node')));
}

main();
