#!/usr/bin/env bash
# Lighthouse (npm, pinned 12.2.3 for Node 20; see /work/shared/STACK-NOTES.md) accessibility and best-practices
# scores of every public and portal page, against Debian's Chromium. Needs a server in demo mode
# (./subdesk run) at BASE; signs in as the demo customer through the demo mailbox for the portal pages.
#   bench/run-lighthouse.sh [BASE] [OUT.md]     default: http://localhost:8080 docs/LIGHTHOUSE-SCORES.md
# Lighthouse is installed once into $LIGHTHOUSE_DIR (default /tmp/subdesk-lighthouse) with
#   npm i -E lighthouse@12.2.3
set -euo pipefail
cd "$(dirname "$0")/.."
BASE="${1:-http://localhost:8080}"
OUT="${2:-docs/LIGHTHOUSE-SCORES.md}"
LH_DIR="${LIGHTHOUSE_DIR:-/tmp/subdesk-lighthouse}"
EMAIL="${DEMO_EMAIL:-erika.demo@example.com}"
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LH_DIR" && (cd "$LH_DIR" && npm i -E lighthouse@12.2.3 --no-audit --no-fund)
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
JAR="$WORK/cookies"

csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }

# Sign in as the demo customer: ask for a code, read it in the demo mailbox, type it.
token="$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/portal/sign-in" | csrf)"
curl -fsS -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "email=$EMAIL" --data-urlencode "_csrf=$token" "$BASE/portal/sign-in"
notice="$(curl -fsS "$BASE/demo/mailbox" | grep -o '/demo/mailbox/ntc_[A-Za-z0-9]*' | head -1)"
code="$(curl -fsS "$BASE$notice" | grep -o 'code is [0-9]\{6\}\|lautet [0-9]\{6\}' | grep -o '[0-9]\{6\}' | head -1)"
token="$(curl -fsS -c "$JAR" -b "$JAR" "$BASE/portal/sign-in/code" | csrf)"
curl -fsS -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "code=$code" --data-urlencode "_csrf=$token" "$BASE/portal/sign-in/code"
cookie="$(awk '$6 ~ /SESSION|JSESSIONID/ {print $6"="$7}' "$JAR" | paste -sd';' -)"
subscription="$(curl -fsS -b "$JAR" "$BASE/portal" | grep -o '/portal/subscriptions/sub_[A-Za-z0-9]*/cancel' | head -1)"

public=(/ /support /support/check /cancel /withdraw /portal/sign-in)
portal=(/portal /portal/account /portal/devices "$subscription")

run() {  # run PATH HEADERS_JSON
  CHROME_PATH=/usr/bin/chromium "$LH_DIR/node_modules/.bin/lighthouse" "$BASE$1" --quiet \
    --chrome-flags="--headless=new --no-sandbox" --only-categories=accessibility,best-practices \
    --extra-headers="$2" --output=json --output-path="$WORK/report.json" >/dev/null 2>&1
  node -e 'const r=require(process.argv[1]); const c=r.categories; const fails=Object.values(r.audits)
    .filter(a=>a.score!==null&&a.score<1&&a.scoreDisplayMode==="binary").map(a=>a.id).join(", ");
    const shown=new URL(r.finalDisplayedUrl).pathname;
    console.log(`| \`${process.argv[2]}\` | \`${shown}\` | ${Math.round(c.accessibility.score*100)} | ${Math.round(c["best-practices"].score*100)} | ${fails} |`)' \
    "$WORK/report.json" "$1"
}

{
  echo "# Lighthouse scores"
  echo
  echo "Produced by \`bench/run-lighthouse.sh $BASE\` on $(date -u +%Y-%m-%d) (Lighthouse 12.2.3, Debian Chromium"
  echo "$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), categories accessibility and best-practices;"
  echo "portal pages signed in as the demo customer $EMAIL)."
  echo
  echo "| Page | Page shown (after redirects) | Accessibility | Best practices | Failed audits |"
  echo "|---|---|---|---|---|"
  for p in "${public[@]}"; do run "$p" '{}'; done
  for p in "${portal[@]}"; do run "$p" "{\"Cookie\":\"$cookie\"}"; done
} > "$OUT"
cat "$OUT"
