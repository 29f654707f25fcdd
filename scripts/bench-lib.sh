# Shared by the bench-*.sh scripts: start two servers side by side and load
# them in turn with wrk, alternating which goes first, so machine noise
# falls on both. Source it; it defines start_pair and compare.

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# Servers on one core, wrk on the other, where there are two: less noise.
pin_server=() pin_wrk=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0) pin_wrk=(taskset -c 1)
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# start_pair BINARY KIND_A PORT_A KIND_B PORT_B
start_pair() {
  "${pin_server[@]}" "$1" "$2" "127.0.0.1:$3" >/dev/null 2>&1 & pids+=($!)
  "${pin_server[@]}" "$1" "$4" "127.0.0.1:$5" >/dev/null 2>&1 & pids+=($!)
  for port in "$3" "$5"; do
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  done
}

# wrk_rps PORT PATH [LUA] → requests/s
wrk_rps() {
  local script=()
  [[ -n ${3:-} ]] && script=(-s "$3")
  "${pin_wrk[@]}" wrk -t1 -c32 -d"${seconds}s" "${script[@]}" "http://127.0.0.1:$1$2" |
    awk '/Requests\/sec/ {print $2}'
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# compare LABEL BASE_NAME BASE_PORT EXT_NAME EXT_PORT PATH [LUA]
# Uses $rounds and $seconds; prints each round and the ratio of the medians.
compare() {
  local label=$1 base_name=$2 base_port=$3 ext_name=$4 ext_port=$5 path=$6 lua=${7:-}
  local base=() ext=()
  seconds_saved=$seconds; seconds=2
  wrk_rps "$base_port" "$path" "$lua" >/dev/null; wrk_rps "$ext_port" "$path" "$lua" >/dev/null
  seconds=$seconds_saved
  for round in $(seq "$rounds"); do
    if ((round % 2)); then
      base+=("$(wrk_rps "$base_port" "$path" "$lua")"); ext+=("$(wrk_rps "$ext_port" "$path" "$lua")")
    else
      ext+=("$(wrk_rps "$ext_port" "$path" "$lua")"); base+=("$(wrk_rps "$base_port" "$path" "$lua")")
    fi
    echo "$label round $round: $base_name ${base[-1]} req/s, $ext_name ${ext[-1]} req/s"
  done
  local base_median ext_median ratios=()
  base_median=$(median "${base[@]}")
  ext_median=$(median "${ext[@]}")
  for i in "${!base[@]}"; do
    ratios+=("$(awk -v e="${ext[$i]}" -v b="${base[$i]}" 'BEGIN {printf "%.4f", e/b}')")
  done
  # The two runs of a round are back to back, so their ratio cancels most of
  # the machine's drift; the median of those ratios is the figure to record.
  echo "$label median: $base_name $base_median req/s, $ext_name $ext_median req/s, ratio of medians $(awk -v e="$ext_median" -v b="$base_median" 'BEGIN {printf "%.3f", e/b}'), median of per-round ratios $(median "${ratios[@]}")"
}
