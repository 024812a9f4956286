#!/usr/bin/env bash
# One run against one throwaway server (demo mode, embedded PostgreSQL 17 with pg_stat_statements loaded):
#   1. statements: seeds --probe N subscriptions, then counts with pg_stat_statements the SQL statements of their N
#      quotes and, apart, of their N cancels (the audit sealer's background statements listed apart),
#   2. HTTP: quote+cancel throughput with bench/CancelBench.java (every other argument goes to it),
#   3. ceiling: pgbench runs bench/cancel-rows.sql (the rows one cancellation writes, durable commits:
#      synchronous_commit=on as the server runs) with as many clients, against the same server,
#   4. the flow by SQL alone: pgbench runs bench/flow-rows.sql (the quote and the cancel as the server runs them, with
#      their four transactions, in the application's own tables with their foreign keys), as many clients, same length,
#   5. prints cancellations/s, the PostgreSQL-only ceiling, their ratio, p99 and errors, and the flow by SQL alone;
#      with the CPU a measured flow of the server (by thread), of PostgreSQL and of the load generator.
# Usage: bench/run-cancel-ceiling.sh [--autovacuum on|off (default off: in both timed halves, after a VACUUM ANALYZE)] [--top N (after the HTTP run, the N statements that took PostgreSQL the most time in its measure phase)] [--probe N] [--probe-only | --ceiling-only (no HTTP bench: pgbench over the
#        probe's rows, to try a change of the pgbench script)] [--pgbench-seconds S] [CancelBench options, e.g. --accounts 3000]
# Environment: SUBDESK_BENCH_PORT (default 18080), SUBDESK_BENCH_START_TIMEOUT (default 300 s), PGBENCH (default: pgbench on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SUBDESK_BENCH_PORT:-18080}"
API_KEY=bench-key
PGBENCH="${PGBENCH:-pgbench}"
PROBE=50
PGBENCH_SECONDS=20
PROBE_ONLY=0
CEILING_ONLY=0
CLIENTS=16
TOP=0
AUTOVACUUM=off
BENCH_ARGS=()
while (( $# )); do
  case "$1" in
    --probe) PROBE="$2"; shift 2 ;;
    --pgbench-seconds) PGBENCH_SECONDS="$2"; shift 2 ;;
    --probe-only) PROBE_ONLY=1; shift ;;
    --ceiling-only) CEILING_ONLY=1; shift ;;
    --top) TOP="$2"; shift 2 ;;
    --autovacuum) AUTOVACUUM="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; BENCH_ARGS+=("$1" "$2"); shift 2 ;;
    *) BENCH_ARGS+=("$1"); shift ;;
  esac
done

[[ "$AUTOVACUUM" == on || "$AUTOVACUUM" == off ]] || { echo "run-cancel-ceiling: --autovacuum takes on or off" >&2; exit 2; }

source bin/find-jdk.sh
JAVA="$(find_jdk)/bin/java"
command -v "$PGBENCH" >/dev/null || { echo "run-cancel-ceiling: pgbench not found (set PGBENCH)" >&2; exit 1; }
command -v psql >/dev/null && command -v jq >/dev/null || { echo "run-cancel-ceiling: needs psql and jq" >&2; exit 1; }
if [[ ! -f target/subdesk.jar ]]; then
  echo "== building target/subdesk.jar"
  ./subdesk build
fi

SCRIPT=run-cancel-ceiling
# Durable commits: the embedded server's own default is fsync=off; this run turns it on for both halves.
SERVER_JAVA_OPTS=("-Dsubdesk.embedded-server-config[shared_preload_libraries]=pg_stat_statements"
  "-Dsubdesk.embedded-server-config[fsync]=on" "-Dsubdesk.embedded-server-config[full_page_writes]=on")
source bench/server-lib.sh
start_server

