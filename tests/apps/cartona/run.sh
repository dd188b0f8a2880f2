#!/usr/bin/env bash
# The Cartona connector's sync layer (examples/apps/cartona_connector/addons/cartona_connector/sync,
# plain Python, no Odoo) against the Cartona simulator (tests/servers/cartona_sim.py) with fault
# injection and an in-memory ORM-shaped fake: tests/apps/cartona/test_sync.py.
#
#   tests/apps/cartona/run.sh [OUT]      (default OUT: build-cartona-test)
#
# Uses the Python binding the bindings step installed (ERPLINK_PY, default
# <repo>/build-ci/bindings/py) when it is there, else builds it with
# `pip install --target OUT/py <repo> pytest` (about a minute on 2 cores).
# Writes OUT/cartona-connector.xml (JUnit, read by .ci/summarize.py), prints pytest's summary
# and one closing line "N passed, N failed"; exits non-zero when a build or a test failed.
# The suite itself takes about 5 s.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$root/build-cartona-test}
mkdir -p "$out"
out=$(cd "$out" && pwd)
python=${PYTHON:-python3}
t0=$(date +%s)
py=${ERPLINK_PY:-$root/build-ci/bindings/py}
failed_steps=0
if ! PYTHONPATH="$py" "$python" -c 'import erplink.cartona, pytest' 2>/dev/null; then
  py=$out/py
  echo "=== building the Python binding: pip install --target $py"
  if ! "$python" -m pip install --disable-pip-version-check --no-input --target "$py" "$root" pytest \
      >"$out/pip-install.log" 2>&1; then
    tail -n 40 "$out/pip-install.log"
    echo "STEP FAILED: the Python binding did not build"
    failed_steps=1
  fi
fi
xml=$out/cartona-connector.xml
rm -f "$xml"
if [ "$failed_steps" = 0 ]; then
  echo "=== Cartona connector sync layer: pytest tests/apps/cartona (binding: $py)"
  (cd "$out" && PYTHONPATH="$py" PYTHONDONTWRITEBYTECODE=1 "$python" -m pytest -p no:cacheprovider -v \
     --junitxml="$xml" "$root/tests/apps/cartona/test_sync.py") | grep -v '^WARNING' | tail -n 20
fi
"$python" - "$xml" "$failed_steps" <<'PY'
import sys
import xml.etree.ElementTree as ET
passed = failed = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
    for s in ([root] if root.tag == "testsuite" else root.findall("testsuite")):
        t = int(s.get("tests", 0)); f = int(s.get("failures", 0)) + int(s.get("errors", 0)); k = int(s.get("skipped", 0))
        passed += t - f - k; failed += f + k
except (OSError, ET.ParseError):
    print("cartona-connector: no result file", sys.argv[1])
    failed += 1
failed += int(sys.argv[2])
print(f"cartona-connector: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
PY
rc=$?
echo "tests/apps/cartona/run.sh: $(( $(date +%s) - t0 )) s"
exit $rc
