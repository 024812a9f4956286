#!/usr/bin/env bash
# "My subscriptions" benchmark: GET /portal for a signed-in account with 20 subscriptions, p50/p99 over HTTP.
#   bench/run-portal-bench.sh [REQUESTS]      default: 2000
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/find-jdk.sh
export JAVA_HOME="$(find_jdk)"
./mvnw -B -ntp -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
"$JAVA_HOME/bin/java" -Xmx512m -XX:+UseG1GC -cp "$CP" dev.subdesk.web.PortalRenderBenchmark "${1:-2000}"
