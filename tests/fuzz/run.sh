#!/usr/bin/env bash
# Runs erplink's libFuzzer targets (coverage-guided, with ASan + UBSan). See README.md.
#
#   tests/fuzz/run.sh TARGET SECONDS     fuzz one target for SECONDS (0 = until a finding or ^C)
#   tests/fuzz/run.sh all SECONDS        every target in turn, SECONDS each
#   tests/fuzz/run.sh --merge            minimise the seeds (seed_corpus.py) and the current
#                                        corpus into tests/fuzz/corpus/<target> (libFuzzer -merge=1)
#   tests/fuzz/run.sh --list             the targets
#   tests/fuzz/run.sh --build            build every target (then run several at once with
#                                        ERPLINK_FUZZ_NO_BUILD=1)
#
# Builds $ERPLINK_FUZZ_BUILD (default build-fuzz/) with CC=clang CXX=clang++ -Dfuzzing=true when needed.
# New inputs found while fuzzing go to $ERPLINK_FUZZ_OUT/<target>/new (default
# build-fuzz/fuzz-out), not into the committed corpus, which is only read. A finding (crash,
# UB, leak, timeout, out-of-memory) is saved under $ERPLINK_FUZZ_OUT/<target>/artifacts and
# makes the script exit 1; every run prints one line:
#   fuzz TARGET: OK|FINDING, N executions in S s (R exec/s), corpus C inputs, findings F
# and, with ERPLINK_FUZZ_TESTLOG=FILE, appends one meson-style JSON result line to FILE (read
# by .ci/summarize.py). Extra libFuzzer flags: ERPLINK_FUZZ_FLAGS (e.g. "-jobs=2 -workers=2").
# ERPLINK_FUZZ_NO_BUILD=1 skips the build (when running several targets at once).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${ERPLINK_FUZZ_BUILD:-$root/build-fuzz}"
out="${ERPLINK_FUZZ_OUT:-$build/fuzz-out}"
targets=(xmlrpc_response xmlrpc_call json jwt razorpay cartona_orders esi_pages http_headers)

dict_of() {
  case "$1" in
    xmlrpc_*) echo "$here/xml.dict" ;;
    http_headers) echo "$here/http.dict" ;;
    *) echo "$here/json.dict" ;;
  esac
}
max_len_of() { case "$1" in http_headers | jwt | razorpay) echo 4096 ;; *) echo 8192 ;; esac; }

