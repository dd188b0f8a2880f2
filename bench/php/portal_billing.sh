#!/usr/bin/env bash
# bench/run portal_billing: the customer portal's billing endpoint (examples/apps/portal:
# Portal\billing(), authenticate + 2 search_read over JSON-RPC with an API key, then the
# arrears computed in PHP) through the erplink PHP extension vs through PHP's own curl +
# json_decode JSON-RPC client (Portal\CurlGateway: what the portal does without erplink).
# Same calls, same PHP shaping code, same loopback server, same run, each peer in its own
# process, alternated, best of 3 rounds:
#   - bench_odoo_server (bench/odoo, pre-encoded answers: 500 invoice/payment records per
#     call), so that the clients are measured and not a server: the headline ratio, with a
#     new client per answer as every portal request makes it ("request"), and with one client
#     kept ("reuse");
#   - the repository's Odoo simulator (tests/servers/odoo_server.py, the portal
#     seed: 4 invoices, 2 payments), the portal's real data, where the Python server dominates
#     (without --keepalive: with it, the simulator's separate header and body writes meet the
#     client's delayed ACK, 40 ms a call, for both peers alike);
#   - for information, erplink over JSON-2 (Odoo 19's protocol: a bare JSON answer, no JSON-RPC
#     envelope) on the pre-encoded server.
# Unit: billing answers per second (higher is better). Last line: one JSON object.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:?build dir}"
secs=${ERPLINK_BENCH_SECONDS:-2}
php=${PHP:-php}
ext_build="$build/bench/php/ext"
ERPLINK_JOBS=2 "$root/bindings/php/build.sh" "$ext_build" >&2
ext="$ext_build/bindings/php/erplink.so"
data="$build/bench/php/billing"
python3 "$here/make_billing_responses.py" "$data" 500
tmp=$(mktemp -d)
fds=()
cleanup() { for fd in "${fds[@]}"; do eval "exec $fd>&-"; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # NAME CMD...: stdin held by us (EOF stops it), "PORT n" read from a FIFO
  local name=$1; shift
  mkfifo "$tmp/$name"
  local w r line
  exec {w}> >(exec "$@" >"$tmp/$name" 2>"$tmp/$name.err")
  exec {r}<"$tmp/$name"
  fds+=("$w" "$r")
  read -r -t 60 -u "$r" line
  [[ $line == PORT* ]] || { echo "$name did not start" >&2; exit 1; }
  printf -v "${name}_port" '%s' "${line#PORT }"
}
start pre "$build/bench/odoo/bench_odoo_server" "$data"
start sim python3 "$root/tests/servers/odoo_server.py" --port 0 --version 19 --seed "$root/tests/php/portal_seed.json"

peer() { # PEER URL DB KEY MODE -> answers/s
  "$php" -d "extension=$ext" "$here/portal_billing.php" "$1" "$2" "$3" "$4" "$secs" "$5" | cut -d' ' -f1
}
declare -A res
for round in 1 2 3; do
  for p in erplink curl; do
    for mode in request reuse; do
      r=$(peer "$p" "http://127.0.0.1:$pre_port" demo17 f32f735cb7f82805c95056b62583379a9aabd47f "$mode")
      k="pre_${p}_$mode"; res[$k]=$(python3 -c "print(max(float('${res[$k]:-0}'), $r))")
    done
    r=$(peer "$p" "http://127.0.0.1:$sim_port" demo19 dad028985f488ca4b0f7f8f7b556a00a30762b32 request)
    k="sim_${p}"; res[$k]=$(python3 -c "print(max(float('${res[$k]:-0}'), $r))")
  done
  r=$(peer erplink-json2 "http://127.0.0.1:$pre_port" demo17 f32f735cb7f82805c95056b62583379a9aabd47f request)
  res[json2]=$(python3 -c "print(max(float('${res[json2]:-0}'), $r))")
  echo "round $round: erplink ${res[pre_erplink_request]} / curl ${res[pre_curl_request]} answers/s (request mode, 500 records)" >&2
done
python3 - "${res[pre_erplink_request]}" "${res[pre_curl_request]}" "${res[pre_erplink_reuse]}" "${res[pre_curl_reuse]}" \
  "${res[sim_erplink]}" "${res[sim_curl]}" "${res[json2]}" <<'PY'
import json, sys
er, cr, eu, cu, es, cs, ej = map(float, sys.argv[1:])
print(f"billing, 500 invoices + 500 payments, new client per answer: erplink {er:.1f}/s, curl+json_decode {cr:.1f}/s")
print(f"billing, 500 + 500, one client kept:                          erplink {eu:.1f}/s, curl+json_decode {cu:.1f}/s")
print(f"billing on the Odoo simulator (portal seed), per answer:      erplink {es:.1f}/s, curl+json_decode {cs:.1f}/s")
print(f"billing, 500 + 500, new client per answer, erplink over JSON-2: {ej:.1f}/s")
print(json.dumps({"bench": "portal_billing", "unit": "billing answers/s (higher is better)",
                  "erplink": round(er, 2), "php_curl": round(cr, 2), "ratio_vs_php_curl": round(er / cr, 3),
                  "reuse_erplink": round(eu, 2), "reuse_php_curl": round(cu, 2), "reuse_ratio_vs_php_curl": round(eu / cu, 3),
                  "simulator_erplink": round(es, 2), "simulator_php_curl": round(cs, 2),
                  "simulator_ratio_vs_php_curl": round(es / cs, 3), "json2_erplink": round(ej, 2),
                  "json2_ratio_vs_php_curl_jsonrpc": round(ej / cr, 3), "records_per_call": 500, "protocol": "jsonrpc"}))
PY
