#!/usr/bin/env bash
# The Next.js storefront (examples/apps/storefront) end to end: `npm ci` (the erplink addon is
# built from bindings/node through its "file:" link, better-sqlite3 from source), `next build`,
# then storefront.test.mjs starts `next start` against the Odoo simulator and sends real HTTP
# requests (product sync, stock checks, signed Razorpay webhooks, redeliveries across a restart,
# bad signature, malformed body, an Odoo outage) and opens the pages in headless Chromium.
#
#   tests/apps/storefront/run.sh [OUT]       (default OUT: build-storefront-test)
#
# Writes OUT/storefront.tap (node:test TAP, read by .ci/summarize.py), OUT/*.png (what the
# browser showed), OUT/next.log and OUT/odoo.log; prints the time of each stage and one closing
# line "storefront: N passed, N failed"; exits non-zero when a stage or a test failed.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
app=$root/examples/apps/storefront
out=${1:-$root/build-storefront-test}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tap=$out/storefront.tap
rm -f "$tap" "$out"/*.png "$out/next.log" "$out/odoo.log"
rm -rf "$out"/data-* "$out"/chromium-*
t_start=$(date +%s)
export NEXT_TELEMETRY_DISABLED=1
# node-gyp (better-sqlite3, erplink) takes the headers of the running node instead of
# downloading them, when that node ships them (Debian's and NodeSource's packages do).
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/common.gypi" ] && export npm_config_nodedir=$node_prefix
export npm_config_build_from_source=true

fail() {
  echo "STEP FAILED: $1"
  echo "not ok 1 - $1" >"$tap"
  echo "# pass 0" >>"$tap"
  echo "# fail 1" >>"$tap"
  echo "storefront: 0 passed, 1 failed"
  exit 1
}

echo "=== storefront: npm ci ==="
t0=$(date +%s)
# The linked erplink package's own dependencies (node-addon-api, headers only) must sit in
# bindings/node/node_modules for its install script, which runs there: npm installs a "file:"
# dependency's dependencies into the app's node_modules, where that script cannot see them.
(cd "$root/bindings/node" && npm install --ignore-scripts --no-audit --no-fund) >"$out/npm.log" 2>&1 \
  || { tail -30 "$out/npm.log"; fail "npm install in bindings/node"; }
(cd "$app" && npm ci --no-audit --no-fund) >>"$out/npm.log" 2>&1 || { tail -40 "$out/npm.log"; fail "npm ci"; }
echo "npm ci: $(( $(date +%s) - t0 )) s"

echo "=== storefront: next build ==="
t0=$(date +%s)
(cd "$app" && npm run build) >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; fail "next build"; }
echo "next build: $(( $(date +%s) - t0 )) s"

echo "=== storefront: next start + HTTP + Chromium (storefront.test.mjs) ==="
t0=$(date +%s)
STOREFRONT_APP=$app STOREFRONT_OUT=$out timeout 600 node --test --test-timeout=240000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "$root/tests/apps/storefront/storefront.test.mjs"
rc=$?
echo "tests: $(( $(date +%s) - t0 )) s"
pass=$(sed -n 's/^# pass //p' "$tap" 2>/dev/null)
failn=$(sed -n 's/^# fail //p' "$tap" 2>/dev/null)
echo "storefront: ${pass:-0} passed, ${failn:-1} failed"
echo "tests/apps/storefront/run.sh: $(( $(date +%s) - t_start )) s"
[ "$rc" -eq 0 ] && [ "${failn:-1}" -eq 0 ] && [ "${pass:-0}" -gt 0 ]
