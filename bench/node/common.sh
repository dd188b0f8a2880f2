# Sourced by the bench/node/*.sh scripts: builds the Node addon of this checkout if needed
# (npm install in bindings/node: release build) and installs the npm peers ($PEERS) into the
# bench build dir once (ERPLINK_BENCH_REINSTALL=1 redoes both); sets NODE_PEERS to their node_modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?build dir}"
build="$(cd "$build" && pwd)"
command -v node >/dev/null && command -v npm >/dev/null || { echo "node/npm not installed" >&2; exit 2; }
if [ -n "${ERPLINK_BENCH_REINSTALL:-}" ] || [ ! -f "$root/bindings/node/build/Release/erplink.node" ]; then
  echo "building the Node addon (npm install in bindings/node)" >&2
  (cd "$root/bindings/node" && npm install --no-audit --no-fund --foreground-scripts) >&2
fi
peers="$build/bench/node/peers"
if [ -n "$PEERS" ] && { [ -n "${ERPLINK_BENCH_REINSTALL:-}" ] || [ ! -f "$peers/.done-$PEERS_TAG" ]; }; then
  echo "installing the npm peers ($PEERS) into $peers" >&2
  mkdir -p "$peers"
  npm install --no-audit --no-fund --silent --prefix "$peers" $PEERS >&2
  touch "$peers/.done-$PEERS_TAG"
fi
NODE_PEERS="$peers/node_modules"
export ERPLINK_NODE_MODULE="$root/bindings/node"
