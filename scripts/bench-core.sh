#!/usr/bin/env bash
# Side-by-side load test: one route from a bare actix-web app against the same
# route from an app built through ext-core with no extensions.
#
#   scripts/bench-core.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
#
# Both servers run at once, one worker each; wrk (from Debian) loads them in
# turn, alternating which goes first, so machine noise falls on both. Prints
# each run's requests/s and the ratio of the medians (core / bare).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
rounds=${1:-10}
seconds=${2:-5}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

cargo build --release -p ext-core --example bench_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_server"

# Servers on one core, wrk on the other, where there are two: less noise.
pin_server=() pin_wrk=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0) pin_wrk=(taskset -c 1)
fi
"${pin_server[@]}" "$server" bare 127.0.0.1:18080 >/dev/null 2>&1 & bare_pid=$!
"${pin_server[@]}" "$server" core 127.0.0.1:18081 >/dev/null 2>&1 & core_pid=$!
trap 'kill $bare_pid $core_pid 2>/dev/null || true' EXIT
for port in 18080 18081; do
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

run() { # port → requests/s
  "${pin_wrk[@]}" wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$1/hello" | awk '/Requests\/sec/ {print $2}'
}

# Warm both up.
wrk -t1 -c32 -d2s http://127.0.0.1:18080/hello >/dev/null
wrk -t1 -c32 -d2s http://127.0.0.1:18081/hello >/dev/null

bare=() core=()
for round in $(seq "$rounds"); do
  if ((round % 2)); then
    bare+=("$(run 18080)"); core+=("$(run 18081)")
  else
    core+=("$(run 18081)"); bare+=("$(run 18080)")
  fi
  echo "round $round: bare ${bare[-1]} req/s, ext-core ${core[-1]} req/s"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
bare_median=$(median "${bare[@]}")
core_median=$(median "${core[@]}")
ratio=$(awk -v c="$core_median" -v b="$bare_median" 'BEGIN {printf "%.3f", c/b}')
echo "median: bare $bare_median req/s, ext-core $core_median req/s, ratio $ratio"
