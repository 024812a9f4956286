# Sourced by the bench scripts: starts target/subdesk.jar in demo mode (embedded PostgreSQL) with a fresh data
# directory, waits until it is UP, and stops it and deletes its data on exit, whatever happened.
# Needs: JAVA, PORT, API_KEY, SCRIPT (the caller's name for messages); SERVER_JAVA_OPTS (optional, an array).
# SUBDESK_BENCH_JAVA_OPTS (environment, optional): more JVM options for the server, split on spaces, e.g. a JFR
# recording: SUBDESK_BENCH_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile'.
HEALTH_TIMEOUT_SECONDS="${SUBDESK_BENCH_START_TIMEOUT:-300}"
STOP_TIMEOUT_SECONDS=60

# Something answers on the port (bash's /dev/tcp: no extra tool needed).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_in_use "$PORT"; then
  echo "$SCRIPT: port $PORT is already in use; set SUBDESK_BENCH_PORT to a free port" >&2
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
    echo "$SCRIPT: server did not stop within ${STOP_TIMEOUT_SECONDS} s; killing it" >&2
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

fail_start() {
  echo "$SCRIPT: $1; last lines of the server log:" >&2
  tail -n 40 "$SERVER_LOG" >&2 || true
  exit 1
}

server_up() {
  kill -0 "$SERVER_PID" 2>/dev/null || fail_start "the server exited during start-up"
  curl -fsS --max-time 2 "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null | grep -Eq '"status" *: *"UP"'
}

start_server() {
  echo "== starting the server on port $PORT (data in $WORK_DIR/data)"
  # A copy, so that a build replacing target/subdesk.jar meanwhile does not change the running server.
  cp target/subdesk.jar "$WORK_DIR/subdesk.jar"
  local extra=()
  read -r -a extra <<<"${SUBDESK_BENCH_JAVA_OPTS:-}"
  env -u SUBDESK_DB_URL -u SUBDESK_DB_USER -u SUBDESK_DB_PASSWORD \
    SUBDESK_API_KEY="$API_KEY" SUBDESK_DATA_DIR="$WORK_DIR/data" SUBDESK_PORT="$PORT" \
    "$JAVA" ${SERVER_JAVA_OPTS[@]+"${SERVER_JAVA_OPTS[@]}"} ${extra[@]+"${extra[@]}"} -jar "$WORK_DIR/subdesk.jar" >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local deadline=$(( SECONDS + HEALTH_TIMEOUT_SECONDS ))
  until server_up; do
    (( SECONDS < deadline )) || fail_start "the server was not UP within ${HEALTH_TIMEOUT_SECONDS} s"
    sleep 1
  done
  sleep 1
  # Make sure the UP came from our server, not from another one that took the port meanwhile.
  kill -0 "$SERVER_PID" 2>/dev/null || fail_start "the server exited during start-up"
  echo "== server is UP"
}
