#!/usr/bin/env bash
# Checks that every tracked C/C++ source is in the project's style (.clang-format at the root):
#   tests/style/check_format.sh          report, exit 1 if any file differs (TAP, one test)
#   tests/style/check_format.sh --fix    rewrite the files in place
# Needs clang-format (Debian package clang-format; the CI installs version 14).
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 2
command -v clang-format >/dev/null || { echo "Bail out! clang-format not found (Debian package clang-format)"; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.cc' | grep -v '^tests/fixtures/')
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; exit $?; fi
echo "1..1"
bad=$(clang-format --dry-run "${files[@]}" 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | cut -d: -f1 | sort -u)
if [ -z "$bad" ]; then echo "ok 1 - ${#files[@]} sources follow .clang-format"; exit 0; fi
echo "not ok 1 - not in the project's style (run tests/style/check_format.sh --fix):"
echo "$bad" | sed 's/^/#   /'
exit 1
