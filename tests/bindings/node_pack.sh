#!/usr/bin/env bash
# The npm package is self-contained: `npm pack` in bindings/node, then `npm install` of the
# tarball in a fresh temporary project (nothing of the source tree visible to it), built by
# node-gyp against this machine's Node headers - or, with ERPLINK_USE_NODE_API_HEADERS=1, the
# node-api-headers npm package. Nothing is downloaded but the package's npm dependencies
# (node-addon-api, node-api-headers). Then the installed copy runs the Razorpay and store tests,
# an ESM import and a TypeScript-free CommonJS require.
#
# Usage: tests/bindings/node_pack.sh [WORKDIR]   (default: a new temporary directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/erplink-node-pack.XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
trap 'rm -rf "$work/project"' EXIT

echo "=== npm pack"
(cd "$root/bindings/node" && npm pack --silent --pack-destination "$work" > "$work/pack.log" 2>&1) \
  || { tail -20 "$work/pack.log"; exit 1; }
tgz="$work/erplink-$(node -p "require('$root/bindings/node/package.json').version").tgz"
[ -f "$tgz" ] || { echo "no tarball $tgz"; exit 1; }
# no build outputs, no git-ignored leftovers; the C sources and build files are there
tar tzf "$tgz" > "$work/files.txt"
if grep -E '^package/(build|node_modules)/|\.(o|node)$' "$work/files.txt"; then echo "build outputs in the tarball"; exit 1; fi
for f in binding.gyp scripts/build.js scripts/gyp-info.js src/elnode.cc vendor/erplink_wrap.cxx \
         vendor/src/meson.build vendor/include/erplink/erplink.h index.d.ts index.mjs; do
  grep -qx "package/$f" "$work/files.txt" || { echo "missing from the tarball: $f"; exit 1; }
done

echo "=== npm install of the tarball in a fresh project"
rm -rf "$work/project"
mkdir -p "$work/project"
cd "$work/project"
echo '{"name":"erplink-pack-test","version":"1.0.0","private":true}' > package.json
# SWIG must not be needed: hide it
if ! PATH="$(dirname "$(command -v node)"):/usr/bin:/bin" SWIG=/nonexistent \
     npm install --no-audit --no-fund --foreground-scripts "$tgz" > "$work/install.log" 2>&1; then
  tail -30 "$work/install.log"; exit 1
fi
grep -q "using the SWIG wrapper of the package" "$work/install.log" || { echo "SWIG was run at install"; exit 1; }
mod="$work/project/node_modules/erplink"
[ -f "$mod/build/Release/erplink.node" ] || { echo "no addon built"; exit 1; }

echo "=== the installed package"
node -e "const e = require('erplink'); if (e.version() !== require('erplink/package.json').version) process.exit(1);
  console.log('require: erplink', e.version())"
node --input-type=module -e "import { razorpay, odoo, store, version } from 'erplink';
  if (typeof razorpay.verifyWebhook !== 'function' || typeof odoo.Client !== 'function' || !store.Dedup) process.exit(1);
  console.log('import: erplink', version())"
ERPLINK_NODE_MODULE="$mod" node --test "$root/tests/bindings/test_node_razorpay.js" "$root/tests/bindings/test_node_store.js" \
  "$root/tests/bindings/test_node_store_custom.js" \
  > "$work/test.log" 2>&1 || { tail -30 "$work/test.log"; exit 1; }
grep -E '^# (pass|fail)' "$work/test.log"
echo "node_pack: OK ($tgz)"
