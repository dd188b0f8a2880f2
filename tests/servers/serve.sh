# Sourced by the example and benchmark scripts: starts a test server from tests/servers on an
# ephemeral loopback port and stops it when the calling script exits.
#
#   . "$root/tests/servers/serve.sh"
#   serve_start PATH/TO/server.py [ARGS...]     # runs: $PYTHON server.py --port 0 ARGS...
#
# Sets SERVE_PORT, SERVE_URL (http://127.0.0.1:PORT) and SERVE_TMP (a scratch folder the caller
# may use; removed at exit), and keeps loopback out of any proxy. The server exits when its
# stdin closes (fd 3 here); it is killed as a last resort. Waits at most 20 s for "PORT <n>".
serve_stop() {
  exec 3>&- 2>/dev/null || true
  if [ -n "${SERVE_PID:-}" ]; then
    for _ in $(seq 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  [ -n "${SERVE_TMP:-}" ] && rm -rf "$SERVE_TMP"
  return 0
}

serve_start() {
  local script=$1
  shift
  SERVE_TMP=$(mktemp -d)
  mkfifo "$SERVE_TMP/stdin"
  "${PYTHON:-python3}" "$script" --port 0 "$@" <"$SERVE_TMP/stdin" >"$SERVE_TMP/stdout" 2>"$SERVE_TMP/stderr" &
  SERVE_PID=$!
  exec 3>"$SERVE_TMP/stdin"
  trap serve_stop EXIT
  SERVE_PORT=""
  for _ in $(seq 200); do
    SERVE_PORT=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$SERVE_TMP/stdout" | head -n 1)
    [ -n "$SERVE_PORT" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$SERVE_PORT" ]; then
    echo "$(basename "$script") did not start" >&2
    cat "$SERVE_TMP/stderr" >&2
    exit 1
  fi
  SERVE_URL="http://127.0.0.1:$SERVE_PORT"
  export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
}
