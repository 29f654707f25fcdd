#!/usr/bin/env bash
# Drops the scratch databases (extorm_<pid>_<n>_<nanos>, made by
# tests::scratch) that test processes left behind when they died, on the
# PostgreSQL of $DATABASE_URL and the MariaDB of $MYSQL_URL (each optional).
# A database whose test process is still running — a concurrent run's — is
# left alone; names are matched exactly and quoted; URLs are never printed.
#
#   DATABASE_URL=... MYSQL_URL=... scripts/drop-leftover-databases.sh
set -euo pipefail

# leftover NAME: a scratch database whose process is gone.
leftover() {
  [[ $1 =~ ^extorm_([0-9]+)_[0-9]+_[0-9]+$ ]] || return 1
  ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null
}

dropped=0
if [[ -n ${DATABASE_URL:-} ]]; then
  for db in $(psql "$DATABASE_URL" -Atqc "select datname from pg_database where datname like 'extorm\_%'"); do
    leftover "$db" || continue
    psql "$DATABASE_URL" -qc "drop database if exists \"$db\" with (force)" >/dev/null && dropped=$((dropped + 1))
  done
fi
if [[ -n ${MYSQL_URL:-} ]]; then
  # mysql://user[:password]@host:port/db, as tests::services reads it
  rest=${MYSQL_URL#mysql://}
  credentials=${rest%%@*} address=${rest#*@}
  address=${address%%/*}
  user=${credentials%%:*} password=
  [[ $credentials == *:* ]] && password=${credentials#*:}
  mysql_args=(-u"$user" -h"${address%:*}" -P"${address##*:}" -N)
  for db in $(MYSQL_PWD=$password mariadb "${mysql_args[@]}" -e "show databases like 'extorm\_%'"); do
    leftover "$db" || continue
    MYSQL_PWD=$password mariadb "${mysql_args[@]}" -e "drop database if exists \`$db\`" >/dev/null && dropped=$((dropped + 1))
  done
fi
echo "drop-leftover-databases: dropped $dropped database(s) of test processes that are gone"
