#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind: repeatable
# whatever else the machine is doing, unlike times. Each server of
# bench_cors_server (bare, cors, handwritten; for preflights also
# cors-before-routing and handwritten-unrouted) answers N and then 2N requests
# of each kind on one connection; the difference over N is the cost of one
# request in user space (the kernel's share is not counted), start-up
# excluded.
#
#   scripts/bench-cors-instructions.sh [N]          (default 2000)
#   CACHE_SIM=1 scripts/bench-cors-instructions.sh  also simulates caches and
#       branch prediction, and prints first-level instruction- and data-cache
#       read misses (I1mr, D1mr) and mispredicted conditional and indirect
#       branches (Bcm, Bim) per request
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
n=${1:-2000}

# shellcheck source=scripts/need-valgrind.sh
source scripts/need-valgrind.sh

cargo build --release -p ext-cors --example bench_cors_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_cors_server"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# total KIND REQUEST COUNT → instructions of the whole run
total() {
  local port=$((19100 + RANDOM % 800)) out="$work/$1-$2-$3.out" pid
  valgrind --tool=callgrind "${simulate[@]}" --callgrind-out-file="$out" "$server" "$1" "127.0.0.1:$port" \
    >/dev/null 2>"$work/valgrind.log" &
  pid=$!
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  python3 scripts/instructions-load.py "$port" "$3" "$2"
  kill -INT "$pid"
  wait "$pid" || true
  # The totals line: one "count (100.0%)" pair per event, Ir first.
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {
    gsub(",", ""); line = ""
    for (i = 1; i <= NF; i += 2) { if ($i ~ /^[0-9]+$/) line = line " " $i }
    print substr(line, 2)
  }'
}

simulate=() events=(Ir)
if [[ -n ${CACHE_SIM:-} ]]; then
  simulate=(--cache-sim=yes --branch-sim=yes)
  events=(Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim)
fi
shown=(Ir I1mr D1mr Bcm Bim)

for request in get preflight; do
  declare -A per=()
  kinds=(bare cors handwritten)
  # Only a preflight differs with these two.
  [[ $request == preflight ]] && kinds+=(cors-before-routing handwritten-unrouted)
  for kind in "${kinds[@]}"; do
    read -ra one <<<"$(total "$kind" "$request" "$n")"
    read -ra two <<<"$(total "$kind" "$request" $((2 * n)))"
    for i in "${!events[@]}"; do
      per[$kind.${events[$i]}]=$(((two[i] - one[i]) / n))
    done
  done
  for event in "${shown[@]}"; do
    [[ -n ${per[bare.$event]:-} ]] || continue
    line="$request $event per request: bare ${per[bare.$event]}"
    for kind in "${kinds[@]:1}"; do
      value=${per[$kind.$event]}
      line+=", $kind $value ($(printf '%+d' $((value - per[bare.$event]))))"
    done
    echo "$line"
  done
  unset per
done