PG_PORT=$(sed -n 's/.*Embedded PostgreSQL started on port \([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
[[ -n "$PG_PORT" ]] || fail_start "no embedded PostgreSQL port in the server log"
sql() { psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
echo "== PostgreSQL $(sql -c 'SHOW server_version') on port $PG_PORT, synchronous_commit=$(sql -c 'SHOW synchronous_commit'), fsync=$(sql -c 'SHOW fsync')"
sql -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'

# CPU time (clock ticks, user + system; with a second argument "kernel", the system part alone) of a process; of
# PostgreSQL: the postmaster, its children that ended (reaped) and those alive (the pool's backends, autovacuum, the WAL
# writer, ...).
TICKS_PER_SECOND=$(getconf CLK_TCK)
cpu_of() { awk -v part="${2:-}" '{ sub(/^.*\) /, ""); print (part == "kernel" ? $13 : $12 + $13) }' "/proc/$1/stat" 2>/dev/null || echo 0; }
server_cpu() { cpu_of "$SERVER_PID" "${1:-}"; }
# compilations the server's JIT has made so far (jstat -compiler: "Compiled Failed Invalid Time ..."), -1 if unknown: a
# measure phase in which it still compiles hundreds measures a server still warming up
JSTAT="$(dirname "$JAVA")/jstat"
jit_compiled() { "$JSTAT" -compiler "$SERVER_PID" 2>/dev/null | awk 'NR == 2 { print $1; found = 1 } END { if (!found) print -1 }'; }
POSTMASTER_PID=$(head -1 "$WORK_DIR/data/pg/postmaster.pid")
postgres_cpu() {
  local total
  total=$(awk -v part="${1:-}" '{ sub(/^.*\) /, ""); print (part == "kernel" ? $13 + $15 : $12 + $13 + $14 + $15) }' \
    "/proc/$POSTMASTER_PID/stat")
  for child in $(ps -o pid= --ppid "$POSTMASTER_PID"); do
    total=$(( total + $(cpu_of "$child" "${1:-}") ))
  done
  echo "$total"
}
# The server's CPU ticks by thread, "tid name ticks" a line (task/TID/stat: /proc/TID/stat would give the whole
# process's; the name is the kernel's 15-character thread name with its digits dropped, so that a pool's threads add up
# under one name): where the server's part of a flow goes.
server_threads() {
  # one awk over all the threads' stat files: with a fork or two a thread, the split came out short of the total
  awk '{ name = $0; sub(/^[0-9]+ \(/, "", name); sub(/\) [^)]*$/, "", name); gsub(/[0-9 ]/, "", name); if (name == "") name = "-"
         rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " "); print $1, name, f[12] + f[13] }' \
    /proc/"$SERVER_PID"/task/*/stat 2>/dev/null
}
# milliseconds of CPU per unit: ticks, units
per_unit_ms() { awk -v t="$1" -v n="$2" -v hz="$TICKS_PER_SECOND" 'BEGIN { printf "%.1f", (n > 0 ? t * 1000 / hz / n : 0) }'; }

post() {
  curl -sS --fail-with-body -X POST -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$PORT/api/v1$1" -d "$2"
}

