#!/usr/bin/env bash
# Side-by-side load tests of ext-core's web layer (ext-core/examples/web_bench_server.rs):
#   - GET /page rendered per request by render_template, against the same
#     page pre-rendered once: a small page, and a list of ten linked items;
#   - GET /me reading a signed-cookie session, against the same route on an
#     app without sessions (both sent the same Cookie header).
#
#   scripts/bench-web.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -p ext-core --example web_bench_server 2>&1 | tail -n 1
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/web_bench_server"

port=18090
for page in small list; do
  suffix=$([[ $page == small ]] && echo -small || true)
  start_pair "$bin" "prerendered$suffix" $port "template$suffix" $((port + 1))
  cmp -s <(curl -s http://127.0.0.1:$port/page) <(curl -s http://127.0.0.1:$((port + 1))/page) ||
    { echo "the two $page pages differ" >&2; exit 1; }
  compare "GET /page ($page)" prerendered $port "$pid_a" template $((port + 1)) "$pid_b" /page
  together "GET /page ($page)" prerendered $port "$pid_a" template $((port + 1)) "$pid_b" /page
  port=$((port + 4))
done

start_pair "$bin" no-session 18092 session 18093
cookie=$(curl -s -D - -o /dev/null http://127.0.0.1:18093/login | awk -F': ' 'tolower($1) == "set-cookie" {split($2, c, ";"); print c[1]}')
[[ -n $cookie ]] || { echo "no session cookie from /login" >&2; exit 1; }
[[ $(curl -s -H "Cookie: $cookie" http://127.0.0.1:18093/me) == "user 42" ]] ||
  { echo "the session route did not read the session" >&2; exit 1; }
lua=$(mktemp --suffix .lua)
printf 'wrk.headers["Cookie"] = "%s"\n' "$cookie" >"$lua"
compare "GET /me" no-session 18092 "$pid_a" session 18093 "$pid_b" /me "$lua"
together "GET /me" no-session 18092 "$pid_a" session 18093 "$pid_b" /me "$lua"
rm -f "$lua"
