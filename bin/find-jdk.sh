# Sourced by ./subdesk and the bench scripts: find_jdk prints the newest JDK 21+ (JAVA_HOME, /usr/lib/jvm,
# /opt/java, SDKMAN), or fails saying why. The default java on these machines is 17.
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

find_jdk() {
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [[ -x "$d/bin/javac" ]] && candidates+=("$d")
  done
  local best="" best_major=0
  for d in "${candidates[@]}"; do
    [[ -x "$d/bin/javac" ]] || continue
    local m; m=$(java_major "$d"); m=${m:-0}
    if (( m >= 21 && m > best_major )); then best="$d"; best_major=$m; fi
  done
  if [[ -z "$best" ]]; then
    echo "subdesk: no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm); install one" >&2
    exit 1
  fi
  echo "$best"
}