echo "== 1. statements per cancellation: $PROBE IMMEDIATE cancels, one at a time"
subs=()
for (( i = 0; i < PROBE; i++ )); do
  account=$(post /accounts "{\"email\":\"probe-$i-$RANDOM@example.com\",\"name\":\"Probe\",\"country\":\"DE\"}" | jq -r .id)
  post "/accounts/$account/payment-methods" '{"token":"tok_visa"}' >/dev/null
  subs+=("$(post /subscriptions "{\"accountId\":\"$account\",\"planCode\":\"antivirus-annual\"}" | jq -r .id)")
done
# The audit sealer, the job scheduler and the webhook dispatcher (fan-out and claims, each in a transaction that
# commits without waiting for the disk) poll in the background: listed, not counted as the quote's or the cancel's.
BACKGROUND="query ~* '(audit_events WHERE seq IS NULL|enable_seqscan|pg_try_advisory_xact_lock|WHERE seq IS NOT NULL ORDER BY seq|SET seq = s\.seq|pg_stat_statements|^WITH (taken|due) AS|synchronous_commit TO OFF|ANALYZE webhook_delivery)'"
# Prints the statements counted since the last reset, per probed subscription; sets PER_UNIT and PER_UNIT_NO_TX.
count_statements() {
  sql -F ' | ' -c "SELECT round(calls::numeric / $PROBE, 2), regexp_replace(left(query, ${QUERY_WIDTH:-110}), '\s+', ' ', 'g')
                   FROM pg_stat_statements WHERE NOT ($BACKGROUND) ORDER BY calls DESC, query"
  # Each background sealer run and each dispatcher round is one transaction: its BEGIN is taken off the count.
  local sealer_runs
  sealer_runs=$(sql -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query ~* 'EXISTS \\(SELECT .* FROM audit_events WHERE seq IS NULL' OR query ~* '^WITH (taken|due) AS'")
  PER_UNIT=$(sql -c "SELECT round((sum(calls) - $sealer_runs)::numeric / $PROBE, 1) FROM pg_stat_statements WHERE NOT ($BACKGROUND)")
  PER_UNIT_NO_TX=$(sql -c "SELECT round(sum(calls)::numeric / $PROBE, 1) FROM pg_stat_statements
                           WHERE NOT ($BACKGROUND) AND query !~* '^(BEGIN|COMMIT|ROLLBACK|SET |SHOW )'")
  echo "(BEGIN above includes the $sealer_runs transactions of the audit sealer and the webhook dispatcher, taken off the total)"
}
sleep 1  # let the notices and the audit entries of the seeding settle before counting
sql -c 'SELECT pg_stat_statements_reset()' >/dev/null
for s in "${subs[@]}"; do post "/subscriptions/$s/cancellation-quote" '{}' >/dev/null; done
count_statements
PER_QUOTE=$PER_UNIT
PER_QUOTE_NO_TX=$PER_UNIT_NO_TX
echo "statements per quote: $PER_QUOTE (without BEGIN/COMMIT/SET: $PER_QUOTE_NO_TX)"
sleep 1
sql -c 'SELECT pg_stat_statements_reset()' >/dev/null
for s in "${subs[@]}"; do post "/subscriptions/$s/cancel" '{"mode":"IMMEDIATE","reason":"NOT_USING"}' >/dev/null; done
count_statements
PER_CANCEL=$PER_UNIT
PER_CANCEL_NO_TX=$PER_UNIT_NO_TX
echo "statements per cancellation: $PER_CANCEL (without BEGIN/COMMIT/SET: $PER_CANCEL_NO_TX)"
(( PROBE_ONLY )) && exit 0
# The timed halves run without counting statements (pg_stat_statements' own hashing and locking is no part of either),
# unless --top asks what the HTTP run's statements cost.
if (( TOP == 0 )); then
  sql -c "ALTER SYSTEM SET pg_stat_statements.track = 'none'" -c 'SELECT pg_reload_conf()' >/dev/null
fi

if (( CEILING_ONLY )); then
  echo "RESULT cancellations/s=0 (no HTTP bench: --ceiling-only)" > "$WORK_DIR/http.txt"
else
  echo "== 2. HTTP quote+cancel: bench/CancelBench.java ${BENCH_ARGS[*]}"
  # Between the warm-up and the measure phase: every table vacuumed and analyzed, as a database of established
  # tables would be; then, unless --autovacuum on, no autovacuum in either timed half. The bench's tables are new and
  # small, so autovacuum's thresholds (a fifth or a tenth of a table) fall due every few thousand flows: runs where
  # it vacuumed and analyzed a dozen tables inside the measure phase took PostgreSQL twice the CPU a flow.
  PSQL="psql -X -q -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -v ON_ERROR_STOP=1"
  BEFORE_MEASURE="$PSQL -c 'VACUUM (ANALYZE)'"
  [[ "$AUTOVACUUM" == "off" ]] && BEFORE_MEASURE+=" -c 'ALTER SYSTEM SET autovacuum = off' -c 'SELECT pg_reload_conf()' >/dev/null"
  "$JAVA" bench/CancelBench.java --url "http://127.0.0.1:$PORT" --key "$API_KEY" --before-measure "$BEFORE_MEASURE" \
    "${BENCH_ARGS[@]}" > "$WORK_DIR/http.txt" &
  BENCH_PID=$!
  # CPU of the measured flows (warm-up and seeding excluded): from its "Measuring" line to its RESULT line
  tail -n +1 -f --pid="$BENCH_PID" "$WORK_DIR/http.txt" | while IFS= read -r line; do
    echo "$line"
    case "$line" in
      # the server's threads and its total first, one right after the other: the rest forks a process or two a
      # backend of PostgreSQL, which takes a loaded machine long enough to skew the two
      Measuring*) server_threads > "$WORK_DIR/threads-start.txt"
                  echo "$(server_cpu) $(postgres_cpu) $(cpu_of "$BENCH_PID") $(jit_compiled) $(server_cpu kernel) $(postgres_cpu kernel)" > "$WORK_DIR/cpu-start.txt"
                  if (( TOP > 0 )); then sql -c 'SELECT pg_stat_statements_reset()' >/dev/null; fi ;;
      RESULT*) server_threads > "$WORK_DIR/threads-end.txt"
               echo "$(server_cpu) $(postgres_cpu) $(cpu_of "$BENCH_PID") $(jit_compiled) $(server_cpu kernel) $(postgres_cpu kernel)" > "$WORK_DIR/cpu-end.txt" ;;
    esac
  done
  wait "$BENCH_PID"
  BENCH_PID=""
fi
if (( TOP > 0 )); then
  echo "== the $TOP statements of the HTTP run's measure phase (and what ran beside it) that took PostgreSQL the most time"
  sql -F ' | ' -c "SELECT calls, round(total_exec_time::numeric) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
                          rows, regexp_replace(left(query, ${QUERY_WIDTH:-110}), '\s+', ' ', 'g')
                   FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $TOP"
fi
RESULT=$(grep '^RESULT' "$WORK_DIR/http.txt" | tail -1)
[[ -n "$RESULT" ]] || { echo "run-cancel-ceiling: CancelBench printed no RESULT line" >&2; exit 1; }
field() { sed -n "s|.*[ ]$1=\([^ ]*\).*|\1|p" <<<" $RESULT"; }

# Waits, at most 300 s, until the server has spent under 5 % of a core in one second: the HTTP run leaves the server
# background work (the notices, events and audit entries of its flows), whose PostgreSQL CPU would be counted as the
# next pgbench run's, and whose CPU would take from it. Prints how long it waited.
wait_for_quiet_server() {
  local waited=0 a b
  while (( waited < 300 )); do
    a=$(server_cpu); sleep 1; b=$(server_cpu); waited=$(( waited + 1 ))
    (( (b - a) * 20 < TICKS_PER_SECOND )) && break
  done
  echo "(the server settled after ${waited} s: $(( (b - a) * 1000 / TICKS_PER_SECOND )) ms of its CPU in the last second)"
}

# pgbench over one script with $CLIENTS clients for $PGBENCH_SECONDS s, its output into a file, once the server is
# quiet; sets RUN_TPS, RUN_TX, RUN_FAILED, RUN_PG_CPU (PostgreSQL's CPU ticks over the run) and RUN_SERVER_CPU (the
# server's own over the run: its pollers, and any background work that had not settled)
run_pgbench() {
  local script="$1" out="$2" before after server_before
  wait_for_quiet_server
  server_before=$(server_cpu)
  before=$(postgres_cpu)
  PGPASSWORD= "$PGBENCH" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -M prepared -c "$CLIENTS" -j 2 -T "$PGBENCH_SECONDS" \
    -D rows="$ROWS" -f "$script" postgres 2>&1 | tee "$out"
  # pgbench's backends end with it: read once the postmaster has reaped them all (their CPU is then in its children's
  # total). Read at once, runs printed 0.3 ms a transaction against 1.1-1.4 ms otherwise, most likely because a
  # backend reaped between the reading of the postmaster's figures and the listing of its children counted nothing.
  sleep 1
  after=$(postgres_cpu)
  RUN_PG_CPU=$(( after - before ))
  RUN_SERVER_CPU=$(( $(server_cpu) - server_before ))
  RUN_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | tail -1)
  RUN_TX=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
  RUN_FAILED=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
}

