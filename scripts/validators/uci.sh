#!/usr/bin/env bash
# Validate OpenWrt UCI files (/etc/config/network, dhcp, firewall) with uci-check.py:
# libuci's quoting rules read strictly (anything libuci accepts only by accident is
# rejected), then every section type and option name checked against uci-schema.txt for
# the file's name. No packaged UCI parser exists outside OpenWrt; the schema cites the
# netifd, dnsmasq.init and fw4 sources it was taken from.
# Usage: uci.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 etc/config/FILE..." >&2; exit 2; }
require_tools uci python3 "$@" || exit 1

for f in "$@"; do
  if out=$(python3 "$VALIDATE_DIR/uci-check.py" "$f" 2>&1); then
    pass uci "$f"
  else
    fail uci "$f" "$out"
  fi
done
finish
