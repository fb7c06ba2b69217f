#!/usr/bin/env bash
# Validate netplan files: each is installed alone as DIR/etc/netplan/NAME with mode 600
# and `netplan generate --root-dir DIR` must succeed without a warning (unknown keys,
# deprecated settings and bad values are errors or warnings there).
# Usage: netplan.sh FILE.yaml...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE.yaml..." >&2; exit 2; }
require_tools netplan netplan "$@" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$@"; do
  root=$tmp/root
  rm -rf "$root"
  mkdir -p "$root/etc/netplan"
  install -m 600 "$f" "$root/etc/netplan/$(basename "$f")"
  if out=$(netplan generate --root-dir "$root" 2>&1) && [ -z "$out" ]; then
    pass netplan "$f"
  else
    fail netplan "$f" "$out"
  fi
done
finish
