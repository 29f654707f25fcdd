#!/usr/bin/env bash
# Side-by-side load test of ext-mongo against the same handlers written
# directly on the driver, on the Rust MongoDB-wire server (secantusd-rs):
# find_one_or_404 against find_one, and send_file of a 10 MB GridFS file
# against the driver's download stream, with each server's peak memory.
#
#   scripts/bench-mongo.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

scripts/install-secantusd-rs.sh >&2
port=27117
data=$(mktemp -d)
secantusd-rs --host 127.0.0.1 --port "$port" --storage-path "$data" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
export MONGO_URI="mongodb://127.0.0.1:$port/bench"

cargo build --release -p ext-mongo --example bench_mongo_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_mongo_server"
"$server" seed
start_pair "$server" raw 18110 ext 18111
compare "find_one_or_404" driver 18110 "$pid_a" ext-mongo 18111 "$pid_b" /items/5cf29abb5167a14c9e6e12c4
compare "send_file 10 MB" driver 18110 "$pid_a" ext-mongo 18111 "$pid_b" /files/ten-megabytes.bin
peak() { awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$1/status"; }
echo "peak memory (VmHWM) after the 10 MB runs: driver $(peak "$pid_a"), ext-mongo $(peak "$pid_b")"

# One 200 MB download from each of a fresh pair: peak memory before and after.
kill "$pid_a" "$pid_b" 2>/dev/null || true
wait "$pid_a" "$pid_b" 2>/dev/null || true
start_pair "$server" raw 18110 ext 18111
for side in "driver 18110 $pid_a" "ext-mongo 18111 $pid_b"; do
  read -r name port pid <<<"$side"
  before=$(peak "$pid")
  bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/files/two-hundred-megabytes.bin")
  echo "200 MB download from $name: $bytes bytes, peak memory $before before, $(peak "$pid") after"
done
rm -rf "$data"
