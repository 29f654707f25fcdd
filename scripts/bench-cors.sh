#!/usr/bin/env bash
# Side-by-side load test of ext-cors: a cross-origin GET and a preflight to
# a bare actix-web app without CORS, and to the same route on an ext-core
# app with ext-cors registered; then the criterion benchmark of a
# 50-resource policy against a 1-resource one.
#
#   scripts/bench-cors.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -p ext-cors --example bench_cors_server 2>&1 | tail -n 1
start_pair "${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_cors_server" bare 18090 cors 18091
compare "CORS GET" bare 18090 "$pid_a" ext-cors 18091 "$pid_b" /hello scripts/wrk/cors-get.lua
compare "preflight" bare 18090 "$pid_a" ext-cors 18091 "$pid_b" /hello scripts/wrk/preflight.lua
kill "${pids[@]}" 2>/dev/null || true

cargo bench -p ext-cors --bench resources -- --noplot 2>&1 | grep -E "^cors_resources|time:"
cargo bench -p ext-cors --bench hook -- --noplot "resource" 2>&1 | grep -E "^request|time:"
