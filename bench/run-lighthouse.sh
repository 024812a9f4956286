#!/usr/bin/env bash
# Lighthouse (npm, pinned 12.2.3 for Node 20; see /work/shared/STACK-NOTES.md) accessibility and best-practices
# scores of every public and portal page, against Debian's Chromium.
#   bench/run-lighthouse.sh [BASE] [OUT.md]     default: http://localhost:8080 docs/LIGHTHOUSE-SCORES.md
# With no server answering at BASE it starts one in demo mode (target/subdesk.jar, ./subdesk build; a fresh data
# directory, its own API key, the port of BASE) and stops it at the end. A server already running at BASE must be in
# demo mode and SUBDESK_API_KEY must be its key. The states the pages need are made the way a customer or an
# integrator makes them: the demo customer signs in with the code from the demo mailbox (/demo/mailbox); a new
# German customer is opened through the API with two subscriptions, signs in, withdraws from one in the portal and
# has the other cancelled through the API (its confirmation email links to the public receipt page); the public
# forms are sent; the answer of /support/check (a POST) is measured by bench/lighthouse-form-result.mjs.
# Lighthouse is installed once into $LIGHTHOUSE_DIR (default /tmp/subdesk-lighthouse) with
#   npm i -E lighthouse@12.2.3
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BASE="${1:-http://localhost:8080}"
OUT="${2:-docs/LIGHTHOUSE-SCORES.md}"
LH_DIR="${LIGHTHOUSE_DIR:-/tmp/subdesk-lighthouse}"
EMAIL="${DEMO_EMAIL:-erika.demo@example.com}"
if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LH_DIR" && (cd "$LH_DIR" && npm i -E lighthouse@12.2.3 --no-audit --no-fund)
fi
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

if ! curl -fsS -o /dev/null "$BASE/"; then
  [ -f target/subdesk.jar ] || { echo "no server at $BASE and no target/subdesk.jar (./subdesk build)" >&2; exit 1; }
  source bin/find-jdk.sh
  port="$(echo "$BASE" | sed -n 's#.*:\([0-9]\{1,5\}\)/\{0,1\}$#\1#p')"
  export SUBDESK_API_KEY="${SUBDESK_API_KEY:-lighthouse-$RANDOM$RANDOM}"
  cp target/subdesk.jar "$WORK/subdesk.jar"  # a build during the run must not replace the jar under the server
  SUBDESK_MODE=demo SUBDESK_PORT="${port:-8080}" SUBDESK_DATA_DIR="$WORK/data" \
    "$(find_jdk)/bin/java" -jar "$WORK/subdesk.jar" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$BASE/demo/mailbox" 2>/dev/null && break; sleep 1; done
  curl -fsS -o /dev/null "$BASE/demo/mailbox" || { tail -20 "$WORK/server.log" >&2; exit 1; }
fi
: "${SUBDESK_API_KEY:?the API key of the server at $BASE}"

csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="\([^"]*\)"/\1/'; }
cookie_of() { awk '$6 ~ /SESSION|JSESSIONID/ {print $6"="$7}' "$1" | paste -sd';' -; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(s))))' "$1"; }
api() {  # api PATH [JSON]: the API with the key
  curl -fsS -H "Authorization: Bearer $SUBDESK_API_KEY" -H 'Content-Type: application/json' ${2:+--data "$2"} "$BASE/api/v1$1"
}
# The emails of a type to an address, newest first, as the paths of their pages in the demo mailbox.
emails() {  # emails EMAIL TYPE
  curl -fsS "$BASE/demo/mailbox" | tr -d '\n' | grep -o "<td>$1</td> *<td>$2</td> *<td><a href=\"/demo/mailbox/ntc_[A-Za-z0-9]*\"" |
    grep -o '/demo/mailbox/ntc_[A-Za-z0-9]*'
}
ask_code() {  # ask_code EMAIL JAR: asks for a sign-in code; the session in JAR waits for it
  local token
  token="$(curl -fsS -c "$2" -b "$2" "$BASE/portal/sign-in" | csrf)"
  curl -fsS -o /dev/null -c "$2" -b "$2" --data-urlencode "email=$1" --data-urlencode "_csrf=$token" "$BASE/portal/sign-in"
}
type_code() {  # type_code EMAIL JAR: reads the code in the demo mailbox and types it
  local code token
  code="$(curl -fsS "$BASE$(emails "$1" SIGN_IN_CODE | head -1)" | grep -o 'code is [0-9]\{6\}\|lautet [0-9]\{6\}' | grep -o '[0-9]\{6\}' | head -1)"
  token="$(curl -fsS -c "$2" -b "$2" "$BASE/portal/sign-in/code" | csrf)"
  curl -fsS -o /dev/null -c "$2" -b "$2" --data-urlencode "code=$code" --data-urlencode "_csrf=$token" "$BASE/portal/sign-in/code"
}
post_form() {  # post_form JAR FORM_PATH POST_PATH FIELDS...: sends a form as a browser does; prints where it leads
  local token; token="$(curl -fsS -c "$1" -b "$1" "$BASE$2" | csrf)"
  local jar="$1" to="$3"; shift 3
  local args=(); for f in "$@"; do args+=(--data-urlencode "$f"); done
  curl -fsS -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" "${args[@]}" --data-urlencode "_csrf=$token" "$BASE$to" |
    sed "s#^$BASE##"
}

# The demo customer, signed in.
ERIKA="$WORK/erika"
ask_code "$EMAIL" "$ERIKA"; type_code "$EMAIL" "$ERIKA"
erika="$(cookie_of "$ERIKA")"
subscription="$(curl -fsS -b "$ERIKA" "$BASE/portal" | grep -o '/portal/subscriptions/sub_[A-Za-z0-9]*/cancel' | head -1)"
# The demo customer whose subscription the App Store bills (the portal shows the store's steps to cancel).
STORE_EMAIL="sam.store.demo@example.com"
SAM="$WORK/sam"
ask_code "$STORE_EMAIL" "$SAM"; type_code "$STORE_EMAIL" "$SAM"
sam="$(cookie_of "$SAM")"

# A new German customer with two subscriptions, bought through the API (in the EU withdrawal period).
NEW_EMAIL="lighthouse-$(date +%s)-$RANDOM@example.com"
account="$(api /accounts "{\"email\":\"$NEW_EMAIL\",\"name\":\"Lena Leuchtturm\",\"country\":\"DE\"}" | field id)"
card="$(api "/accounts/$account/payment-methods" '{"token":"tok_visa"}' | field id)"
buy() { api /subscriptions "{\"accountId\":\"$account\",\"planCode\":\"$1\",\"paymentMethodId\":\"$card\"}"; }
kept_id="$(buy antivirus-annual | field id)"
withdrawn_id="$(buy vpn-annual | field id)"
# Its sign-in: the code page is measured while the session waits for the code.
LENA="$WORK/lena"
ask_code "$NEW_EMAIL" "$LENA"
code_cookie="$(cookie_of "$LENA")"

# The public forms, sent for an order number nobody has (they answer alike whether or not it matches; a match
# would end the new customer's contracts before their pages are measured).
UNKNOWN_ORDER="ORD-0000-0000"
public=(/ /support /support/check /cancel /withdraw /portal/sign-in /checkout/antivirus-annual)
public+=("$(post_form "$WORK/anon" /cancel /cancel kind=ORDINARY "name=Lena Leuchtturm" "email=$NEW_EMAIL" \
  "orderNumber=$UNKNOWN_ORDER" timing=EARLIEST "confirmationEmail=$NEW_EMAIL")")
public+=("$(post_form "$WORK/anon" /withdraw /withdraw "name=Lena Leuchtturm" "orderNumber=$UNKNOWN_ORDER" "email=$NEW_EMAIL")")

