#!/usr/bin/env python3
"""Strictly read a Proxmox VE SectionConfig file: storage.cfg, ha/resources.cfg or ha/rules.cfg.

No packaged tool parses these outside a Proxmox node, so this reads them the way
PVE::SectionConfig does and rejects anything it would not accept (or would only by accident).

Sources of the facts (the same ones the Rust readers in
targets/infrac-target-proxmox/tests/storage_cfg.rs and ha_cfg.rs cite):
- proxmox/pve-common src/PVE/SectionConfig.pm: a section is `TYPE: ID`
  (parse_section_header, ^(\\S+):\\s*(\\S+)\\s*$), then indented `KEY VALUE` lines; a
  blank line ends it; `#` lines are comments; a key may appear once.
- proxmox/pve-storage at commit 0c56bad8, src/PVE/Storage/Plugin.pm and *Plugin.pm:
  storage IDs ^[a-z][a-z0-9\\-\\_\\.]*[a-z0-9]$ (parse_storage_id, case-insensitive);
  each type's `options` (fixed ones required) and `plugindata.content` (STORAGE below).
- proxmox/pve-ha-manager at commit b71218f2 (PVE 9): resources.cfg types vm/ct with a
  numeric ID >= 100 and PVE/HA/Resources/PVEVM.pm's options, `state` one of
  started stopped enabled disabled ignored; rules.cfg (src/PVE/HA/Rules/*.pm) types
  node-affinity (resources, nodes required; strict, disable, comment) and
  resource-affinity (resources, affinity required, positive|negative; disable, comment),
  and since commit 067bb678 (Rules/NodeAffinity.pm) node-affinity also takes an optional
  `affinity` whose only value is positive; `nodes` is a pve-ha-node-list (node[:priority]),
  rule IDs pve-configid ^[a-z][a-z0-9_]+$ (case-insensitive), resources vm:ID/ct:ID lists.
- proxmox/pve-cluster at commit 7091d92e, src/PVE/DataCenterConfig.pm: datacenter.cfg is
  PVE::JSONSchema::parse_config's `KEY: VALUE` lines (`#` lines are the datacenter's
  notes); `migration` is a property string of `type` (secure|insecure, the default key)
  and `network` (a CIDR). Only the keys infrac writes are accepted.
Usage: pve-cfg.py FILE  (the kind is chosen by file name)
"""
import re
import sys

DIR_CONTENT = ["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"]
FILE_OPTS = ["content-dirs", "nodes", "disable", "prune-backups", "max-protected-backups",
             "content", "format", "mkdir", "create-base-path", "create-subdirs", "bwlimit",
             "preallocation"]
# type: (required, optional, content types)
STORAGE = {
    "dir": (["path"], FILE_OPTS + ["shared", "is_mountpoint"], DIR_CONTENT + ["none"]),
    "lvm": (["vgname"], ["nodes", "shared", "disable", "saferemove", "content", "base",
                         "tagged_only", "bwlimit"], ["images", "rootdir"]),
    "lvmthin": (["thinpool", "vgname"], ["nodes", "disable", "content", "bwlimit"],
                ["images", "rootdir"]),
    "zfspool": (["pool"], ["blocksize", "sparse", "nodes", "disable", "content", "bwlimit",
                           "mountpoint"], ["images", "rootdir"]),
    "nfs": (["path", "server", "export"], FILE_OPTS + ["options"], DIR_CONTENT),
    "cifs": (["path", "server", "share"], FILE_OPTS + ["subdir", "username", "password",
                                                       "domain", "smbversion", "options"],
             DIR_CONTENT),
    "rbd": ([], ["nodes", "disable", "monhost", "pool", "data-pool", "namespace", "username",
                 "content", "krbd", "keyring", "bwlimit"], ["images", "rootdir"]),
    "cephfs": (["path"], ["content-dirs", "monhost", "nodes", "subdir", "disable", "options",
                          "username", "content", "format", "mkdir", "create-base-path",
                          "create-subdirs", "fuse", "bwlimit", "keyring", "prune-backups",
                          "max-protected-backups", "fs-name"],
               ["vztmpl", "iso", "backup", "snippets", "import"]),
}
HA_RES_OPTS = ["state", "group", "comment", "failback", "max_restart", "max_relocate"]
RESOURCES = {"vm": ([], HA_RES_OPTS), "ct": ([], HA_RES_OPTS)}
RULES = {
    "node-affinity": (["resources", "nodes"], ["affinity", "strict", "disable", "comment"]),
    "resource-affinity": (["resources", "affinity"], ["disable", "comment"]),
}
STORAGE_ID = re.compile(r"^[a-z][a-z0-9\-_.]*[a-z0-9]$", re.I)
CONFIG_ID = re.compile(r"^[a-z][a-z0-9_]+$", re.I)
NODE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", re.I)
SID = re.compile(r"^(vm|ct):([0-9]+)$")
BOOLS = {"shared", "disable", "krbd", "sparse", "fuse", "strict", "saferemove", "tagged_only",
         "mkdir", "create-base-path", "create-subdirs", "is_mountpoint"}


