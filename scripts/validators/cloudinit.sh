#!/usr/bin/env bash
# Validate cloud-init files, by name:
#   network-config, *.network-config -> cloud-init parses it as network config v2 and
#       renders it for networkd (Debian) and netplan (Ubuntu); the netplan rendering (v2
#       passes through unchanged) must pass `netplan generate`, which rejects unknown keys
#   meta-data, *.meta-data -> a YAML mapping with a string instance-id (NoCloud seed)
#   anything else (user-data) -> `cloud-init schema -c FILE`, plus no unknown top-level
#       key (the packaged schema allows any), plus the files it writes (see `embedded`)
# cloud-init 22.4 (Debian 12) has no schema for network config (`--schema-type` came
# later), hence the rendering. Usage: cloudinit.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 user-data|network-config|meta-data..." >&2; exit 2; }
require_tools cloud-init "cloud-init netplan systemd-analyze" "$@" || exit 1
# cloud-init's own interpreter, which has its modules (a python3 earlier on PATH may not).
py=$(sed -n '1s/^#! *//p' "$(command -v cloud-init)")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Top-level keys of user data that no cloud-init module reads (typos pass the schema).
unknown_keys() { # unknown_keys FILE
  "$py" - "$1" <<'PY'
import sys, yaml
from cloudinit.config.schema import get_schema
schema = get_schema()
known = set()
for ref in schema.get("allOf", []):
    name = ref["$ref"].rsplit("/", 1)[-1]
    known |= set(schema["$defs"][name].get("properties", {}))
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
if not isinstance(doc, dict):
    sys.exit("not a mapping")
unknown = sorted(k for k in doc if k not in known)
if unknown:
    sys.exit("unknown top-level keys: " + ", ".join(map(str, unknown)))
PY
}

metadata() { # metadata FILE
  "$py" - "$1" <<'PY'
import sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
if not isinstance(doc, dict) or not isinstance(doc.get("instance-id"), str):
    sys.exit("meta-data needs a mapping with a string instance-id")
PY
}

# The files user data writes (write_files), each checked by its own validator: a
# compose.yaml and the .env beside it by compose.sh, a systemd unit by
# `systemd-analyze verify` in a scratch root that holds systemd's own units, stub
# docker.service and stub Compose commands (the unit's ExecStart must exist there), and
# that fails on any warning (an unknown key is only a warning to systemd).
embedded() { # embedded FILE
  local f=$1 out=$tmp/files root=$tmp/root unit msg status=0 compose=()
  rm -rf "$out" "$root"
  "$py" - "$f" "$out" <<'PY' || return 1
import os, sys, yaml
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
for entry in doc.get("write_files") or []:
    path = os.path.join(sys.argv[2], entry["path"].lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(entry.get("content", ""))
PY
  while IFS= read -r -d '' unit; do
    if [ ! -d "$root" ]; then
      mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/bin"
      cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
      printf '[Service]\nExecStart=/usr/bin/dockerd\n' >"$root/etc/systemd/system/docker.service"
      for tool in docker docker-compose dockerd; do
        printf '#!/bin/sh\n' >"$root/usr/bin/$tool" && chmod +x "$root/usr/bin/$tool"
      done
    fi
    cp "$unit" "$root/etc/systemd/system/"
    msg=$(systemd-analyze verify --man=no --root="$root" "$(basename "$unit")" 2>&1) || status=1
    if [ -n "$msg" ]; then echo "${unit#"$out"}: $msg"; status=1; fi
  done < <(find "$out" -name '*.service' -print0 2>/dev/null)
  while IFS= read -r -d '' unit; do compose+=("$unit"); done \
    < <(find "$out" \( -name compose.yaml -o -name .env \) -print0 2>/dev/null)
  if [ "${#compose[@]}" -gt 0 ]; then
    msg=$(bash "$(dirname "$0")/compose.sh" "${compose[@]}" 2>&1) || { echo "$msg"; status=1; }
  fi
  return "$status"
}

network_config() { # network_config FILE
  local f=$1 out=$tmp/case out_np msg
  rm -rf "$out"
  # net-convert reports what it read and wrote on success too: show it only on failure.
  msg=$(cloud-init devel net-convert -p "$f" -k yaml -D debian -O networkd -d "$out/networkd" 2>&1) || { echo "$msg"; return 1; }
  msg=$(cloud-init devel net-convert -p "$f" -k yaml -D ubuntu -O netplan -d "$out/netplan" 2>&1) || { echo "$msg"; return 1; }
  out_np=$(find "$out/netplan" -name '*.yaml' | head -n1)
  [ -n "$out_np" ] || { echo "cloud-init rendered no netplan file"; return 1; }
  mkdir -p "$out/root/etc/netplan"
  install -m 600 "$out_np" "$out/root/etc/netplan/50-cloud-init.yaml"
  netplan_generate "$out/root"
}

netplan_generate() { # netplan_generate ROOT ; fails on errors and on warnings
  local msg
  msg=$(netplan generate --root-dir "$1" 2>&1) || { echo "$msg"; return 1; }
  if [ -n "$msg" ]; then echo "$msg"; return 1; fi
}

for f in "$@"; do
  case "$(basename "$f")" in
    network-config | *.network-config)
      if out=$(network_config "$f" 2>&1); then pass cloud-init "$f" "network config v2"; else fail cloud-init "$f" "$out"; fi ;;
    meta-data | *.meta-data)
      if out=$(metadata "$f" 2>&1); then pass cloud-init "$f" "meta-data"; else fail cloud-init "$f" "$out"; fi ;;
    *)
      if ! out=$(cloud-init schema -c "$f" 2>&1); then
        # Drop the empty headings cloud-init prints before its errors.
        fail cloud-init "$f" "$(printf '%s\n' "$out" | sed -E '/^(Cloud config schema deprecations: *|Error:)$/d')"
      elif ! out=$(unknown_keys "$f" 2>&1); then
        fail cloud-init "$f" "$out"
      elif ! out=$(embedded "$f" 2>&1); then
        fail cloud-init "$f" "$out"
      else
        pass cloud-init "$f" "cloud-config"
      fi ;;
  esac
done
finish
