#!/usr/bin/env bash
# Side-by-side load test of ext-cors: a cross-origin GET and a preflight to
# a bare actix-web app without CORS, to the same route on an ext-core app
# with ext-cors registered, and to the bare app whose handlers add the same
# CORS headers as constants (the floor for any CORS layer), in turn
# (`compare`) and both at once (`together`, the steadier figure). Preflights
# also go to ext-cors with `preflight_before_routing` and to the constant
# headers answered from the bare app's default service (the floor for a
# layer that lets routing decide, as Flask does). Then the criterion
# benchmark of a 50-resource policy against a 1-resource one.
#
#   scripts/bench-cors.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -p ext-cors --example bench_cors_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_cors_server"
start_one "$server" bare 18090; bare=$pid
start_one "$server" cors 18091; cors=$pid
start_one "$server" handwritten 18092; handwritten=$pid
start_one "$server" cors-before-routing 18093; early=$pid
start_one "$server" handwritten-unrouted 18094; unrouted=$pid
for request in "CORS GET:cors-get" "preflight:preflight"; do
  label=${request%%:*} lua=scripts/wrk/${request##*:}.lua
  compare "$label" bare 18090 "$bare" ext-cors 18091 "$cors" /hello "$lua"
  together "$label" bare 18090 "$bare" ext-cors 18091 "$cors" /hello "$lua"
  together "$label" bare 18090 "$bare" handwritten 18092 "$handwritten" /hello "$lua"
  together "$label" handwritten 18092 "$handwritten" ext-cors 18091 "$cors" /hello "$lua"
done
lua=scripts/wrk/preflight.lua
together preflight bare 18090 "$bare" ext-cors-before-routing 18093 "$early" /hello "$lua"
together preflight bare 18090 "$bare" handwritten-unrouted 18094 "$unrouted" /hello "$lua"
together preflight handwritten-unrouted 18094 "$unrouted" ext-cors 18091 "$cors" /hello "$lua"
kill "${pids[@]}" 2>/dev/null || true

cargo bench -p ext-cors --bench resources -- --noplot 2>&1 | grep -E "^cors_resources|time:"
cargo bench -p ext-cors --bench hook -- --noplot "resource" 2>&1 | grep -E "^request|time:"
