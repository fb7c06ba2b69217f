#!/usr/bin/env bash
# Validate Caddyfiles with Caddy itself (Debian's `caddy` package): the file must be in
# `caddy fmt` form, then `caddy validate --adapter caddyfile --config FILE` adapts it to
# Caddy's JSON config and provisions every module (sites, TLS policies, reverse proxies)
# without starting a server. A site's certificate files (`tls CERT KEY`) come from the
# secret store on the machine, so a path missing here is replaced, in a scratch copy
# only, by a throwaway self-signed pair: Caddy then loads real PEM files at that place.
# Caddy's own state (the internal CA, ACME accounts) goes to a scratch directory.
# Usage: caddy.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 Caddyfile..." >&2; exit 2; }
require_tools caddy "caddy openssl" "$@" || exit 1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=infrac-validate \
  -keyout "$scratch/key.pem" -out "$scratch/cert.pem" >/dev/null 2>&1

n=0
for f in "$@"; do
  n=$((n + 1))
  if ! diff_out=$(caddy fmt "$f" 2>&1 | diff -u "$f" - 2>&1); then
    fail caddy "$f" "not in \`caddy fmt\` form:" "$diff_out"
    continue
  fi
  copy="$scratch/Caddyfile.$n"
  cp "$f" "$copy"
  # `tls CERT KEY` whose files do not exist here: point them at the throwaway pair.
  while read -r cert key; do
    [ -e "$cert" ] || sed -i "s#^\([[:space:]]*tls\) $cert $key\$#\1 $scratch/cert.pem $scratch/key.pem#" "$copy"
  done < <(sed -n 's/^[[:space:]]*tls \(\/[^ ]*\) \(\/[^ ]*\)$/\1 \2/p' "$f")
  if out=$(caddy validate --adapter caddyfile --config "$copy" 2>&1); then
    pass caddy "$f" "caddy $(caddy version | cut -d' ' -f1)"
  else
    fail caddy "$f" "$(grep -v '"level":"info"' <<<"$out")"
  fi
done
finish
