#!/usr/bin/env bash
# Validate Proxmox VE SectionConfig files (storage.cfg, ha/resources.cfg, ha/rules.cfg) and
# datacenter.cfg
# with pve-cfg.py: PVE::SectionConfig's format read strictly, every type, property and
# value checked against the pve-storage / pve-ha-manager facts cited in the script. No
# packaged parser exists outside a Proxmox node.
# Usage: pve-cfg.sh FILE...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 storage.cfg|ha/resources.cfg|ha/rules.cfg|datacenter.cfg..." >&2; exit 2; }
require_tools pve-cfg python3 "$@" || exit 1

for f in "$@"; do
  if out=$(python3 "$VALIDATE_DIR/pve-cfg.py" "$f" 2>&1); then
    pass pve-cfg "$f"
  else
    fail pve-cfg "$f" "$out"
  fi
done
finish