echo "== 3. PostgreSQL-only ceiling: pgbench, $CLIENTS clients, ${PGBENCH_SECONDS} s, bench/cancel-rows.sql"
sql -f bench/cancel-rows-setup.sql >/dev/null
ROWS=$(sql -c 'SELECT count(*) FROM ceiling.work')
run_pgbench bench/cancel-rows.sql "$WORK_DIR/pgbench.txt"
TPS=$RUN_TPS PGBENCH_TX=$RUN_TX PG_FAILED=$RUN_FAILED PG_CPU=$RUN_PG_CPU PG_SERVER_CPU=$RUN_SERVER_CPU

# 4. Last, as it writes into the application's own tables (after the ceiling's copies were taken).
echo "== 4. the flow by SQL alone: pgbench, $CLIENTS clients, ${PGBENCH_SECONDS} s, bench/flow-rows.sql (the application's tables)"
run_pgbench bench/flow-rows.sql "$WORK_DIR/flow.txt"
FLOW_TPS=$RUN_TPS FLOW_TX=$RUN_TX FLOW_FAILED=$RUN_FAILED FLOW_PG_CPU=$RUN_PG_CPU FLOW_SERVER_CPU=$RUN_SERVER_CPU
# its statements a flow, to hold beside the probe's count of the server's: the script is kept by hand
FLOW_STATEMENTS=$(( $(grep -c ';$' bench/flow-rows.sql) - $(grep -cE '^(BEGIN|COMMIT);$' bench/flow-rows.sql) ))
sleep 1  # the server's sealer runs every 0.2 s: what it has not sealed a second later, it is behind on
UNSEALED=$(sql -c 'SELECT count(*) FROM audit_events WHERE seq IS NULL')

