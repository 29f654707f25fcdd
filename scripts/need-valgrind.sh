# Sourced by the *-instructions.sh scripts: installs valgrind from Debian
# when it is missing and this runs as root, else stops with how to get it.
if ! command -v valgrind >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && apt-get install -y -qq valgrind >/dev/null
  fi
  command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
fi
