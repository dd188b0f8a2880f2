#!/usr/bin/env bash
# Every public header compiles on its own, as C11 and as C++ (its extern "C" guards and
# declarations must be valid C++), with -Wall -Wextra -Werror, and has a Doxygen @file block.
set -u
cc=${1:?cc}; cxx=${2:?c++}; incdir=${3:?include dir}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
for h in "$incdir"/erplink/*.h; do
  name=erplink/$(basename "$h")
  n=$((n + 1))
  if ! grep -q "@file $name" "$h"; then
    echo "not ok $n - $name has no '@file $name' Doxygen block"; fail=$((fail + 1)); continue
  fi
  printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$name" "$name" > "$tmp/t.c"
  if ! out=$("$cc" -std=c11 -Wall -Wextra -Werror -pedantic -I"$incdir" -c "$tmp/t.c" -o "$tmp/t.o" 2>&1); then
    echo "not ok $n - $name alone in C11"; echo "$out" | sed 's/^/# /'; fail=$((fail + 1)); continue
  fi
  printf '#include <%s>\nint main() { return 0; }\n' "$name" > "$tmp/t.cpp"
  if ! out=$("$cxx" -std=c++11 -Wall -Wextra -Werror -pedantic -I"$incdir" -c "$tmp/t.cpp" -o "$tmp/t.o" 2>&1); then
    echo "not ok $n - $name alone in C++11"; echo "$out" | sed 's/^/# /'; fail=$((fail + 1)); continue
  fi
  echo "ok $n - $name compiles alone in C11 and C++11 with -Wall -Wextra -Werror"
done
echo "1..$n"
[ "$fail" -eq 0 ]