run() {  # run PATH VISITOR [HEADERS_JSON]: Lighthouse on an address, one row of the table
  CHROME_PATH=/usr/bin/chromium "$LH_DIR/node_modules/.bin/lighthouse" "$BASE$1" --quiet \
    --chrome-flags="--headless=new --no-sandbox" --only-categories=accessibility,best-practices \
    --extra-headers="${3:-"{}"}" --output=json --output-path="$WORK/report.json" >/dev/null 2>&1
  row "$1" "$2"
}
run_form() {  # run_form FORM_PATH LABEL FIELDS_JSON EXPECTED_SELECTOR: Lighthouse on the answer to a form
  (cd "$LH_DIR" && CHROME_PATH=/usr/bin/chromium node "$ROOT/bench/lighthouse-form-result.mjs" "$BASE$1" \
    "$WORK/report.json" "$3" "$4" >/dev/null 2>&1)
  row "$2" anonymous
}
row() {
  node -e 'const r=require(process.argv[1]); const c=r.categories; const fails=Object.values(r.audits)
    .filter(a=>a.score!==null&&a.score<1&&a.scoreDisplayMode==="binary").map(a=>a.id).join(", ");
    const shown=new URL(r.finalDisplayedUrl).pathname;
    console.log(`| \`${process.argv[2]}\` | ${process.argv[3]} | \`${shown}\` | ${Math.round(c.accessibility.score*100)} | ${Math.round(c["best-practices"].score*100)} | ${fails} |`)' \
    "$WORK/report.json" "$(echo "$1" | sed 's/?t=.*/?t=…/')" "$2"
}

{
  echo "# Lighthouse scores"
  echo
  echo "Produced by \`bench/run-lighthouse.sh $BASE\` on $(date -u +%Y-%m-%d) (Lighthouse 12.2.3, Debian Chromium"
  echo "$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), Node $(node --version), categories accessibility and"
  echo "best-practices, Lighthouse's default mobile emulation). Visitors: anonymous; the demo customers $EMAIL"
  echo "(German pages) and $STORE_EMAIL (App Store billed); a new German customer opened through the API for the run (\`new DE customer\`)."
  echo
  echo "| Page | Visitor | Page shown (after redirects) | Accessibility | Best practices | Failed audits |"
  echo "|---|---|---|---|---|---|"
  for p in "${public[@]}"; do run "$p" anonymous; done
  run_form /support/check "/support/check (answer: official number)" '{"#value":"+1 202-555-0142"}' '#verdict'
  run_form /support/check "/support/check (answer: not official)" '{"#kind-URL":"click","#value":"https://acme-support.example.net/login"}' '#verdict'
  run /portal/sign-in/code "new DE customer (code asked for)" "{\"Cookie\":\"$code_cookie\"}"
  for p in /portal /portal/account /portal/devices "$subscription" /checkout/vpn-annual; do
    run "$p" "$EMAIL" "{\"Cookie\":\"$erika\"}"
  done
  run /portal "$STORE_EMAIL" "{\"Cookie\":\"$sam\"}"
  # The new customer signs in, withdraws from one contract in the portal, and has the other cancelled by the API.
  ask_code "$NEW_EMAIL" "$LENA"; type_code "$NEW_EMAIL" "$LENA"  # a fresh code: the first may have expired by now
  lena="$(cookie_of "$LENA")"
  run "/portal/subscriptions/$withdrawn_id/withdraw" "new DE customer" "{\"Cookie\":\"$lena\"}"
  withdrawal="$(post_form "$LENA" "/portal/subscriptions/$withdrawn_id/withdraw" "/portal/subscriptions/$withdrawn_id/withdraw" \
    "name=Lena Leuchtturm" "email=$NEW_EMAIL")"
  number="$(api "/subscriptions/$kept_id/cancel" '{"mode":"IMMEDIATE","reason":"NOT_USING"}' | field confirmationNumber)"
  receipt="$(for e in $(emails "$NEW_EMAIL" CANCELLATION_CONFIRMATION); do curl -fsS "$BASE$e"; done |
    grep -o "/receipts/$number?t=[A-Za-z0-9_-]*" | head -1)"
  for p in "$withdrawal" "/portal/cancellations/$number" "/portal/cancellations/$number/receipt"; do
    run "$p" "new DE customer" "{\"Cookie\":\"$lena\"}"
  done
  run "$receipt" "anonymous (the emailed link)"
} > "$OUT"
cat "$OUT"
