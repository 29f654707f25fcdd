# Shared by the bench-*.sh scripts: start two servers side by side and load
# them in turn with wrk, alternating which goes first, so machine noise
# falls on both. Source it; it moves to the repository root, reads the
# caller's arguments [rounds] [seconds-per-run] (default 10 rounds of 5 s)
# into $rounds and $seconds, and defines start_one, start_pair, compare and
# together.
#
# Two figures per comparison, each the median over rounds of the two runs of
# a round (back to back, so drift cancels):
# - throughput: requests/s as wrk saw them;
# - requests per CPU-second of the server process (from /proc/PID/stat):
#   what one core would serve at saturation. On shared machines the first
#   moves with other tenants' load; the second much less.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
rounds=${1:-10}
seconds=${2:-5}

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "bench: installing wrk from Debian" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
fi

# Servers on one core, wrk on the other, where there are two: less noise.
pin_server=() pin_wrk=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_server=(taskset -c 0) pin_wrk=(taskset -c 1)
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# start_one BINARY KIND PORT: starts one server, waits for its port; sets pid.
start_one() {
  "${pin_server[@]}" "$1" "$2" "127.0.0.1:$3" >/dev/null 2>&1 & pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null && break; sleep 0.1; done
}

# start_pair BINARY KIND_A PORT_A KIND_B PORT_B: sets pid_a and pid_b.
start_pair() {
  start_one "$1" "$2" "$3"; pid_a=$pid
  start_one "$1" "$4" "$5"; pid_b=$pid
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run PORT PID PATH [LUA] → "requests/s requests-per-CPU-second"
run() {
  local script=() before after out
  [[ -n ${4:-} ]] && script=(-s "$4")
  before=$(cpu_ticks "$2")
  out=$("${pin_wrk[@]}" wrk -t1 -c32 -d"${seconds}s" "${script[@]}" "http://127.0.0.1:$1$3")
  after=$(cpu_ticks "$2")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {requests = $1}
    /Requests\/sec/ {rps = $2}
    END {printf "%s %.0f\n", rps, (ticks > 0 ? requests / (ticks / hz) : 0)}' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# compare LABEL BASE_NAME BASE_PORT BASE_PID EXT_NAME EXT_PORT EXT_PID PATH [LUA]
# Uses $rounds and $seconds.
compare() {
  local label=$1 base_name=$2 base_port=$3 base_pid=$4 ext_name=$5 ext_port=$6 ext_pid=$7 path=$8 lua=${9:-}
  local rps_ratios=() cpu_ratios=() base ext saved=$seconds
  seconds=2
  run "$base_port" "$base_pid" "$path" "$lua" >/dev/null
  run "$ext_port" "$ext_pid" "$path" "$lua" >/dev/null
  seconds=$saved
  for round in $(seq "$rounds"); do
    if ((round % 2)); then
      base=$(run "$base_port" "$base_pid" "$path" "$lua"); ext=$(run "$ext_port" "$ext_pid" "$path" "$lua")
    else
      ext=$(run "$ext_port" "$ext_pid" "$path" "$lua"); base=$(run "$base_port" "$base_pid" "$path" "$lua")
    fi
    read -r base_rps base_cpu <<<"$base"
    read -r ext_rps ext_cpu <<<"$ext"
    rps_ratios+=("$(awk -v e="$ext_rps" -v b="$base_rps" 'BEGIN {printf "%.4f", e/b}')")
    cpu_ratios+=("$(awk -v e="$ext_cpu" -v b="$base_cpu" 'BEGIN {printf "%.4f", (b > 0 ? e/b : 0)}')")
    echo "$label round $round: $base_name $base_rps req/s ($base_cpu per CPU-s), $ext_name $ext_rps req/s ($ext_cpu per CPU-s)"
  done
  echo "$label: $ext_name/$base_name throughput ratio $(median "${rps_ratios[@]}"), requests per CPU-second ratio $(median "${cpu_ratios[@]}") (medians of $rounds paired rounds)"
}

# together LABEL BASE_NAME BASE_PORT BASE_PID EXT_NAME EXT_PORT EXT_PID PATH [LUA]
# Loads both servers at the same time (one wrk each, both on the wrk core),
# so both see the same machine at every instant; they share the server core.
# The ratio per round is requests per CPU-second of each server; the median
# over $rounds rounds of $seconds is printed, with the range of the rounds.
# Steadier than `compare` on a busy machine (rounds within about 1.5% of
# each other, medians of two runs within about as much), at the price of
# two servers switching on one core.
together() {
  local label=$1 base_name=$2 base_port=$3 base_pid=$4 ext_name=$5 ext_port=$6 ext_pid=$7 path=$8 lua=${9:-}
  local script=() ratios=() out_a out_b a0 b0 a1 b1 wrk_a wrk_b
  [[ -n $lua ]] && script=(-s "$lua")
  out_a=$(mktemp) out_b=$(mktemp)
  for round in $(seq "$rounds"); do
    a0=$(cpu_ticks "$base_pid") b0=$(cpu_ticks "$ext_pid")
    "${pin_wrk[@]}" wrk -t1 -c32 -d"${seconds}s" "${script[@]}" "http://127.0.0.1:$base_port$path" >"$out_a" & wrk_a=$!
    "${pin_wrk[@]}" wrk -t1 -c32 -d"${seconds}s" "${script[@]}" "http://127.0.0.1:$ext_port$path" >"$out_b" & wrk_b=$!
    wait "$wrk_a" "$wrk_b"
    a1=$(cpu_ticks "$base_pid") b1=$(cpu_ticks "$ext_pid")
    ratios+=("$(awk -v ta=$((a1 - a0)) -v tb=$((b1 - b0)) -v fa="$out_a" -v fb="$out_b" '
      BEGIN {
        while ((getline line < fa) > 0) if (line ~ /requests in/) { split(line, f, " "); ra = f[1] }
        while ((getline line < fb) > 0) if (line ~ /requests in/) { split(line, f, " "); rb = f[1] }
        printf "%.4f", (ta > 0 && tb > 0 && ra > 0) ? (rb / tb) / (ra / ta) : 0
      }')")
  done
  rm -f "$out_a" "$out_b"
  echo "$label, both loaded at once: $ext_name/$base_name requests per CPU-second ratio $(median "${ratios[@]}") (median of $rounds rounds; rounds ranged $(printf '%s\n' "${ratios[@]}" | sort -n | head -1)–$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1))"
}
