#!/usr/bin/env bash
# The whole test suite, as a new user and CI run it:
#   scripts/test.sh
# Starts the services the tests need (scripts/services.sh), then runs every
# test of every crate, doc tests included, against them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/services.sh
# shellcheck source=/dev/null
source .services/env

# A release build never shows the development error page, even with
# [app] debug = true (it needs an optimised build, so it is not a unit test).
cargo run --release -q -p ext-core --example dev_page_probe

# Doc tests first: the run's closing line is then the full suite's summary.
cargo test --workspace --doc
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --all-targets --no-fail-fast
fi

# The example app's OpenAPI description against the running app
# (schemathesis, one minute).
scripts/api-conformance.sh 60
