#!/usr/bin/env bash
# Instructions per request for ext-core's web layer, counted by valgrind's
# callgrind (repeatable on a busy machine, unlike times): each server kind of
# ext-core/examples/web_bench_server.rs answers N and then 2N requests on one
# connection; the difference over N is one request's cost in user space.
#
#   scripts/bench-web-instructions.sh [N]      (default 2000)
#
# Under valgrind, SHA-256 runs in software (valgrind does not offer the
# CPU's SHA extensions), so the session's HMAC counts more here than it
# costs on the machine itself.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
n=${1:-2000}

# shellcheck source=scripts/need-valgrind.sh
source scripts/need-valgrind.sh

cargo build --release -p ext-core --example web_bench_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/web_bench_server"
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

# A session cookie, from a server of the same binary (the same secret).
"$server" session 127.0.0.1:19099 >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/19099) 2>/dev/null && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null http://127.0.0.1:19099/login | awk -F': ' 'tolower($1) == "set-cookie" {split($2, c, ";"); print c[1]}')

# total KIND REQUEST COUNT → instructions of the whole run
total() {
  local port=$((19100 + RANDOM % 800)) out="$work/$1-$3.out" pid
  valgrind --tool=callgrind --callgrind-out-file="$out" "$server" "$1" "127.0.0.1:$port" \
    >/dev/null 2>"$work/valgrind.log" &
  pid=$!
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  python3 scripts/instructions-load.py "$port" "$3" "$2" "$cookie"
  kill -INT "$pid"
  wait "$pid" || true
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", ""); print $1}'
}

per_request() {
  local one two
  one=$(total "$1" "$2" "$n")
  two=$(total "$1" "$2" $((2 * n)))
  echo $(((two - one) / n))
}

while read -r label base ext request; do
  b=$(per_request "$base" "$request")
  e=$(per_request "$ext" "$request")
  echo "$label instructions per request: $base $b, $ext $e ($(printf '%+d' $((e - b))))"
done <<'KINDS'
small-page prerendered-small template-small page
list-page prerendered template page
session-read no-session session me
session-untouched no-session session untouched
KINDS
