#!/usr/bin/env bash
# Validate wg-quick configurations in two steps:
#   1. `wg-quick strip` parses the file as wg-quick does and removes its own keys
#      (Address, PostUp, ...); it fails on a malformed wg-quick file;
#   2. what remains is what wg-quick hands to `wg setconf`, checked against the keys
#      and value syntax that wg's config parser accepts (wireguard-tools src/config.c):
#      [Interface] PrivateKey ListenPort FwMark; [Peer] PublicKey PresharedKey
#      AllowedIPs Endpoint PersistentKeepalive. (`wg setconf` itself needs a kernel
#      WireGuard device, which a test sandbox may not have.)
# Usage: wireguard.sh FILE.conf...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 wg.conf..." >&2; exit 2; }
require_tools wireguard "wg-quick wg" "$@" || exit 1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for f in "$@"; do
  # wg-quick takes the interface name from the file name and insists on its rules.
  cp "$f" "$scratch/$(basename "$f")"
  if ! out=$(wg-quick strip "$scratch/$(basename "$f")" 2>&1); then
    fail wireguard "$f" "$out"
    continue
  fi
  if bad=$(printf '%s\n' "$out" | python3 "$VALIDATE_DIR/wg-setconf-check.py"); then
    pass wireguard "$f"
  else
    fail wireguard "$f" "$bad"
  fi
done
finish
