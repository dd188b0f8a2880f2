#!/usr/bin/env bash
# The README's demo: install the dependencies, build erplink, install it into ./prefix,
# build the core demo program against the *installed* copy with pkg-config, and run it
# against the bundled fault-injecting loopback server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ "${ERPLINK_SKIP_DEPS:-0}" != 1 ]; then bash .ci/install-deps; fi
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