CPS=$(field 'cancellations/s')
RATIO=$(awk -v a="$CPS" -v b="$TPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared: other work may run); autovacuum $AUTOVACUUM in the timed halves"
echo "statements per cancellation (quote excluded): $PER_CANCEL (without BEGIN/COMMIT/SET: $PER_CANCEL_NO_TX); per quote: $PER_QUOTE"
echo "HTTP quote+cancel: $CPS cancellations/s, p99 $(field p99_ms) ms per request, flow p99 $(field flow_p99_ms) ms, errors $(field errors), seed errors $(field seed_errors)"
if [[ -f "$WORK_DIR/cpu-start.txt" && -f "$WORK_DIR/cpu-end.txt" ]]; then
  read -r S0 P0 B0 J0 SK0 PK0 < "$WORK_DIR/cpu-start.txt"
  read -r S1 P1 B1 J1 SK1 PK1 < "$WORK_DIR/cpu-end.txt"
  FLOWS=$(sed -n 's/^Measuring \([0-9]*\) .*/\1/p' "$WORK_DIR/http.txt")
  # the generator's own figure (its process may have ended before /proc was read at its RESULT line)
  GENERATOR="$(field generator_cpu_ms) ms"
  [[ "$GENERATOR" == " ms" || "$GENERATOR" == -* ]] && GENERATOR="n/a"
  [[ "$GENERATOR" == "n/a" ]] && (( B1 >= B0 && B1 > 0 )) && GENERATOR="$(per_unit_ms $(( B1 - B0 )) "$FLOWS") ms"
  echo "CPU per measured quote+cancel: server JVM $(per_unit_ms $(( S1 - S0 )) "$FLOWS") ms, PostgreSQL $(per_unit_ms $(( P1 - P0 )) "$FLOWS") ms, load generator $GENERATOR (from /proc, $(nproc) cores)"
  echo "  of which in the kernel (system time: sockets, disk, scheduling): server JVM $(per_unit_ms $(( SK1 - SK0 )) "$FLOWS") ms, PostgreSQL $(per_unit_ms $(( PK1 - PK0 )) "$FLOWS") ms"
  # by thread, then summed by name; a thread that ended in the phase is gone from the end's list, and its CPU with it
  BY_THREAD=$(awk -v n="$FLOWS" -v hz="$TICKS_PER_SECOND" -v ended_file="$WORK_DIR/threads-ended.txt" '
      FNR == NR { start[$1] = $3; next }
      { used[$2] += $3 - start[$1]; delete start[$1] }
      END {
        for (name in used) if (used[name] > 0 && n > 0) printf "%s %.3f\n", name, used[name] * 1000 / hz / n
        for (tid in start) ended++
        print ended + 0 > ended_file
      }' "$WORK_DIR/threads-start.txt" "$WORK_DIR/threads-end.txt" | sort -k2 -rn | head -12 | paste -sd, - | sed 's/,/, /g')
  echo "  the server's by thread (ms a flow; threads by name, digits dropped): $BY_THREAD; threads that ended in the phase (their CPU not counted): $(cat "$WORK_DIR/threads-ended.txt")"
  if (( J0 >= 0 && J1 >= 0 )); then
    echo "server JIT: $(( J1 - J0 )) compilations during the measure phase (jstat -compiler; hundreds: still warming up, raise --warmup)"
  fi
fi
echo "PostgreSQL-only ceiling (pgbench, same rows, durable commits): $TPS transactions/s, failed ${PG_FAILED:-0}, PostgreSQL CPU $(per_unit_ms "${PG_CPU:-0}" "${PGBENCH_TX:-0}") ms per transaction; the idle server's own CPU beside it $(per_unit_ms "${PG_SERVER_CPU:-0}" "${PGBENCH_TX:-0}") ms per transaction"
FLOW_RATIO=$(awk -v a="$CPS" -v b="$FLOW_TPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
echo "the flow by SQL alone (pgbench, the quote and the cancel in the application's tables, its 4 transactions): ${FLOW_TPS:-0} flows/s, failed ${FLOW_FAILED:-0}, PostgreSQL CPU $(per_unit_ms "${FLOW_PG_CPU:-0}" "${FLOW_TX:-0}") ms per flow (the idle server's own beside it $(per_unit_ms "${FLOW_SERVER_CPU:-0}" "${FLOW_TX:-0}") ms); HTTP / this: $FLOW_RATIO; audit entries left unsealed: $UNSEALED"
echo "  its statements a flow (without BEGIN/COMMIT): $FLOW_STATEMENTS; the server's by the probe: quote $PER_QUOTE_NO_TX + cancel $PER_CANCEL_NO_TX (a difference of one or more: bench/flow-rows.sql is behind the server's SQL)"
echo "CEILING cancellations/s=$CPS pg_tps=$TPS ratio=$RATIO p99_ms=$(field p99_ms) errors=$(field errors) statements=$PER_CANCEL flow_sql_tps=${FLOW_TPS:-0} http_over_flow_sql=$FLOW_RATIO"
