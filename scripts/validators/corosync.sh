#!/usr/bin/env bash
# Validate corosync.conf files with corosync's own configuration test, `corosync -t -c
# FILE` (Debian corosync 3.1: "-t : Test configuration and exit"), once per node of the
# file's nodelist, each time as that node: in a fresh user+network+mount namespace
# (`unshare -rnm`) whose loopback carries that node's ring addresses (corosync insists
# the local host is a node: "No valid name found for local host") and whose
# /etc/corosync holds a throw-away authkey (`secauth: on` needs one). The test parses
# the file and checks what corosync checks at start-up: node IDs, link numbers against
# the totem interfaces, the knet options, the quorum and QDevice sections.
# Usage: corosync.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 corosync.conf..." >&2; exit 2; }
require_tools corosync "corosync unshare ip" "$@" || exit 1
# corosync lives in /usr/sbin, which is not on every user's PATH.
corosync=$(command -v corosync)

# shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
script='
  keys=$(mktemp -d)
  head -c 256 /dev/urandom >"$keys/authkey"
  mount --bind "$keys" /etc/corosync || exit 3
  ip link set lo up || exit 3
  for a in "$@"; do ip addr add "$a" dev lo || exit 3; done
  exec "$COROSYNC" -t -c "$0"
'

for f in "$@"; do
  if [ ! -r "$f" ]; then
    fail corosync "$f" "cannot read the file"
    continue
  fi
  abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
  # One line per node: its ring addresses, separated by spaces.
  mapfile -t nodes < <(awk '
    { sub(/#.*/, "") }
    /^[ \t]*node[ \t]*\{/ { if (n != "") print n; n = " "; next }
    $1 ~ /^ring[0-9]+_addr:$/ && n != "" { n = n " " $2 }
    END { if (n != "") print n }
  ' "$f")
  if [ "${#nodes[@]}" -eq 0 ]; then
    fail corosync "$f" "no node with a ring address in the nodelist"
    continue
  fi
  failed=""
  for node in "${nodes[@]}"; do
    # shellcheck disable=SC2086 # one word per address
    set -- $node
    status=0
    out=$(COROSYNC=$corosync unshare -rnm sh -c "$script" "$abs" "$@" 2>&1) || status=$?
    if [ "$status" -ne 0 ]; then
      failed="as the node at $1, corosync -t (exit $status):
$out"
      break
    fi
  done
  if [ -n "$failed" ]; then
    fail corosync "$f" "$failed"
  else
    pass corosync "$f" "corosync $("$corosync" -v 2>&1 | sed -n 's/.*version .\([0-9.]*\).*/\1/p' | head -n1), ${#nodes[@]} nodes"
  fi
done
finish
