#!/usr/bin/env bash
# "My subscriptions" benchmark: GET /portal for a signed-in account with 20 subscriptions, p50/p99 over HTTP.
# Runs dev.subdesk.web.PortalRenderBenchmark on the test classpath through the exec plugin.
#   bench/run-portal-bench.sh [REQUESTS]      default: 2000
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/find-jdk.sh
JAVA_HOME="$(find_jdk)" ./mvnw -B -ntp -q -DskipTests test-compile org.codehaus.mojo:exec-maven-plugin:3.6.3:java \
  -Dexec.mainClass=dev.subdesk.web.PortalRenderBenchmark -Dexec.classpathScope=test -Dexec.args="${1:-2000}"
