#!/usr/bin/env bash
# Compares the ABI of the built liberplink.so with the committed baseline abi/liberplink.abi
# (libabigail: abidw writes it, abidiff compares), restricted to the types of the public
# headers. Any difference fails, with abidiff's report:
#   - an incompatible change (a function removed or changed) must bump the SONAME (README,
#     "ABI and SONAME policy") and regenerate the baseline in the same commit;
#   - a compatible change (functions added) regenerates the baseline, the new functions in a
#     new symbol version node.
# Usage: check_abi.sh BUILT_LIB INCLUDE_DIR BASELINE        (TAP, one test)
#        check_abi.sh --update BUILT_LIB INCLUDE_DIR BASELINE
set -u
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
lib=${1:?built liberplink.so}; inc=${2:?include dir}; base=${3:?baseline}
command -v abidiff >/dev/null || { echo "Bail out! abidiff not found (Debian package abigail-tools)"; exit 1; }
if [ "$update" = 1 ]; then
  abidw --headers-dir "$inc/erplink" --no-corpus-path --no-show-locs --out-file "$base" "$lib" && echo "wrote $base"
  exit $?
fi
echo "1..1"
[ -f "$base" ] || { echo "not ok 1 - no ABI baseline $base (tests/abi/check_abi.sh --update ...)"; exit 1; }
out=$(abidiff --headers-dir2 "$inc/erplink" --no-show-locs "$base" "$lib" 2>&1); rc=$?
if [ $rc -eq 0 ]; then
  echo "ok 1 - the ABI of $(basename "$lib") is the baseline's"
  exit 0
fi
if [ $((rc & 8)) -ne 0 ]; then
  echo "not ok 1 - INCOMPATIBLE ABI change against $base: bump the SONAME and regenerate the baseline"
elif [ $((rc & 4)) -ne 0 ]; then
  echo "not ok 1 - the ABI changed compatibly against $base: regenerate the baseline (new functions in a new version node)"
else
  echo "not ok 1 - abidiff failed (status $rc)"
fi
echo "$out" | sed 's/^/# /' | head -200
exit 1
