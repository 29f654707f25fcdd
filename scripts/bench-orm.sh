#!/usr/bin/env bash
# Side-by-side load test of ext-orm on PostgreSQL: a page of 20 of 10,000
# rows with the total, and one row by id, written directly on sea-orm and
# through ext-orm (the helpers on the pool, then through the request's
# session, which adds a transaction per request).
#
#   scripts/bench-orm.sh [rounds] [seconds-per-run]     (default 10 rounds of 5 s)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

scripts/services.sh >/dev/null
source .services/env
admin=$DATABASE_URL
psql "$admin" -Atqc "select 1 from pg_database where datname = 'bench_orm'" | grep -q 1 ||
  psql "$admin" -qc "create database bench_orm"
export DATABASE_URL=${admin%/*}/bench_orm

cargo build --release -p ext-orm --example bench_orm_server 2>&1 | tail -n 1
server="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_orm_server"
"$server" seed
start_pair "$server" raw 18100 orm 18101
compare "page of 20 (helpers on the pool)" sea-orm 18100 "$pid_a" ext-orm 18101 "$pid_b" "/items?page=7"
compare "get by id (get_or_404 on the pool)" sea-orm 18100 "$pid_a" ext-orm 18101 "$pid_b" /items/4321
compare "page of 20 (through the session)" sea-orm 18100 "$pid_a" ext-orm 18101 "$pid_b" "/session/items?page=7"
compare "get by id (through the session)" sea-orm 18100 "$pid_a" ext-orm 18101 "$pid_b" /session/items/4321
