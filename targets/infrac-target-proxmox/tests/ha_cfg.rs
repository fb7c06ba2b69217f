//! A strict reader of `/etc/pve/ha/resources.cfg` and `/etc/pve/ha/rules.cfg`, applied to
//! every HA file the target writes for the Proxmox fixtures and the cluster example.
//!
//! The facts, from proxmox/pve-ha-manager at commit b71218f2: both files are
//! PVE::SectionConfig (`TYPE: ID` headers matched by `^(\S+):\s*(\S+)\s*$`, tab-indented
//! `KEY VALUE` properties); resources are `vm` or `ct` with a numeric ID and the options
//! of `PVE/HA/Resources/PVEVM.pm` (`state`, `group`, `comment`, `failback`,
//! `max_restart`, `max_relocate`), `state` one of `started stopped enabled disabled
//! ignored`; rules are `node-affinity` (`resources`, `nodes` required; `strict`,
//! `disable`, `comment`) or `resource-affinity` (`resources`, `affinity` required,
//! `affinity` `positive` or `negative`; `disable`, `comment`), their IDs `pve-configid`s
//! (`^[a-z][a-z0-9_]+$`, case-insensitive), resources `vm:ID`/`ct:ID` lists.

mod common;

use common::{analyse, emit};
use std::collections::BTreeMap;

/// (type, required, optional).
type SectionType = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

const RESOURCE_TYPES: &[SectionType] = &[
    (
        "vm",
        &[],
        &[
            "state",
            "group",
            "comment",
            "failback",
            "max_restart",
            "max_relocate",
        ],
    ),
    (
        "ct",
        &[],
        &[
            "state",
            "group",
            "comment",
            "failback",
            "max_restart",
            "max_relocate",
        ],
    ),
];
const RULE_TYPES: &[SectionType] = &[
    (
        "node-affinity",
        &["resources", "nodes"],
        &["strict", "disable", "comment"],
    ),
    (
        "resource-affinity",
        &["resources", "affinity"],
        &["disable", "comment"],
    ),
];

fn config_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn sid(s: &str) -> bool {
    matches!(s.split_once(':'), Some(("vm" | "ct", id)) if id.parse::<u32>().is_ok_and(|n| n >= 100))
}

/// Reads a SectionConfig file of the given types strictly.
fn read(
    text: &str,
    types: &[SectionType],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, String> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<(String, &SectionType)> = None;
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        if line.trim().is_empty() {
            current = None;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some(body) = line.strip_prefix('\t') {
            let (key, ty) = current
                .as_ref()
                .ok_or(format!("line {n}: property outside a section"))?;
            let (name, value) = body.split_once(' ').ok_or(format!("line {n}: no value"))?;
            if !ty.1.contains(&name) && !ty.2.contains(&name) {
                return Err(format!("line {n}: {} takes no `{name}`", ty.0));
            }
            let ok = match name {
                "state" => {
                    ["started", "stopped", "enabled", "disabled", "ignored"].contains(&value)
                }
                "resources" => value.split(',').all(sid),
                "affinity" => value == "positive" || value == "negative",
                "strict" | "disable" => value == "0" || value == "1",
                "nodes" => value.split(',').all(|n| {
                    !n.is_empty()
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
                }),
                _ => true,
            };
            if !ok {
                return Err(format!("line {n}: bad value for `{name}`: {value:?}"));
            }
            out.entry(key.clone())
                .or_default()
                .insert(name.to_string(), value.to_string());
            continue;
        }
        let (kind, id) = line
            .split_once(": ")
            .ok_or(format!("line {n}: not a header"))?;
        let ty = types
            .iter()
            .find(|t| t.0 == kind)
            .ok_or(format!("line {n}: unknown type {kind}"))?;
        let valid = if types == RESOURCE_TYPES {
            id.parse::<u32>().is_ok_and(|n| n >= 100)
        } else {
            config_id(id)
        };
        if !valid {
            return Err(format!("line {n}: bad ID {id:?}"));
        }
        let key = format!("{kind}:{id}");
        if out.insert(key.clone(), BTreeMap::new()).is_some() {
            return Err(format!("line {n}: {key} twice"));
        }
        current = Some((key, ty));
    }
    for (key, props) in &out {
        let kind = key.split(':').next().unwrap_or_default();
        if let Some(ty) = types.iter().find(|t| t.0 == kind) {
            if let Some(missing) = ty.1.iter().find(|k| !props.contains_key(**k)) {
                return Err(format!("{key} lacks `{missing}`"));
            }
        }
    }
    Ok(out)
}

#[test]
fn every_ha_file_reads_strictly() {
    let mut files = 0;
    for lab in [
        "tests/fixtures/build/proxmox-storage.infra",
        "examples/pve-cluster.infra",
    ] {
        for artifact in emit(&analyse(lab)) {
            let path = artifact.path.display().to_string();
            let types = if path.ends_with("ha/resources.cfg") {
                RESOURCE_TYPES
            } else if path.ends_with("ha/rules.cfg") {
                RULE_TYPES
            } else {
                continue;
            };
            files += 1;
            let read =
                read(&artifact.contents, types).unwrap_or_else(|e| panic!("{lab} {path}: {e}"));
            assert!(!read.is_empty(), "{lab} {path} is empty");
        }
    }
    assert_eq!(files, 4);
}

#[test]
fn the_reader_rejects_what_the_ha_manager_rejects() {
    assert!(read("vm: 201\n\tstate started\n", RESOURCE_TYPES).is_ok());
    for bad in [
        "vm: 201\n\tstate running\n",
        "vm: web\n\tstate started\n",
        "lxc: 201\n\tstate started\n",
        "vm: 201\n\tnodes pve1\n",
    ] {
        assert!(read(bad, RESOURCE_TYPES).is_err(), "accepted {bad:?}");
    }
    assert!(read(
        "resource-affinity: k3s_apart\n\tresources vm:201,vm:202\n\taffinity negative\n",
        RULE_TYPES
    )
    .is_ok());
    for bad in [
        "resource-affinity: k3s-apart\n\tresources vm:201\n\taffinity negative\n",
        "resource-affinity: k3s\n\tresources vm:201\n",
        "resource-affinity: k3s\n\tresources vm:201\n\taffinity apart\n",
        "node-affinity: web\n\tresources vm:201\n",
        "node-affinity: web\n\tresources web\n\tnodes pve1\n",
        "group: web\n\tnodes pve1\n",
    ] {
        assert!(read(bad, RULE_TYPES).is_err(), "accepted {bad:?}");
    }
}
