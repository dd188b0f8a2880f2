#!/usr/bin/env bash
# Runs a Cartona example against tests/servers/cartona_sim.py on an ephemeral loopback port:
#   examples/cartona/run_example.sh push_prices PATH/TO/push_prices
#   examples/cartona/run_example.sh order_loop  PATH/TO/order_loop
# Seeds the simulator (orders for order_loop), runs the example with CARTONA_TOKEN and
# CARTONA_BASE_URL set, then checks the simulator's final state. The simulator exits when its
# stdin closes (killed as a last resort).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:?usage: run_example.sh push_prices|order_loop BINARY}
bin=${2:?usage: run_example.sh push_prices|order_loop BINARY}
py=${PYTHON:-python3}
sim=$here/../../tests/servers/cartona_sim.py
token="example-token-$$"

. "$here/../../tests/servers/serve.sh"
serve_start "$sim" --token "$token"
port=$SERVE_PORT
tmp=$SERVE_TMP
export CARTONA_TOKEN="$token" CARTONA_BASE_URL="$SERVE_URL/api/v1/"
ctl() { "$py" - "$port" "$@" <<'PYEOF'
import json, sys, urllib.request
port, what = sys.argv[1], sys.argv[2]
data = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
req = urllib.request.Request("http://127.0.0.1:%s/_control/%s" % (port, what), data=data,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PYEOF
}

case "$which" in
  push_prices)
    set +e
    "$bin" "$here/products.csv"
    status=$?
    set -e
    [ "$status" -eq 0 ] || { echo "push_prices exited with $status" >&2; exit 1; }
    ctl state > "$tmp/state.json"
    "$py" - "$tmp/state.json" <<'PYEOF'
import json, sys
st = json.load(open(sys.argv[1]))
p = st["products"]
assert p["i:904#2"]["selling_price"] == 120.5, p.get("i:904#2")
assert p["i:TEA-100G"]["available_stock_quantity"] == 250
assert "i:SOAP-BAR" not in p, "an invalid row must not be sent"
assert len(p) == 7, len(p)
print("simulator state checked: %d products updated" % len(p))
PYEOF
    ;;
  order_loop)
    ctl orders "$here/orders.json" >/dev/null
    "$bin" 2
    ctl state > "$tmp/state.json"
    "$py" - "$tmp/state.json" <<'PYEOF'
import json, sys
st = json.load(open(sys.argv[1]))
assert st["queue"] == [], st["queue"]
assert all(o.get("_synced") == 1 for o in st["orders"].values()), "each order acknowledged exactly once"
print("simulator state checked: %d orders acknowledged, queue empty" % len(st["orders"]))
PYEOF
    ;;
  *) echo "unknown example $which" >&2; exit 2 ;;
esac
