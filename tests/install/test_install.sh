#!/usr/bin/env bash
# Installs the build into a scratch root and proves a consumer can use it the documented way:
#   cc app.c $(pkg-config --cflags --libs erplink)
# (shared, C and C++), a static link, the SONAME, and that the shared library exports
# exactly the public API (every exported symbol is declared in an installed header,
# nothing internal leaks, each carries the ERPLINK_0.2 version node).
set -u
build=${1:?build dir}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/# /'; }

if out=$(DESTDIR="$tmp/root" meson install -C "$build" --no-rebuild --quiet 2>&1); then ok "meson install into a scratch root"
else bad "meson install" "$out"; echo "1..$n"; exit 1; fi

pc=$(find "$tmp/root" -name erplink.pc | head -n 1)
[ -n "$pc" ] && ok "erplink.pc installed" || { bad "erplink.pc installed"; echo "1..$n"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$tmp/root"
libdir=$(find "$tmp/root" -name 'liberplink.so.*' -printf '%h\n' | head -n 1)
incdir=$(find "$tmp/root" -type d -path '*/include/erplink' | head -n 1)
[ -f "$incdir/erplink.h" ] && ok "headers installed under include/erplink/" || bad "headers under include/erplink/"

cat > "$tmp/app.c" <<'C'
#include <erplink/erplink.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  erplink_value *v = NULL;
  if (erplink_value_new_string(&v, "pkg-config works") != 0) return 1;
  const char *s; size_t n;
  if (erplink_value_get_string(&s, &n, v) != 0 || strcmp(s, "pkg-config works") != 0) return 2;
  erplink_value_free(v);
  if (erplink_value_get_int(NULL, NULL) != ERPLINK_EINVAL) return 3;
  printf("%s %s\n", erplink_version(), ERPLINK_VERSION);
  return 0;
}
C
want=$(pkg-config --modversion erplink)
if out=$(cc -std=c11 -Wall -Wextra -Werror "$tmp/app.c" -o "$tmp/app" $(pkg-config --cflags --libs erplink) 2>&1); then
  got=$(LD_LIBRARY_PATH="$libdir" "$tmp/app")
  [ "$got" = "$want $want" ] && ok "C program built with pkg-config runs against the installed library ($got)" \
    || bad "C program output" "got '$got', want '$want $want'"
else bad "C program builds with \$(pkg-config --cflags --libs erplink)" "$out"; fi

cp "$tmp/app.c" "$tmp/app.cpp"
if out=$(c++ -std=c++11 -Wall -Wextra -Werror "$tmp/app.cpp" -o "$tmp/appxx" $(pkg-config --cflags --libs erplink) 2>&1) \
   && LD_LIBRARY_PATH="$libdir" "$tmp/appxx" >/dev/null; then
  ok "C++ program links (extern \"C\" linkage) and runs"
else bad "C++ program links and runs" "$out"; fi

# liberplink.a with the shared system libraries it needs (its Requires.private and Libs.private:
# -lstdc++ for the JSON parser, -pthread -lm): a fully static binary would need static builds of
# libcurl's own dependencies. The program decodes JSON, so that the C++ object is linked in.
cat > "$tmp/app_static.c" <<'C'
#include <erplink/erplink.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  const char *doc = "[1,\"x\",{\"k\":2.5}]";
  erplink_value *v = NULL;
  if (erplink_json_decode(&v, doc, strlen(doc), NULL) != 0) return 1;
  if (erplink_value_count(v) != 3) return 2;
  char *s = NULL;
  if (erplink_json_encode(&s, NULL, v) != 0) return 3;
  printf("%s\n", s);
  erplink_free(s);
  erplink_value_free(v);
  return 0;
}
C
static_libs="$(pkg-config --libs $(pkg-config --print-requires-private erplink | awk '{print $1}')) $(sed -n 's/^Libs.private: //p' "$pc")"
if out=$(cc -std=c11 -DERPLINK_STATIC "$tmp/app_static.c" -o "$tmp/app_static" $(pkg-config --cflags erplink) \
           "$libdir/liberplink.a" $static_libs 2>&1) && [ "$("$tmp/app_static")" = '[1,"x",{"k":2.5}]' ] \
   && ! ldd "$tmp/app_static" | grep -q liberplink; then
  ok "static liberplink.a links (with its Requires.private and Libs.private) and decodes JSON without liberplink.so"
else bad "static link" "$out"; fi

so=$(ls "$libdir"/liberplink.so.*.*.* | head -n 1)
soname=$(readelf -d "$so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
major=${want%%.*}
minor=${want#*.}; minor=${minor%%.*}
want_soname="liberplink.so.$major"
[ "$major" = 0 ] && want_soname="liberplink.so.0.$minor" # before 1.0 a minor release may change the API
[ "$soname" = "$want_soname" ] && ok "SONAME is $want_soname" || bad "SONAME" "got '$soname', want '$want_soname'"

exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | sort -u)
leaks=""
for sym in $exported; do
  case "$sym" in erplink__*|erplink_buf_*|erplink_builder_*|erplink_arena_*) leaks="$leaks $sym"; continue ;; esac
  grep -qw "$sym" "$incdir"/*.h || leaks="$leaks $sym"
done
count=$(echo "$exported" | wc -w)
[ -z "$leaks" ] && [ "$count" -gt 20 ] && ok "shared library exports only the $count public symbols" \
  || bad "exported symbols are exactly the public API" "unexpected:$leaks (count $count)"
unversioned=$(objdump -T "$so" | awk '/ DF .text/ && $0 !~ /ERPLINK_0/' | head -n 3)
[ -z "$unversioned" ] && ok "every exported function carries a symbol version (ERPLINK_0.x)" \
  || bad "symbol versions" "$unversioned"
echo "1..$n"
[ "$fail" -eq 0 ]
