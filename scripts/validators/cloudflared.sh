#!/usr/bin/env bash
# Validate cloudflared configuration files (config.yml of a locally-managed tunnel) with
# yamllint and cloudflared-check.py, a strict reimplementation of cloudflared's own
# ingress validation (no cloudflared package exists in Debian; see the script's header
# for the source it follows).
# Usage: cloudflared.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 config.yml..." >&2; exit 2; }
require_tools cloudflared "yamllint python3" "$@" || exit 1
conf="${YAMLLINT_CONFIG:-$VALIDATE_DIR/yamllint.yaml}"

for f in "$@"; do
  if ! out=$(yamllint -c "$conf" -f parsable "$f" 2>&1); then
    fail cloudflared "$f" "$out"
  elif ! out=$(python3 "$VALIDATE_DIR/cloudflared-check.py" "$f" 2>&1); then
    fail cloudflared "$f" "$out"
  else
    pass cloudflared "$f" "ingress rules"
  fi
done
finish
