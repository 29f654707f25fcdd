#!/usr/bin/env bash
# Side-by-side load test: one route from a bare actix-web app against the same
# route from an app built through ext-core with no extensions; then ext-core
# with one extension's pass-through async middleware against ext-core alone.
#
#   scripts/bench-core.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
#
# Both servers run at once, one worker each; wrk (from Debian) loads them in
# turn, then both at once (bench-lib.sh's `together`, steadier here). Prints
# each run's requests/s and the ratios (ext-core / bare; with / without the
# middleware).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -p ext-core --example bench_server 2>&1 | tail -n 1
start_pair "${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_server" bare 18080 core 18081
compare "GET /hello" bare 18080 "$pid_a" ext-core 18081 "$pid_b" /hello
together "GET /hello" bare 18080 "$pid_a" ext-core 18081 "$pid_b" /hello
start_one "${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_server" core-middleware 18082
compare "GET /hello" ext-core 18081 "$pid_b" ext-core+middleware 18082 "$pid" /hello
together "GET /hello" ext-core 18081 "$pid_b" ext-core+middleware 18082 "$pid" /hello
