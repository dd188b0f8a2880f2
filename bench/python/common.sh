# Sourced by the bench/python/*.sh scripts: installs the erplink Python package built from this
# checkout and the PyPI peers into the bench build dir (once; ERPLINK_BENCH_REINSTALL=1 redoes
# it), and sets PYBENCH_PATH for PYTHONPATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?build dir}"
python="${PYTHON:-python3}"
pkg="$build/bench/python/erplink-pkg"
peers="$build/bench/python/peers"
if [ -n "${ERPLINK_BENCH_REINSTALL:-}" ] || [ ! -d "$pkg/erplink" ]; then
  rm -rf "$pkg"
  echo "installing the erplink Python package into $pkg (release build)" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --no-input --target "$pkg" "$root" >&2
fi
if [ ! -f "$peers/.done-$PEERS_TAG" ]; then
  echo "installing the PyPI peers ($PEERS) into $peers" >&2
  "$python" -m pip install --quiet --disable-pip-version-check --no-input --target "$peers" $PEERS >&2
  touch "$peers/.done-$PEERS_TAG"
fi
PYBENCH_PATH="$pkg:$peers"
