#!/usr/bin/env bash
# Load on the release example-app (issue 10): wrk at 256 connections for
# [seconds] (default 60) on random `/notes?page=N` and random `/notes/{id}`,
# first on the embedded SQLite default, then on PostgreSQL (a scratch
# database on 127.0.0.1:5432). Prints one Markdown row per run: requests/s,
# non-2xx answers, socket errors, p50 and p99 latency, and the server's peak
# resident memory (VmHWM). The goal is zero non-2xx and zero errors.
#   scripts/bench-example.sh [seconds]
set -euo pipefail
seconds=${1:-60}
# bench-lib: wrk (installed if missing), the core pinning, the exit trap.
set -- 1 "$seconds"
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

cargo build --release -q -p example-app
bin="${CARGO_TARGET_DIR:-$root/target}/release/example-app"
notes=500 per_page=20
work=$(mktemp -d)
database=bench_example_$$
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $database" postgres >/dev/null 2>&1 || true' EXIT

# Random paths, one set per target.
cat >"$work/pages.lua" <<LUA
request = function() return wrk.format("GET", "/notes?per_page=$per_page&page=" .. math.random($((notes / per_page)))) end
LUA
cat >"$work/ids.lua" <<LUA
request = function() return wrk.format("GET", "/notes/" .. math.random($notes)) end
LUA

# load NAME [DATABASE_URL]: starts the app, seeds it, loads both targets.
load() {
  local name=$1 url=${2:-} port dir
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dir="$work/$name"
  mkdir -p "$dir"
  (
    cd "$dir"
    env -u APP_CONFIG -u DATABASE_URL -u SQLALCHEMY_DATABASE_URI -u MONGO_URI \
      ${url:+DATABASE_URL="$url"} SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
      EXAMPLE_BIND="127.0.0.1:$port" RUST_LOG=warn "${pin_server[@]}" "$bin" >"$dir/app.log" 2>&1
  ) & pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  local pid
  pid=$(pgrep -f -n "^$bin" || true)
  body=$(python3 -c 'print("x" * 1000)')
  for i in $(seq "$notes"); do
    curl -sf -o /dev/null -H 'content-type: application/json' \
      -d "{\"title\": \"note $i\", \"body\": \"$body\"}" "http://127.0.0.1:$port/notes"
  done
  for target in pages ids; do
    out=$("${pin_wrk[@]}" wrk -t1 -c256 -d"${seconds}s" --latency -s "$work/$target.lua" "http://127.0.0.1:$port")
    peak=$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status")
    awk -v name="$name" -v target="$target" -v peak="$peak" '
      /Requests\/sec/ {rps = $2}
      /Non-2xx/ {non2xx = $NF}
      /Socket errors/ {gsub(",", ""); errors = $4 + $6 + $8 + $10}
      $1 == "50%" {p50 = $2}
      $1 == "99%" {p99 = $2}
      END {printf "| %s | %s | %.0f | %d | %d | %s | %s | %s |\n", name, target, rps, non2xx, errors, p50, p99, peak}
    ' <<<"$out"
  done
  kill "$pid" 2>/dev/null || true
}

echo "| database | target | requests/s | non-2xx | socket errors | p50 | p99 | peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
load sqlite
psql -qh 127.0.0.1 -U postgres -c "CREATE DATABASE $database" postgres >/dev/null
load postgresql "postgresql://postgres@127.0.0.1/$database"
