#!/usr/bin/env bash
# Validate JSON files (infrac's model.json) with python3 -m json.tool, then once more
# with NaN/Infinity refused: json.tool accepts them, RFC 8259 does not.
# Usage: json.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE.json..." >&2; exit 2; }
require_tools json python3 "$@" || exit 1

for f in "$@"; do
  if out=$(python3 -m json.tool "$f" 2>&1 >/dev/null) &&
    out=$(python3 -c 'import json, sys
def no(c): raise ValueError(f"{c} is not JSON (RFC 8259)")
try: json.load(open(sys.argv[1], encoding="utf-8"), parse_constant=no)
except ValueError as e: sys.exit(str(e))' "$f" 2>&1); then
    pass json "$f"
  else
    fail json "$f" "$out"
  fi
done
finish
