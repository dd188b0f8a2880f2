#!/bin/sh
# Builds the PHP extension: bindings/php/build.sh [BUILDDIR]   (default: build-php)
#   -> BUILDDIR/bindings/php/erplink.so and BUILDDIR/bindings/php/erplink.php
# Needs the C build's packages, php8.2-dev (php-config, the headers) and SWIG >= 4.2 on PATH
# (PyPI's `swig`, as .ci/install-deps installs it). Load it with
#   php -d extension=BUILDDIR/bindings/php/erplink.so ...
# and `require 'BUILDDIR/bindings/php/erplink.php';` for the namespaced classes.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-php}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" -Dphp=enabled -Dtests=false -Dexamples=false -Dbench=false \
    -Ddocs=disabled -Dbuildtype=release -Dwerror=true
fi
ninja -C "$build" -j "${ERPLINK_JOBS:-2}" bindings/php/erplink.so
echo "$build/bindings/php/erplink.so"
