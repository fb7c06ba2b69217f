#!/usr/bin/env bash
# Validate /etc/network/interfaces files (a Proxmox node's) with ifupdown2, the network
# manager of Proxmox VE: `ifup --syntax-check -a -i FILE` (Debian ifupdown2 3.0: "-s,
# --syntax-check  Only run the interfaces file parser"), which rejects malformed stanzas,
# unknown address methods and values outside an attribute's valid set. Run in a fresh
# user+network+mount namespace with its own /run/network, so it neither takes ifupdown2's
# lock nor sees the host's interfaces. Any output fails the file: ifupdown2 reports
# invalid values as warnings, and a file infrac generates has none. ifupdown2 passes
# attributes no module knows through silently, so every attribute of the file is also
# looked up in the modules' syntax (`ifquery --syntax-help`); an unknown one fails it.
# Usage: ifupdown2.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 interfaces..." >&2; exit 2; }
require_tools ifupdown2 "unshare" "$@" || exit 1
for tool in ifup ifquery; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    for f in "$@"; do fail ifupdown2 "$f" "validator '$tool' not found; run $VALIDATE_DIR/install.sh"; done
    exit 1
  fi
done
ifup=$(command -v ifup || echo /usr/sbin/ifup)
ifquery=$(command -v ifquery || echo /usr/sbin/ifquery)

# The attributes some module of ifupdown2 supports, plus the stanza keywords.
known=$(mktemp)
trap 'rm -f "$known"' EXIT
"$ifquery" --syntax-help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9-]*\)[[:space:]]*$/\1/p' | sort -u >"$known"
if [ ! -s "$known" ]; then
  for f in "$@"; do fail ifupdown2 "$f" "ifquery --syntax-help listed no attributes"; done
  exit 1
fi

# shellcheck disable=SC2016 # $1 belongs to the inner shell
script='mkdir -p /run/network && mount -t tmpfs none /run/network && exec "$IFUP" --syntax-check -a -i "$1"'

for f in "$@"; do
  if [ ! -r "$f" ]; then
    fail ifupdown2 "$f" "cannot read the file"
    continue
  fi
  # ifupdown2's netlink listener thread can race the main thread's closing of the socket
  # at exit and log `recv() error: [Errno 22] Invalid argument` (about one run in thirty
  # here): a fault of the run, not a verdict on the file, so such a run is repeated, at
  # most three times; any other output stands.
  for attempt in 1 2 3; do
    status=0
    out=$(IFUP=$ifup unshare -rnm sh -c "$script" sh "$f" 2>&1) || status=$?
    if [ "$attempt" -eq 3 ] || ! printf '%s\n' "$out" | grep -q '^error: recv() error: ' \
      || printf '%s\n' "$out" | grep -v '^error: recv() error: ' | grep -q .; then
      break
    fi
  done
  # Proxmox writes `bridge-ports none` for a bridge without ports (its own ifupdown2
  # build and its network GUI use it); Debian's ifupdown2 only warns that `none` is not
  # an interface list, so that one warning is not a failure.
  out=$(printf '%s\n' "$out" | grep -v '^warning: [^:]*: bridge-ports: invalid value "none": ' || true)
  if [ "$status" -eq 1 ] && [ -z "$out" ]; then
    status=0
  fi
  if [ "$status" -ne 0 ] || [ -n "$out" ]; then
    fail ifupdown2 "$f" "ifup --syntax-check (exit $status):" "$out"
    continue
  fi
  unknown=$(awk '
    { sub(/#.*/, "") }
    NF == 0 { next }
    $1 ~ /^(auto|iface|allow-[a-z]+|source|source-directory|mapping|allow-auto|allow-hotplug)$/ { inside = ($1 == "iface"); next }
    inside { print $1 }
  ' "$f" | sort -u | comm -23 - "$known")
  if [ -n "$unknown" ]; then
    fail ifupdown2 "$f" "attributes no ifupdown2 module supports:" "$unknown"
  else
    pass ifupdown2 "$f" "ifupdown2 $("$ifquery" --version 2>&1 | head -n1 | awk '{ print $NF }')"
  fi
done
finish
