#!/usr/bin/env bash
# Webhook benchmark: the dispatcher's PostgreSQL-only ceiling, events delivered per second to a local receiver, and
# the lag of the last delivery behind a burst of appends and behind a renewal run, on the embedded PostgreSQL.
#   bench/run-webhook-bench.sh [EVENTS [RENEWALS]]      default: 200000 100000
# SUBDESK_BENCH_JAVA_OPTS: JVM options for the run, e.g. -Dbench.receiver=jdk (the JDK's HttpServer as the receiver).
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/find-jdk.sh
JAVA_HOME="$(find_jdk)" || exit 1
export JAVA_HOME
./mvnw -B -ntp -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
# shellcheck disable=SC2086 # options, split on purpose
"$JAVA_HOME/bin/java" -Xmx512m -XX:+UseG1GC ${SUBDESK_BENCH_JAVA_OPTS:-} -cp "$CP" dev.subdesk.webhooks.WebhookBenchmark "$@"
