#!/usr/bin/env bash
# Starts, idempotently, every service the test suite needs, checks each one
# answers, and writes the URLs the tests read to .services/env.
#
#   scripts/services.sh          # start what is missing, print what it did
#   source .services/env         # then: DATABASE_URL, MYSQL_URL, REDIS_URL, MONGO_URI, SMTP_URL, SMTP_MAILDIR,
#                                # SERVICES_VENV (PyMongo and secantusd-py, for oracles and outage tests),
#                                # FLASK_USER_VENV (the real Flask-User 1.0, whose settings and databases
#                                # the migration tests read), CHROMIUM, CHROMEDRIVER
#
# A URL already in the environment is used as it is (a Docker PostgreSQL or a
# real mongod, say): the script then only checks that it answers.
#
# Services:
#   PostgreSQL  127.0.0.1:5432, database `test` (started with pg_ctlcluster if down)
#   MariaDB     127.0.0.1:3306, database `test` (started with mariadbd if down)
#   Redis       127.0.0.1:6379 (Debian's redis-server, started if down, keeping
#               nothing on disk), for server-side sessions
#   MongoDB     127.0.0.1:27017, the MongoDB-wire server `secantusd-py` from the
#               PyPI package SecantusDB, in a private virtualenv, in memory
#   SMTP        127.0.0.1:8025, aiosmtpd writing every message to a Maildir that
#               tests read (/tmp/actix-flask-ext/maildir/new/)
#   Browser     Debian's chromium and chromium-driver, installed with apt-get if
#               missing; each browser test starts its own chromedriver
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.services"
venv="$state/venv"
logs="$state/logs"
mkdir -p "$logs"

# Pinned so that every machine runs the same servers.
PY_PACKAGES=(SecantusDB==0.7.0b3 aiosmtpd==1.4.6 pymongo==4.20.1)

# The real Flask-User 1.0 (its last release, 1.0.2.2, is marked yanked on
# PyPI but is what Flask-User apps run) on the newest Flask it still works
# with, and the drivers its databases need: the migration tests write a
# Flask-User database with it and read its settings from its source.
flask_user_venv="$state/flask-user-venv"
FLASK_USER_PACKAGES=(Flask-User==1.0.2.2 Flask==2.3.3 Werkzeug==2.3.8 Flask-Login==0.6.3 Flask-WTF==1.2.1
  WTForms==3.1.2 Flask-SQLAlchemy==3.0.5 SQLAlchemy==2.0.36 Flask-Mail==0.9.1 passlib==1.7.4 bcrypt==4.0.1
  email-validator==2.2.0 psycopg2-binary==2.9.10 PyMySQL==1.1.1)

say() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: FAILED: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port seconds name
  local deadline=$((SECONDS + $3))
  until port_open "$1" "$2"; do
    ((SECONDS < deadline)) || fail "$4 did not open $1:$2 within $3 s (see $logs)"
    sleep 0.2
  done
}

ensure_venv() {
  if [[ -x "$venv/bin/secantusd-py" && -x "$venv/bin/aiosmtpd" ]] &&
    "$venv/bin/pip" freeze 2>/dev/null | grep -qx "SecantusDB==0.7.0b3"; then
    return
  fi
  say "installing ${PY_PACKAGES[*]} into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}" >"$logs/pip.log" 2>&1 ||
    fail "pip install failed, see $logs/pip.log"
}

ensure_flask_user_venv() {
  if "$flask_user_venv/bin/pip" freeze 2>/dev/null | grep -qx "Flask-User==1.0.2.2"; then
    return
  fi
  say "installing Flask-User 1.0 into $flask_user_venv"
  python3 -m venv "$flask_user_venv"
  "$flask_user_venv/bin/pip" install --quiet --disable-pip-version-check "${FLASK_USER_PACKAGES[@]}" \
    >"$logs/pip-flask-user.log" 2>&1 || fail "pip install Flask-User failed, see $logs/pip-flask-user.log"
}
ensure_flask_user_venv

