#!/usr/bin/env bash
# Runs the cancellation benchmark against a throwaway server:
#   1. builds target/subdesk.jar if it is missing (./subdesk build),
#   2. starts it in demo mode (embedded PostgreSQL) with a fresh data directory on port 18080,
#   3. waits for GET /actuator/health to say UP (at most SUBDESK_BENCH_START_TIMEOUT, 300 s),
#   4. runs bench/CancelBench.java with the arguments given here (e.g. --accounts 5000 --clients 32),
#   5. stops the server and deletes its data, whatever happened.
# Environment: SUBDESK_BENCH_PORT (default 18080), SUBDESK_BENCH_START_TIMEOUT (seconds, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SUBDESK_BENCH_PORT:-18080}"
API_KEY=bench-key

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

SCRIPT=run-cancel-bench
source bench/server-lib.sh
start_server

# In the background with wait, so that a signal to this script is handled at once, not after the bench.
"$JAVA" bench/CancelBench.java --url "http://127.0.0.1:$PORT" --key "$API_KEY" "$@" &
BENCH_PID=$!
wait "$BENCH_PID"
