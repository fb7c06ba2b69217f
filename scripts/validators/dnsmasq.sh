#!/usr/bin/env bash
# Validate dnsmasq configuration files with `dnsmasq --test --conf-file=FILE`: dnsmasq
# parses every option (dhcp-range, dhcp-host, domain, local, host-record, …) and exits
# without binding a socket. The OpenWrt target's tests write here what OpenWrt's
# dnsmasq init script makes of each generated /etc/config/dhcp.
# Usage: dnsmasq.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE.conf..." >&2; exit 2; }
PATH="$PATH:/usr/sbin:/sbin"
require_tools dnsmasq dnsmasq "$@" || exit 1

for f in "$@"; do
  # --conf-file alone: the system's /etc/dnsmasq.conf must not take part.
  if out=$(dnsmasq --test --conf-file="$f" 2>&1) && grep -q 'syntax check OK' <<<"$out"; then
    pass dnsmasq "$f"
  else
    fail dnsmasq "$f" "$out"
  fi
done
finish
