#!/usr/bin/env bash
# Runs the cancellation benchmark against a throwaway server:
#   1. builds target/subdesk.jar if it is missing (./subdesk build),
#   2. starts it in demo mode (embedded PostgreSQL) with a fresh data directory on port 18080,
#   3. waits for GET /actuator/health to say UP (at most 120 s),
#   4. runs bench/CancelBench.java with the arguments given here (e.g. --accounts 5000 --clients 32),
#   5. stops the server and deletes its data, whatever happened.
# Environment: SUBDESK_BENCH_PORT (default 18080).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SUBDESK_BENCH_PORT:-18080}"
API_KEY=bench-key
HEALTH_TIMEOUT_SECONDS=120
STOP_TIMEOUT_SECONDS=60

# The same JDK search as ./subdesk: the newest JDK 21+ in JAVA_HOME, /usr/lib/jvm, /opt/java or SDKMAN.
source bin/find-jdk.sh
JAVA="$(find_jdk)/bin/java"

for arg in "$@"; do
  if [[ "$arg" == --help || "$arg" == -h ]]; then
    exec "$JAVA" bench/CancelBench.java --help
  fi
done

if [[ ! -f target/subdesk.jar ]]; then
  echo "== building target/subdesk.jar"
  ./subdesk build
fi

if port_in_use "$PORT"; then
  echo "run-cancel-bench: port $PORT is already in use; set SUBDESK_BENCH_PORT to a free port" >&2
  exit 1
fi

WORK_DIR="$(mktemp -d -t subdesk-bench.XXXXXX)"
SERVER_LOG="$WORK_DIR/server.log"
SERVER_PID=""
BENCH_PID=""

stop_server() {
  local i
  [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null || return 0
  # SIGTERM lets Spring shut down gracefully, which also stops the embedded PostgreSQL.
  kill "$SERVER_PID" 2>/dev/null || true
  for (( i = 0; i < STOP_TIMEOUT_SECONDS * 2; i++ )); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run-cancel-bench: server did not stop within ${STOP_TIMEOUT_SECONDS} s; killing it" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
}

cleanup() {
  set +e  # clean up as much as possible, whatever fails
  [[ -n "$BENCH_PID" ]] && kill "$BENCH_PID" 2>/dev/null
  stop_server
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

echo "== starting the server on port $PORT (data in $WORK_DIR/data)"
env -u SUBDESK_DB_URL -u SUBDESK_DB_USER -u SUBDESK_DB_PASSWORD \
  SUBDESK_API_KEY="$API_KEY" SUBDESK_DATA_DIR="$WORK_DIR/data" SUBDESK_PORT="$PORT" \
  "$JAVA" -jar target/subdesk.jar >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

fail_start() {
  echo "run-cancel-bench: $1; last lines of the server log:" >&2
  tail -n 40 "$SERVER_LOG" >&2 || true
  exit 1
}

server_up() {
  kill -0 "$SERVER_PID" 2>/dev/null || fail_start "the server exited during start-up"
  curl -fsS --max-time 2 "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null | grep -Eq '"status" *: *"UP"'
}

deadline=$(( SECONDS + HEALTH_TIMEOUT_SECONDS ))
until server_up; do
  (( SECONDS < deadline )) || fail_start "the server was not UP within ${HEALTH_TIMEOUT_SECONDS} s"
  sleep 1
done
sleep 1
# Make sure the UP came from our server, not from another one that took the port meanwhile.
kill -0 "$SERVER_PID" 2>/dev/null || fail_start "the server exited during start-up"
echo "== server is UP"

# In the background with wait, so that a signal to this script is handled at once, not after the bench.
"$JAVA" bench/CancelBench.java --url "http://127.0.0.1:$PORT" --key "$API_KEY" "$@" &
BENCH_PID=$!
wait "$BENCH_PID"