def check_value(kind, ty, key, value):
    if key in BOOLS and value not in ("0", "1"):
        return f"`{key}` is a boolean (0 or 1), not {value!r}"
    if kind == "storage":
        if key == "content":
            bad = [c for c in value.split(",") if c not in STORAGE[ty][2]]
            if bad or not value:
                return f"type {ty} holds no content {bad[0] if bad else value!r}"
        if key in ("path", "export") and not value.startswith("/"):
            return f"`{key}` must be an absolute path: {value!r}"
    if key == "nodes":
        for n in value.split(","):
            name = n.split(":", 1)[0] if kind == "rules" else n
            prio = n.split(":", 1)[1] if kind == "rules" and ":" in n else "0"
            if not NODE.match(name) or not prio.isdigit():
                return f"bad node list {value!r}"
    if key == "resources":
        for s in value.split(","):
            m = SID.match(s)
            if not m or int(m.group(2)) < 100:
                return f"bad resource {s!r} (vm:ID or ct:ID, ID >= 100)"
    if key == "state" and value not in ("started", "stopped", "enabled", "disabled", "ignored"):
        return f"bad state {value!r}"
    if key == "affinity" and value not in (("positive",) if ty == "node-affinity"
                                           else ("positive", "negative")):
        return f"{ty} affinity cannot be {value!r}"
    if key in ("max_restart", "max_relocate") and not value.isdigit():
        return f"`{key}` is an integer, not {value!r}"
    return None


def read(path, kind):
    types = {"storage": STORAGE, "resources": RESOURCES, "rules": RULES}[kind]
    errors, seen, cur, sections = [], set(), None, []
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    for n, line in enumerate(lines, 1):
        if line.strip() == "":
            cur = None
            continue
        if line.startswith("#"):
            continue
        if line[0] in " \t":
            if cur is None:
                errors.append(f"line {n}: property outside a section")
                continue
            ty, props = cur
            m = re.match(r"^\s+(\S+)\s+(\S.*?)\s*$", line)
            if not m:
                errors.append(f"line {n}: property without a value: {line!r}")
                continue
            key, value = m.groups()
            req, opt = types[ty][0], types[ty][1]
            if key not in req and key not in opt:
                errors.append(f"line {n}: type {ty} takes no property `{key}`")
                continue
            if key in props:
                errors.append(f"line {n}: `{key}` set twice")
            props[key] = value
            err = check_value(kind, ty, key, value)
            if err:
                errors.append(f"line {n}: {err}")
            continue
        m = re.match(r"^(\S+):\s*(\S+)\s*$", line)
        if not m:
            errors.append(f"line {n}: not a section header `TYPE: ID`: {line!r}")
            cur = None
            continue
        ty, sid = m.groups()
        if ty not in types:
            errors.append(f"line {n}: unknown type `{ty}` (known: {', '.join(types)})")
            cur = None
            continue
        if kind == "storage" and not STORAGE_ID.match(sid):
            errors.append(f"line {n}: bad storage ID {sid!r}")
        if kind == "resources" and not (sid.isdigit() and int(sid) >= 100):
            errors.append(f"line {n}: bad {ty} ID {sid!r} (a number >= 100)")
        if kind == "rules" and not CONFIG_ID.match(sid):
            errors.append(f"line {n}: bad rule ID {sid!r}")
        key = sid if kind != "resources" else f"{ty}:{sid}"
        if key in seen:
            errors.append(f"line {n}: {sid} defined twice")
        seen.add(key)
        cur = (ty, {})
        sections.append((n, ty, cur[1]))
    for n, ty, props in sections:
        errors += [f"line {n}: {ty} needs `{r}`" for r in types[ty][0] if r not in props]
    if not sections and not errors:
        errors.append("no sections")
    return errors


def read_datacenter(path):
    import ipaddress
    errors, seen = [], set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-z][a-z0-9_-]*):\s*(\S.*)$", line)
        if not m:
            errors.append(f"line {n}: not `key: value`: {line!r}")
            continue
        key, value = m.groups()
        if key in seen:
            errors.append(f"line {n}: `{key}` twice")
        seen.add(key)
        if key != "migration":
            errors.append(f"line {n}: unexpected key `{key}`")
            continue
        parts, props = value.split(","), {}
        for i, part in enumerate(parts):
            k, eq, v = part.partition("=")
            if not eq:
                if i != 0:
                    errors.append(f"line {n}: `{part}` without a key after the first")
                    continue
                k, v = "type", part
            if k in props:
                errors.append(f"line {n}: migration `{k}` twice")
            props[k] = v
        for k, v in props.items():
            if k == "type" and v not in ("secure", "insecure"):
                errors.append(f"line {n}: migration type `{v}` is not secure or insecure")
            elif k == "network":
                try:
                    if "/" not in v:
                        raise ValueError("no prefix length")
                    ipaddress.ip_network(v, strict=False)
                except ValueError as e:
                    errors.append(f"line {n}: migration network `{v}` is not a CIDR ({e})")
            elif k not in ("type", "network"):
                errors.append(f"line {n}: unknown migration property `{k}`")
    if not seen:
        errors.append("no settings")
    return errors


def main():
    if len(sys.argv) != 2:
        print("usage: pve-cfg.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    if path.endswith("storage.cfg"):
        kind = "storage"
    elif path.endswith("ha/resources.cfg"):
        kind = "resources"
    elif path.endswith("ha/rules.cfg"):
        kind = "rules"
    elif path.endswith("datacenter.cfg"):
        errors = read_datacenter(path)
        for e in errors:
            print(f"{path}: {e}")
        return 1 if errors else 0
    else:
        print(f"{path}: not storage.cfg, ha/resources.cfg or ha/rules.cfg", file=sys.stderr)
        return 2
    errors = read(path, kind)
    for e in errors:
        print(f"{path}: {e}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
