#!/usr/bin/env bash
# eve_corp end to end (examples/apps/eve_corp): the Flask intermediary against the SSO/ESI
# simulator and the Odoo simulator (test_intermediary.py), and the addon's pull logic through
# its plain-Python sync layer (test_sync.py). Every server is started by the tests on
# 127.0.0.1, port 0, and stopped by closing its stdin.
#
#   tests/apps/eve/run.sh [OUT]      (default OUT: build-eve-test)
#
# erplink's Python binding: ERPLINK_PYTHONPATH names an existing `pip install --target` of it
# (.ci/test passes the one tests/bindings/run.sh made); otherwise it is built here with
# `pip install --target OUT/py .`. Flask and pytest come from .ci/install-deps.
# Writes OUT/pytest.xml (JUnit, read by .ci/summarize.py); exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
out=${1:-$root/build-eve-test}
python=${PYTHON:-python3}
mkdir -p "$out"
out=$(cd "$out" && pwd)
t0=$(date +%s)
rm -f "$out/pytest.xml"
py=${ERPLINK_PYTHONPATH:-}
if [ -z "$py" ] || [ ! -d "$py/erplink" ]; then
  py=$out/py
  echo "=== eve_corp: pip install --target $py (erplink's Python binding)"
  rm -rf "$py"
  if ! "$python" -m pip install --disable-pip-version-check --no-input --target "$py" "$root" >"$out/pip-install.log" 2>&1; then
    tail -n 40 "$out/pip-install.log"
    echo "eve_corp: pip install failed (full log: $out/pip-install.log)"
    exit 1
  fi
fi
echo "=== eve_corp: pytest tests/apps/eve (erplink from $py)"
(cd "$out" && PYTHONPATH="$py:$root/tests/apps/eve" PYTHONDONTWRITEBYTECODE=1 \
  "$python" -m pytest -p no:cacheprovider -v --junitxml="$out/pytest.xml" "$root/tests/apps/eve")
rc=$?
echo "tests/apps/eve/run.sh: $(( $(date +%s) - t0 )) s"
exit $rc