# --- PostgreSQL -------------------------------------------------------------
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
if [[ $DATABASE_URL == postgres://postgres@127.0.0.1:5432/* ]]; then
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    say "postgresql: already running on 127.0.0.1:5432"
  else
    say "postgresql: starting"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start ||
      fail "postgresql could not be started"
    wait_port 127.0.0.1 5432 30 postgresql
  fi
  if ! psql -h 127.0.0.1 -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1; then
    say "postgresql: creating database test"
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test' >/dev/null
  fi
fi
psql "$DATABASE_URL" -Atqc 'select 1' >/dev/null 2>&1 || fail "postgresql does not answer at $DATABASE_URL"

# --- MariaDB ----------------------------------------------------------------
MYSQL_URL=${MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
if [[ $MYSQL_URL == mysql://root@127.0.0.1:3306/* ]]; then
  if port_open 127.0.0.1 3306; then
    say "mariadb: already running on 127.0.0.1:3306"
  else
    say "mariadb: starting"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd ||
      fail "mariadb could not be started"
    wait_port 127.0.0.1 3306 60 mariadb
  fi
  mariadb -uroot -h127.0.0.1 -e 'create database if not exists test' >/dev/null ||
    fail "mariadb does not answer at $MYSQL_URL"
fi

# Tests create a database each (extorm_<pid>_…) and drop it; remove only
# what test processes that are gone left behind (never a concurrent run's).
DATABASE_URL=$DATABASE_URL MYSQL_URL=$MYSQL_URL "$root/scripts/drop-leftover-databases.sh" | sed 's/^/services: /'

# --- Redis --------------------------------------------------------------------
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/}
if [[ $REDIS_URL == redis://127.0.0.1:6379/* ]]; then
  if port_open 127.0.0.1 6379; then
    say "redis: already running on 127.0.0.1:6379"
  else
    if ! command -v redis-server >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      say "redis: installing redis-server from Debian"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } \
        >"$logs/apt-redis.log" 2>&1 || fail "apt-get install redis-server failed, see $logs/apt-redis.log"
    fi
    say "redis: starting"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "$state" --logfile "$logs/redis.log" >/dev/null || fail "redis could not be started"
    wait_port 127.0.0.1 6379 30 redis
  fi
fi
host_port=${REDIS_URL#redis://}
host_port=${host_port%%/*}
port_open "${host_port%:*}" "${host_port##*:}" || fail "redis does not answer at $REDIS_URL"

# --- MongoDB wire protocol --------------------------------------------------
MONGO_URI=${MONGO_URI:-mongodb://127.0.0.1:27017/test}
if [[ $MONGO_URI == mongodb://127.0.0.1:27017/* ]]; then
  if port_open 127.0.0.1 27017; then
    say "mongodb: already running on 127.0.0.1:27017"
  else
    ensure_venv
    say "mongodb: starting secantusd-py on 127.0.0.1:27017 (in memory)"
    nohup "$venv/bin/secantusd-py" --host 127.0.0.1 --port 27017 --storage-path :memory: \
      --log-level WARNING >"$logs/mongo.log" 2>&1 &
    echo $! >"$state/mongo.pid"
    wait_port 127.0.0.1 27017 60 secantusd-py
  fi
fi
ensure_venv
"$venv/bin/python" - "$MONGO_URI" <<'PY' || fail "mongodb does not answer a ping at $MONGO_URI"
import sys
from pymongo import MongoClient
MongoClient(sys.argv[1], serverSelectionTimeoutMS=10000).admin.command("ping")
PY

# --- SMTP sink ----------------------------------------------------------------
SMTP_URL=${SMTP_URL:-smtp://127.0.0.1:8025}
# One fixed place, so that a sink started from another checkout is still read.
SMTP_MAILDIR=${SMTP_MAILDIR:-/tmp/actix-flask-ext/maildir}
# A Maildir needs its three folders; Python's mailbox makes them only for a
# folder that does not exist yet.
mkdir -p "$SMTP_MAILDIR"/{tmp,new,cur}
if [[ $SMTP_URL == smtp://127.0.0.1:8025 ]]; then
  if port_open 127.0.0.1 8025; then
    say "smtp: already running on 127.0.0.1:8025"
  else
    say "smtp: starting aiosmtpd on 127.0.0.1:8025, writing mail to $SMTP_MAILDIR"
    nohup "$venv/bin/aiosmtpd" -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox "$SMTP_MAILDIR" \
      >"$logs/smtp.log" 2>&1 &
    echo $! >"$state/smtp.pid"
    wait_port 127.0.0.1 8025 30 aiosmtpd
  fi
fi
host_port=${SMTP_URL#smtp://}
port_open "${host_port%:*}" "${host_port##*:}" || fail "smtp does not answer at $SMTP_URL"

# --- Browser ------------------------------------------------------------------
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
if [[ -x $CHROMIUM && -x $CHROMEDRIVER ]]; then
  say "browser: chromium and chromedriver present"
elif [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  say "browser: installing chromium and chromium-driver from Debian"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
    >"$logs/apt.log" 2>&1 || fail "apt-get install chromium chromium-driver failed, see $logs/apt.log"
else
  fail "chromium and chromedriver are missing: apt-get install chromium chromium-driver (as root)"
fi
"$CHROMEDRIVER" --version >/dev/null 2>&1 || fail "$CHROMEDRIVER does not run"

cat >"$state/env" <<EOF
export DATABASE_URL='$DATABASE_URL'
export MYSQL_URL='$MYSQL_URL'
export REDIS_URL='$REDIS_URL'
export MONGO_URI='$MONGO_URI'
export SMTP_URL='$SMTP_URL'
export SMTP_MAILDIR='$SMTP_MAILDIR'
export SERVICES_VENV='$venv'
export FLASK_USER_VENV='$flask_user_venv'
export CHROMIUM='$CHROMIUM'
export CHROMEDRIVER='$CHROMEDRIVER'
EOF
say "ready; URLs written to $state/env (passwords not shown):"
sed -E 's/^export /  /; s#(://[^:/@]*):[^@/]*@#\1:***@#' "$state/env"
