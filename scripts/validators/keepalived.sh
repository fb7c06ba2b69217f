#!/usr/bin/env bash
# Validate keepalived configurations with keepalived's own configuration test,
# `keepalived -t -f FILE` (Debian keepalived 2.2.7: `-t, --config-test[=LOG_FILE]`),
# run in a fresh user+network namespace (`unshare -rn`) where a bridge stands in for
# every interface the file names (`interface X`, `dev X`), since the test rejects
# interfaces that do not exist. Any output fails the file as well as a non-zero exit:
# keepalived reports some problems (a missing file, an unknown script user) only as
# messages, and a configuration infrac generates has none.
# Usage: keepalived.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 keepalived.conf..." >&2; exit 2; }
require_tools keepalived "keepalived unshare ip" "$@" || exit 1
# keepalived lives in /usr/sbin, which is not on every user's PATH.
keepalived=$(command -v keepalived)

for f in "$@"; do
  if [ ! -r "$f" ]; then
    fail keepalived "$f" "cannot read the file"
    continue
  fi
  mapfile -t ifaces < <(awk '
    { sub(/[#!].*/, "") }
    $1 == "interface" && NF >= 2 { print $2 }
    { for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }
  ' "$f" | sort -u)
  # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
  script='for i in "$@"; do ip link add "$i" type bridge || exit 3; done; exec "$KEEPALIVED" -t -f "$0"'
  status=0
  out=$(KEEPALIVED=$keepalived unshare -rn sh -c "$script" "$f" "${ifaces[@]}" 2>&1) || status=$?
  if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    fail keepalived "$f" "keepalived -t (exit $status):" "$out"
  else
    pass keepalived "$f" "keepalived $("$keepalived" --version 2>&1 | head -n1 | cut -d' ' -f2)"
  fi
done
finish
