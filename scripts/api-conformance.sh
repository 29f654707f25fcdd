#!/usr/bin/env bash
# schemathesis against the example app's OpenAPI description
# (GET /openapi.json: ext-user's endpoints and the example's /account):
# no 5xx, and every response's status, content type and body as the
# description says. Runs as part of scripts/test.sh, bounded in time:
#   scripts/api-conformance.sh [seconds]        (default 60)
#
# The app runs on its embedded defaults (SQLite in a scratch folder). The
# run is signed in with an access token, so the authenticated operations
# are exercised too; sign-out-everywhere is left out because it would
# revoke that token for the rest of the run (tests/tokens.rs covers it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-60}
SCHEMATHESIS=schemathesis==4.32.5

venv="$root/.services/schemathesis"
if ! "$venv/bin/pip" freeze 2>/dev/null | grep -qx "$SCHEMATHESIS"; then
  echo "api-conformance: installing $SCHEMATHESIS into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$SCHEMATHESIS"
fi

cargo build -q -p example-app
bin="${CARGO_TARGET_DIR:-$root/target}/debug/example-app"
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(
  cd "$work"
  env -u APP_CONFIG -u DATABASE_URL -u SQLALCHEMY_DATABASE_URI -u MONGO_URI \
    SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')" \
    EXAMPLE_BIND="127.0.0.1:$port" RUST_LOG=warn "$bin" >"$work/app.log" 2>&1
) & pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
curl -sf "$base/health" >/dev/null || { cat "$work/app.log" >&2; exit 1; }

password="correct horse battery staple"
json='Content-Type: application/json'
curl -sf -H "$json" -d "{\"email\":\"fuzz@example.com\",\"username\":\"fuzzer\",\"password\":\"$password\",\"retype_password\":\"$password\"}" \
  "$base/user/register" >/dev/null
access=$(curl -sf -H "$json" -d "{\"login\":\"fuzzer\",\"password\":\"$password\",\"mode\":\"tokens\"}" \
  "$base/user/sign-in" | python3 -c 'import json, sys; print(json.load(sys.stdin)["tokens"]["access_token"])')

# From the scratch folder: schemathesis keeps its cache (.schemathesis/) there.
cd "$work"
"$venv/bin/schemathesis" run "$base/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-operation-id sign_out_everywhere \
  --header "Authorization: Bearer $access" \
  --max-time "$seconds" --workers 1 --seed 1 \
  --suppress-health-check all
