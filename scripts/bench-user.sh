#!/usr/bin/env bash
# ext-user's load tests (ext-user/examples/user_bench_server.rs):
#   - GET /hello for a signed-in user (cookie session, the user loaded from
#     SQLite and checked) against the same route on the same app that does
#     not ask for the user, both sent the same Cookie header;
#   - the same with an access token (Authorization: Bearer) instead, and
#     POST /user/token/refresh throughput (4 families rotating at once);
#   - POST /user/sign-in throughput (64 accounts in turn, argon2id at the
#     default parameters) against the machine's raw argon2id verification
#     rate on every core, measured just before each round; and the p99 of
#     GET /health on the same server while it signs in.
#
#   scripts/bench-user.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -p ext-user --example user_bench_server 2>&1 | tail -n 1
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/user_bench_server"
work=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/users.db"

# Both servers on one database, so one sign-in is good at both.
serve() {
  ${pinned:+"${pin_server[@]}"} "$bin" "$1" "127.0.0.1:$2" "$db" >/dev/null 2>&1 & pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && break; sleep 0.1; done
}
pinned=1
serve signed-in 18101; pid_b=$pid
serve plain 18100; pid_a=$pid

password="correct horse battery staple"
for n in $(seq 0 63); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench$n@example.com\",\"username\":\"bench$n\",\"password\":\"$password\"}" \
    http://127.0.0.1:18101/user/register)
  [[ $code == 202 ]] || { echo "registration $n answered $code" >&2; exit 1; }
done
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"login\":\"bench0\",\"password\":\"$password\"}" http://127.0.0.1:18101/user/sign-in |
  awk -F': ' 'tolower($1) == "set-cookie" {split($2, c, ";"); print c[1]}')
[[ -n $cookie ]] || { echo "no session cookie from sign-in" >&2; exit 1; }
[[ $(curl -s -H "Cookie: $cookie" http://127.0.0.1:18101/hello) == hello\ * ]] ||
  { echo "the signed-in route did not see the user" >&2; exit 1; }
[[ $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18101/hello) == 401 ]] ||
  { echo "the signed-in route served a stranger" >&2; exit 1; }

lua="$work/cookie.lua"
# Like a browser, send back the cookie the server last set: the signed-in
# server refreshes the session's last-seen time once a minute.
cat >"$lua" <<LUA
wrk.headers["Cookie"] = "$cookie"
response = function(status, headers, body)
  local line = headers["Set-Cookie"]
  if line then wrk.headers["Cookie"] = line:match("^[^;]+") end
end
LUA
compare "GET /hello" plain 18100 "$pid_a" signed-in 18101 "$pid_b" /hello "$lua"
together "GET /hello" plain 18100 "$pid_a" signed-in 18101 "$pid_b" /hello "$lua"

# The same route with an access token instead of the cookie (the signature,
# the claims and the token version checked on every request); both servers
# get the same Authorization header.
tokens() {
  curl -s -H 'Content-Type: application/json' \
    -d "{\"login\":\"bench$1\",\"password\":\"$password\",\"mode\":\"tokens\"}" \
    http://127.0.0.1:18101/user/sign-in
}
access=$(tokens 0 | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[[ -n $access ]] || { echo "no access token from sign-in" >&2; exit 1; }
[[ $(curl -s -H "Authorization: Bearer $access" http://127.0.0.1:18101/hello) == hello\ * ]] ||
  { echo "the signed-in route did not take the access token" >&2; exit 1; }
bearer="$work/bearer.lua"
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$access" >"$bearer"
compare "GET /hello, bearer" plain 18100 "$pid_a" signed-in 18101 "$pid_b" /hello "$bearer"
together "GET /hello, bearer" plain 18100 "$pid_a" signed-in 18101 "$pid_b" /hello "$bearer"

# Refresh throughput: each connection rotates its own family, sending the
# refresh token the last answer returned (a reused one would be a replay).
refresh="$work/refresh.lua"
: >"$work/refresh-tokens"
for n in 1 2 3 4; do
  # One per line (the answer has no newline for sed to keep).
  echo "$(tokens "$n" | sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p')" >>"$work/refresh-tokens"
done
cat >"$refresh" <<LUA
local tokens, next = {}, 0
for line in io.lines("$work/refresh-tokens") do tokens[#tokens + 1] = line end
setup = function(thread)
  next = next + 1
  thread:set("token", tokens[next])
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  -- wrk also calls this once in its main state, where no thread set token.
  return wrk.format(nil, "/user/token/refresh", nil, '{"refresh_token":"' .. (token or "") .. '"}')
end
response = function(status, headers, body)
  local fresh = body:match('"refresh_token":"([^"]+)"')
  if fresh then token = fresh end
end
LUA
out=$("${pin_wrk[@]}" wrk -t4 -c4 -d"${seconds}s" -s "$refresh" http://127.0.0.1:18101)
bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
echo "POST /user/token/refresh: $(awk '/Requests\/sec/ {print $2}' <<<"$out") rotations/s on one worker, 4 families, ${bad:-0} not 2xx"

# Sign-ins: each request names the next of the 64 accounts.
sign_in="$work/sign_in.lua"
cat >"$sign_in" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = (n + 1) % 64
  return wrk.format(nil, "/user/sign-in", nil, '{"login":"bench' .. n .. '","password":"$password"}')
end
LUA
# The hashers need every core, as the raw rate gets: a server of its own,
# not pinned.
kill "$pid_a" "$pid_b"
pinned=
serve signed-in 18102
ratios=() p99s=()
for round in $(seq "$rounds"); do
  raw=$("$bin" hash-rate "$seconds")
  wrk -t1 -c1 -d"${seconds}s" --latency http://127.0.0.1:18102/health >"$work/health.txt" & health=$!
  out=$(wrk -t1 -c16 -d"${seconds}s" -s "$sign_in" http://127.0.0.1:18102)
  wait "$health"
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); bad=${bad:-0}
  rate=$(awk -v t="$total" -v b="$bad" -v s="$seconds" 'BEGIN {printf "%.1f", (t - b) / s}')
  p99=$(awk '/ 99%/ {print $2}' "$work/health.txt")
  ratios+=("$(awk -v r="$rate" -v w="$raw" 'BEGIN {printf "%.4f", r / w}')")
  p99s+=("$p99")
  echo "sign-in round $round: raw argon2id $raw verifications/s, server $rate sign-ins/s ($bad not 2xx), /health p99 $p99"
done
echo "POST /user/sign-in: sign-ins/s over raw verifications/s $(median "${ratios[@]}") (median of $rounds rounds); /health p99 per round: ${p99s[*]}"
