#!/usr/bin/env bash
# Installs secantusd-rs, the Rust MongoDB-wire server that the ext-mongo
# benchmark runs against (the Python one caps both sides at its own speed).
# Idempotent; takes about 7 minutes the first time. Needs cmake (installed
# from Debian when missing and run as root).
set -euo pipefail
if command -v secantusd-rs >/dev/null; then
  echo "secantusd-rs: already installed at $(command -v secantusd-rs)"
  exit 0
fi
if ! command -v cmake >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "secantusd-rs: installing cmake from Debian" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq cmake >/dev/null
  fi
  command -v cmake >/dev/null || { echo "cmake is missing: apt-get install -y cmake" >&2; exit 1; }
fi
echo "secantusd-rs: building secantus-mdb 0.5.3-beta.196 (about 7 minutes)" >&2
cargo install secantus-mdb --version 0.5.3-beta.196 --ignore-rust-version --locked 2>&1 | tail -n 3
