#!/usr/bin/env bash
# The PHP side of erplink, end to end: builds the extension (bindings/php/build.sh), runs its
# phpt suite (tests/php/binding/, with PHP's own run-tests.php from php8.2-dev) against the
# Odoo simulators (tests/servers/odoo_server.py, 17 and 19), then serves the customer portal
# (examples/apps/portal/) with `php -S` against a simulator seeded with portal data
# (tests/php/portal_seed.json) and calls every endpoint, refusals included
# (tests/php/portal_test.php).
#
#   tests/php/run.sh [OUT]        (default OUT: build-php-test)
#   ERPLINK_PHP_VALGRIND=1 tests/php/run.sh   runs the phpt suite under valgrind (run-tests.php -m:
#                                 memory errors and leaks of the extension; slow, not in CI)
#
# Writes OUT/php-binding.xml and OUT/php-portal.xml (JUnit, read by .ci/summarize.py), prints
# each runner's summary and one closing line "N passed, N failed", and exits non-zero when a
# build or a test failed. Every server is started on 127.0.0.1 with port 0 and stopped by
# closing its stdin (the simulators) or by its pid (php -S, started here).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-php-test}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "$out/run.XXXXXX")
failed_steps=0
php_bin=${PHP:-php}
t_start=$(date +%s)

pids=()
fds=()
cleanup() {
  for fd in "${fds[@]}"; do eval "exec $fd>&-" 2>/dev/null; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_sim NAME ARGS...: runs the Odoo simulator with its stdin on a pipe we hold (closing it
# stops the server) and its stdout on a FIFO from which the "PORT n" line is read (blocking,
# with a 60 s bound); sets the variable NAME_URL.
start_sim() {
  local name=$1; shift
  local fifo=$tmp/$name.port
  mkfifo "$fifo"
  local wfd rfd line
  exec {wfd}> >(exec python3 "$root/tests/servers/odoo_server.py" --port 0 "$@" >"$fifo" 2>"$out/$name.log")
  fds+=("$wfd")
  exec {rfd}<"$fifo"
  fds+=("$rfd")
  if ! read -r -t 60 -u "$rfd" line || [[ $line != PORT* ]]; then
    echo "the Odoo simulator $name did not start: ${line:-nothing}" >&2
    return 1
  fi
  printf -v "${name}_URL" 'http://127.0.0.1:%s' "${line#PORT }"
}

echo "=== PHP extension: build ==="
ext=""
if ERPLINK_JOBS=2 "$root/bindings/php/build.sh" "$out/build" >"$out/build.log" 2>&1; then
  ext=$out/build/bindings/php/erplink.so
  echo "built $ext"
else
  tail -30 "$out/build.log"
  echo "STEP FAILED: PHP extension build"
  failed_steps=$((failed_steps + 1))
fi

# PHP's own test runner, shipped by php8.2-dev next to the extension directory's build files
run_tests=$("$php_bin" -r 'echo PHP_EXTENSION_DIR;' 2>/dev/null)/build/run-tests.php

binding_xml=$out/php-binding.xml
portal_xml=$out/php-portal.xml
rm -f "$binding_xml" "$portal_xml"

if [ -n "$ext" ]; then
  echo
  echo "=== PHP binding: phpt suite (tests/php/binding) ==="
  t0=$(date +%s)
  if start_sim odoo17 --version 17 && start_sim odoo19 --version 19; then
    export ODOO17_URL=$odoo17_URL ODOO19_URL=$odoo19_URL
    export ERPLINK_PHP_LAYER=$root/bindings/php/erplink.php
    vg=()
    # PCRE's JIT code is opaque to valgrind (false "uninitialised" reports): off under valgrind
    [ -n "${ERPLINK_PHP_VALGRIND:-}" ] && vg=(-m -d pcre.jit=0)
    TEST_PHP_EXECUTABLE=$(command -v "$php_bin") TEST_PHP_JUNIT=$binding_xml NO_INTERACTION=1 \
      "$php_bin" "$run_tests" -q -j2 --show-diff "${vg[@]}" -d "extension=$ext" "$root/tests/php/binding" \
      >"$out/phpt.log" 2>&1
    grep -E '^(FAIL|SKIP|BORK|LEAK)|^Tests (passed|failed|skipped)' "$out/phpt.log"
    grep -q 'Tests failed *: *0 ' "$out/phpt.log" || sed -n '/^FAIL/,$p' "$out/phpt.log" | head -80
  else
    failed_steps=$((failed_steps + 1))
  fi
  echo "phpt suite: $(( $(date +%s) - t0 )) s"

  if [ -f "$root/tests/php/portal_test.php" ]; then
    echo
    echo "=== customer portal: php -S against the Odoo simulator (tests/php/portal_test.php) ==="
    t0=$(date +%s)
    if start_sim portal19 --version 19 --seed "$root/tests/php/portal_seed.json" &&
       start_sim portal17 --version 17 --seed "$root/tests/php/portal_seed.json" --seed "$root/tests/php/portal_seed_helpdesk.json"; then
      ERPLINK_EXT=$ext PORTAL_ODOO_URL=$portal19_URL PORTAL_ODOO_HELPDESK_URL=$portal17_URL PORTAL_TMP=$tmp \
        "$php_bin" -d "extension=$ext" "$root/tests/php/portal_test.php" "$portal_xml" 2>&1 | tee "$out/portal.log" | grep -v '^ok '
    else
      failed_steps=$((failed_steps + 1))
    fi
    echo "portal suite: $(( $(date +%s) - t0 )) s"
  fi
fi

echo
python3 - "$binding_xml" "$portal_xml" "$failed_steps" <<'EOF'
import sys
import xml.etree.ElementTree as ET
passed = failed = 0
for label, path in (("phpt", sys.argv[1]), ("portal", sys.argv[2])):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        print(f"{label}: no result file {path}")
        failed += 1
        continue
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    t = f = s = 0
    for st in suites:
        if st.find("testsuite") is not None:
            continue  # a parent of suites: count its leaves only
        t += int(st.get("tests", 0)); f += int(st.get("failures", 0)) + int(st.get("errors", 0))
        s += int(st.get("skipped", st.get("skip", 0)))  # run-tests.php writes "skip"
    print(f"{label}: {t - f - s} passed, {f + s} failed")
    passed += t - f - s
    failed += f + s
failed += int(sys.argv[3])
print(f"php: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
EOF
rc=$?
echo "tests/php/run.sh: $(( $(date +%s) - t_start )) s"
exit $rc
