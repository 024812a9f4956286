#!/usr/bin/env bash
# Renewal benchmark: seeds N due subscriptions into the embedded PostgreSQL with COPY, then times one engine
# run renewing them all through the sandbox gateway, with the heap capped at 512 MB.
#   bench/run-renewal-bench.sh [N ...]      default: 100000 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/find-jdk.sh
JAVA_HOME="$(find_jdk)" || exit 1
export JAVA_HOME
./mvnw -B -ntp -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
for n in "${@:-100000 1000000}"; do
  for each in $n; do
    echo "== renewal benchmark, $each subscriptions"
    "$JAVA_HOME/bin/java" -Xmx512m -XX:+UseG1GC -cp "$CP" dev.subdesk.bench.RenewalBenchmark "$each"
  done
done