ensure_built() {
  [ -n "${ERPLINK_FUZZ_NO_BUILD:-}" ] && return 0 # the caller built them (e.g. CI, before parallel runs)
  if [ ! -f "$build/build.ninja" ]; then
    CC="${CC:-clang}" CXX="${CXX:-clang++}" meson setup "$build" "$root" -Dfuzzing=true -Dbuildtype=debugoptimized -Ddocs=disabled \
      -Dbench=false -Dexamples=false >&2 || exit 2
  fi
  local t list=()
  for t in "$@"; do list+=("tests/fuzz/fuzz-$t"); done
  ninja -C "$build" "${list[@]}" >&2 || exit 2
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:handle_abort=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() { # target seconds
  local t=$1 secs=$2 exe="$build/tests/fuzz/fuzz-$1" dir="$out/$1"
  mkdir -p "$dir/new" "$dir/artifacts"
  local log="$dir/last.log" start end rc before
  before=$(ls "$dir/artifacts" | wc -l)
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$secs" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 \
    -dict="$(dict_of "$t")" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
    ${ERPLINK_FUZZ_FLAGS:-} "$dir/new" "$here/corpus/$t" > "$log" 2>&1
  rc=$?
  end=$(date +%s)
  local execs cov findings corpus status
  execs=$(awk '/stat::number_of_executed_units/ {s += $NF} END {print s + 0}' "$log")
  findings=$(( $(ls "$dir/artifacts" | wc -l) - before ))
  corpus=$(( $(ls "$dir/new" | wc -l) + $(ls "$here/corpus/$t" | wc -l) ))
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  status=OK
  if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
    status=FINDING
    echo "---- fuzz-$t: last lines of $log" >&2
    tail -n 40 "$log" >&2
    echo "---- reproduce: $exe $dir/artifacts/<file>   (then add the input to tests/fuzz/corpus/$t/)" >&2
  fi
  local el=$((end - start)); [ "$el" -gt 0 ] || el=1
  local line
  line=$(printf 'fuzz %s: %s, %s executions in %s s (%s exec/s), coverage %s, corpus %s inputs, findings %s' \
    "$t" "$status" "$execs" "$el" "$((execs / el))" "${cov:-?}" "$corpus" "$findings")
  echo "$line"
  if [ -n "${ERPLINK_FUZZ_TESTLOG:-}" ]; then
    python3 - "$ERPLINK_FUZZ_TESTLOG" "fuzz-$t" "$status" "$line" "$el" <<'PY'
import json, sys
path, name, status, line, secs = sys.argv[1:6]
with open(path, "a", encoding="utf-8") as f:
    f.write(json.dumps({"name": name, "result": "OK" if status == "OK" else "FAIL", "duration": float(secs),
                        "stdout": line + "\n"}) + "\n")
PY
  fi
  [ "$status" = OK ]
}

merge() {
  ensure_built "${targets[@]}"
  local seeds t
  seeds=$(mktemp -d)
  trap 'rm -rf "$seeds"' RETURN
  python3 "$here/seed_corpus.py" "$seeds" || exit 2
  for t in "${targets[@]}"; do
    local tmp="$seeds/merged-$t"
    mkdir -p "$tmp" "$seeds/$t" "$out/$t/new"
    mkdir -p "$seeds/crashes-$t"
    "$build/tests/fuzz/fuzz-$t" -merge=1 -max_len="$(max_len_of "$t")" -artifact_prefix="$seeds/crashes-$t/" "$tmp" \
      "$here/corpus/$t" "$seeds/$t" "$out/$t/new" > "$seeds/merge-$t.log" 2>&1 || { tail -n 20 "$seeds/merge-$t.log"; exit 1; }
    # -merge=1 skips an input that crashes: that is a finding, not something to drop quietly
    if [ -n "$(ls "$seeds/crashes-$t")" ]; then
      mkdir -p "$out/$t/artifacts"
      cp "$seeds/crashes-$t"/* "$out/$t/artifacts/"
      echo "fuzz-$t: inputs crash during the merge (copied to $out/$t/artifacts):" >&2
      ls "$seeds/crashes-$t" >&2
      exit 1
    fi
    # keep the regression inputs (named regress-*) whatever their coverage, replace the rest
    find "$here/corpus/$t" -type f ! -name 'regress-*' -delete
    cp "$tmp"/* "$here/corpus/$t/" 2>/dev/null || true
    echo "corpus/$t: $(ls "$here/corpus/$t" | wc -l) inputs"
  done
}

case "${1:-}" in
  --list) printf '%s\n' "${targets[@]}" ;;
  --build) ensure_built "${targets[@]}" ;;
  --merge) merge ;;
  all)
    [ $# -eq 2 ] || { sed -n '2,22p' "$0"; exit 2; }
    ensure_built "${targets[@]}"
    failed=0
    for t in "${targets[@]}"; do run_one "$t" "$2" || failed=$((failed + 1)); done
    [ "$failed" -eq 0 ] ;;
  "" | -h | --help) sed -n '2,22p' "$0"; exit 2 ;;
  *)
    [ $# -eq 2 ] || { sed -n '2,22p' "$0"; exit 2; }
    printf '%s\n' "${targets[@]}" | grep -qx "$1" || { echo "unknown target $1 (--list)" >&2; exit 2; }
    ensure_built "$1"
    run_one "$1" "$2" ;;
esac
