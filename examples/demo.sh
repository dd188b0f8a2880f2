#!/usr/bin/env bash
# The README's demo: the storefront's real job, end to end, against the bundled local servers.
#   1. installs the dependencies (.ci/install-deps; ERPLINK_SKIP_DEPS=1 skips it), builds
#      erplink, installs it into ./prefix and builds a C program against the installed copy
#      with pkg-config (the C ABI as a C user sees it), run against the fault-injecting server;
#   2. builds the Next.js storefront (examples/apps/storefront) on the Node binding and runs
#      its whole flow once (scripts/demo.mjs --once): Odoo simulator up, product sync through
#      erplink's paged search_read, the shop page a shopper sees, a live stock check that passes
#      and one that is refused, a Razorpay webhook with a bad signature (400), the same webhook
#      signed (a confirmed sale.order in Odoo) and redelivered (still one order).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ "${ERPLINK_SKIP_DEPS:-0}" != 1 ]; then bash .ci/install-deps; fi

echo "=== 1. the C library, installed, and a program built against it with pkg-config"
prefix=$root/prefix
meson setup build-demo --prefix="$prefix" --buildtype=release -Dtests=false -Dbench=false \
  -Ddocs=disabled -Dexamples=false --reconfigure >/dev/null 2>&1 \
  || meson setup build-demo --prefix="$prefix" --buildtype=release -Dtests=false -Dbench=false \
       -Ddocs=disabled -Dexamples=false
ninja -C build-demo
meson install -C build-demo --quiet
pcdir=$(dirname "$(find "$prefix" -name erplink.pc | head -n 1)")
libdir=$(find "$prefix" -name 'liberplink.so.*' -printf '%h\n' | head -n 1)
mkdir -p "$prefix/bin"
echo "+ cc examples/core_demo.c \$(pkg-config --cflags --libs erplink)"
cc -std=c11 -Wall -Wextra -O2 examples/core_demo.c -o "$prefix/bin/erplink-core-demo" \
  $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs erplink) -Wl,-rpath,"$libdir"
bash examples/run_demo.sh "$prefix/bin/erplink-core-demo"

echo
echo "=== 2. the storefront (Next.js on the Node binding): Razorpay payments into Odoo orders"
app=$root/examples/apps/storefront
export NEXT_TELEMETRY_DISABLED=1 npm_config_build_from_source=true
node_prefix=$(dirname "$(dirname "$(command -v node)")")
[ -f "$node_prefix/include/node/common.gypi" ] && export npm_config_nodedir=$node_prefix
echo "+ npm ci && npm run build   (the erplink addon and better-sqlite3 compile here: a few minutes)"
(cd "$root/bindings/node" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
(cd "$app" && npm ci --no-audit --no-fund >/dev/null && npm run build >/dev/null)
echo "+ node scripts/demo.mjs --once"
(cd "$app" && PORT=${PORT:-3000} node scripts/demo.mjs --once)
