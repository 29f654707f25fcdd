#!/usr/bin/env bash
# Rebuilds ext-user/data/common-passwords.txt: the passwords of eight
# characters or more among the 30,000 most common ones in zxcvbn's frequency
# list (MIT licence; from Xato's ten million leaked passwords), most common
# first. Shorter ones need no list: ext-user refuses passwords under eight
# characters anyway, so this covers ASVS 5.0's "top 3000" (6.2.4) and more.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" zxcvbn==4.5.0
(cd "$work" && python3 -m zipfile -e zxcvbn-4.5.0-py2.py3-none-any.whl .)
out=ext-user/data/common-passwords.txt
PYTHONPATH="$work" python3 - "$out" <<'PY'
import sys
from zxcvbn.frequency_lists import FREQUENCY_LISTS
words = [w for w in FREQUENCY_LISTS["passwords"][:30000] if len(w) >= 8]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("\n".join(words) + "\n")
PY
echo "wrote $(wc -l < "$out") passwords to $out"
