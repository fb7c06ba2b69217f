//! Storage pools as Proxmox's `storage.cfg` sees them: one storage ID per cluster (or
//! per shared pool of a site), content types the plugin supports and guests need, and the
//! settings each plugin requires.
//!
//! - E0506: one storage ID declared with different kinds, or a shared pool whose
//!   declarations disagree (size, server, export, path).
//! - E0507: a guest disk on a pool without the content type its guest needs (`images`
//!   for a VM, `rootdir` for a container): a VM disk on CephFS, for one.
//! - E0508: a content type the pool's kind does not hold, or a pool name Proxmox does not
//!   accept as a storage ID.
//! - E0509: a pool without a setting `storage.cfg` needs (a `dir` pool's `path`, an NFS
//!   pool's export, a CIFS pool's share), or with one its kind does not take.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::pve::pve_cluster_of;
use infrac_model::storage::{valid_storage_id, Content};
use infrac_model::{GuestKind, Machine, Model, StorageKind, StoragePool};
use std::collections::HashMap;

/// Runs the storage checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Most machines of a large lab are guests, with no pools: skip them before asking
    // whether they are hypervisors.
    let with_pools = model.machines().filter(|(_, m)| !m.storage.is_empty());
    let mut earlier = Declarations::default();
    for (id, machine) in with_pools.filter(|(_, m)| m.platform.is_hypervisor()) {
        let node = Node {
            machine,
            cluster: pve_cluster_of(model, id).map(|(i, _)| i),
        };
        for pool in &machine.storage {
            settings(machine, pool, &mut out);
            if let Some((other, first)) = earlier.first(&node, pool) {
                agreement(model, (other, first), (machine, pool), &mut out);
            }
        }
        earlier.add(node);
    }
    // The content types of every pool, by machine and pool: a large lab has a disk per
    // guest but few pools.
    let contents: Vec<Vec<Vec<Content>>> = model
        .machines
        .iter()
        .map(|m| match m.storage.as_slice() {
            [] => Vec::new(),
            pools => pools.iter().map(StoragePool::content).collect(),
        })
        .collect();
    for (_, machine, guest) in model.guests() {
        let host = model.machine(guest.host);
        for disk in &guest.disks {
            let Some(index) = host.pool_position(&disk.pool.value) else {
                continue;
            };
            let pool = &host.storage[index];
            let needed = match guest.kind {
                GuestKind::Vm => Content::Images,
                GuestKind::Lxc => Content::Rootdir,
            };
            if contents[guest.host.index()][index].contains(&needed) {
                continue;
            }
            let can = pool.kind.supported_content().contains(&needed);
            let what = match guest.kind {
                GuestKind::Vm => "VM disks",
                GuestKind::Lxc => "container volumes",
            };
            out.push(
                Diagnostic::error(
                    Code::STORAGE_CONTENT_GUEST,
                    format!(
                        "{} `{}` keeps a disk on pool `{}`, which holds no {what}",
                        machine.noun(),
                        machine.name,
                        pool.name
                    ),
                    disk.pool.span,
                    format!("needs content type `{}`", needed.as_str()),
                )
                .with_label(
                    pool.span,
                    format!(
                        "{} pool, content {}",
                        pool.kind.storage_type(),
                        pool.content()
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                )
                .with_help(if can {
                    format!(
                        "add `{}` to the pool's `content` on `{}`",
                        needed.as_str(),
                        host.name
                    )
                } else {
                    let others: Vec<&str> = host
                        .storage
                        .iter()
                        .filter(|p| p.content().contains(&needed))
                        .map(|p| p.name.as_str())
                        .collect();
                    match others.first() {
                        Some(other) => format!(
                            "a {} pool cannot hold {what}; put the disk on `{other}`",
                            pool.kind.storage_type()
                        ),
                        None => format!(
                            "a {} pool cannot hold {what}; declare an rbd, lvmthin or zfs pool \
                             for them",
                            pool.kind.storage_type()
                        ),
                    }
                }),
            );
        }
    }
    out
}

/// A hypervisor with pools, and its Proxmox cluster.
struct Node<'m> {
    machine: &'m Machine,
    cluster: Option<usize>,
}

/// The hypervisors met so far, in model order, and for each storage ID the ones that
/// declare it: a pool is compared with the earlier declarations of its own ID only, not
/// with every earlier host.
#[derive(Default)]
struct Declarations<'m> {
    nodes: Vec<Node<'m>>,
    by_name: HashMap<&'m str, Vec<usize>>,
}

impl<'m> Declarations<'m> {
    fn add(&mut self, node: Node<'m>) {
        let index = self.nodes.len();
        for pool in &node.machine.storage {
            let holders = self.by_name.entry(pool.name.as_str()).or_default();
            if holders.last() != Some(&index) {
                holders.push(index);
            }
        }
        self.nodes.push(node);
    }

    /// The earlier declaration of the same storage ID that this one must agree with: on
    /// another node of the same cluster, or, for a shared pool, on another host of the
    /// site. Each holder's first pool of the name, as `Machine::pool` finds it.
    fn first(&self, node: &Node, pool: &StoragePool) -> Option<(&'m Machine, &'m StoragePool)> {
        // A local pool outside a cluster agrees with nothing: every host's is its own.
        if node.cluster.is_none() && !pool.shared {
            return None;
        }
        let site = node.machine.site;
        self.by_name
            .get(pool.name.as_str())?
            .iter()
            .map(|&i| &self.nodes[i])
            .filter(|other| {
                let same_cluster = node.cluster.is_some() && other.cluster == node.cluster;
                same_cluster || (other.machine.site == site && pool.shared)
            })
            .find_map(|other| other.machine.pool(&pool.name).map(|p| (other.machine, p)))
    }
}

/// Whether a network pool names no server (E0509): what it mounts is unknown, so it is
/// not compared with its namesakes on other nodes either.
fn lacks_server(pool: &StoragePool) -> bool {
    match pool.kind {
        StorageKind::Nfs => pool.export.is_none() && pool.server.is_none(),
        StorageKind::Cifs => pool.server.is_none(),
        _ => false,
    }
}

/// E0506: the second declaration of a storage ID against the first.
fn agreement(
    model: &Model,
    (first_host, first): (&Machine, &StoragePool),
    (host, pool): (&Machine, &StoragePool),
    out: &mut Vec<Diagnostic>,
) {
    if lacks_server(first) || lacks_server(pool) {
        return;
    }
    let export = |p: &StoragePool| {
        p.export
            .as_ref()
            .map(|e| format!("{} on {}", e.export, model.machine(e.machine).name))
    };
    let mut differences: Vec<(String, String, String)> = Vec::new();
    if first.kind != pool.kind {
        differences.push((
            "kind".into(),
            first.kind.storage_type().into(),
            pool.kind.storage_type().into(),
        ));
    } else if pool.shared || first.shared {
        if first.size.value != pool.size.value {
            differences.push((
                "size".into(),
                first.size.value.to_string(),
                pool.size.value.to_string(),
            ));
        }
        if first.server != pool.server {
            let show = |s: Option<std::net::IpAddr>| s.map_or("none".into(), |s| s.to_string());
            differences.push(("server".into(), show(first.server), show(pool.server)));
        }
        if export(first) != export(pool) {
            differences.push((
                "export".into(),
                export(first).unwrap_or_else(|| "none".into()),
                export(pool).unwrap_or_else(|| "none".into()),
            ));
        }
        if first.proxmox.path != pool.proxmox.path {
            differences.push((
                "path".into(),
                first.proxmox.path.clone().unwrap_or_else(|| "none".into()),
                pool.proxmox.path.clone().unwrap_or_else(|| "none".into()),
            ));
        }
    }
    let Some((what, theirs, ours)) = differences.first() else {
        return;
    };
    let message = if what == "kind" {
        format!(
            "storage `{}` is a {ours} pool on `{}` but a {theirs} pool on `{}`",
            pool.name, host.name, first_host.name
        )
    } else {
        format!(
            "shared pool `{}` has {what} {ours} on `{}` but {theirs} on `{}`",
            pool.name, host.name, first_host.name
        )
    };
    out.push(
        Diagnostic::error(
            Code::STORAGE_DISAGREE,
            message,
            pool.span,
            format!("{what} {ours}"),
        )
        .with_label(
            first.span,
            format!("{what} {theirs} on `{}`", first_host.name),
        )
        .with_note(
            "Proxmox keeps one entry per storage ID in the cluster's storage.cfg: every node \
             that declares it sees the same storage",
        )
        .with_help(format!(
            "declare `{}` alike on every host ({what} {theirs} as on `{}`), or give one of them \
             another name",
            pool.name, first_host.name
        )),
    );
}

/// E0508 and E0509: the pool's own settings.
fn settings(host: &Machine, pool: &StoragePool, out: &mut Vec<Diagnostic>) {
    if !valid_storage_id(&pool.name) {
        out.push(
            Diagnostic::error(
                Code::STORAGE_CONTENT_KIND,
                format!("Proxmox does not accept `{}` as a storage ID", pool.name),
                pool.span,
                "not a storage ID",
            )
            .with_help(
                "name the pool with a letter first, then letters, digits, `-`, `_` or `.`, \
                 ending in a letter or digit (such as `local-lvm`)",
            ),
        );
    }
    for content in &pool.proxmox.content {
        if !pool.kind.supported_content().contains(content) {
            let supported: Vec<&str> = pool
                .kind
                .supported_content()
                .iter()
                .map(|c| c.as_str())
                .collect();
            out.push(
                Diagnostic::error(
                    Code::STORAGE_CONTENT_KIND,
                    format!(
                        "a pool of type {} cannot hold content type `{}`",
                        pool.kind.storage_type(),
                        content.as_str()
                    ),
                    pool.span,
                    format!("pool `{}` on `{}`", pool.name, host.name),
                )
                .with_help(format!(
                    "use content types it holds: {}",
                    supported.join(", ")
                )),
            );
        }
    }
    let s = &pool.proxmox;
    let takes: &[(&str, bool)] = &[
        (
            "path",
            matches!(
                pool.kind,
                StorageKind::Dir | StorageKind::Nfs | StorageKind::Cephfs
            ),
        ),
        (
            "vg",
            matches!(pool.kind, StorageKind::Lvm | StorageKind::Lvmthin),
        ),
        ("thinpool", pool.kind == StorageKind::Lvmthin),
        (
            "pool",
            matches!(pool.kind, StorageKind::Zfs | StorageKind::Rbd),
        ),
        ("share", pool.kind == StorageKind::Cifs),
    ];
    let set = [
        ("path", s.path.is_some()),
        ("vg", s.vg.is_some()),
        ("thinpool", s.thinpool.is_some()),
        ("pool", s.pool.is_some()),
        ("share", s.share.is_some()),
    ];
    for ((name, takes), (_, is_set)) in takes.iter().zip(set) {
        if is_set && !takes {
            out.push(incomplete(
                host,
                pool,
                format!("a {} pool takes no `{name}`", pool.kind.storage_type()),
                format!("remove `{name}` from pool `{}`", pool.name),
            ));
        }
    }
    if pool.kind == StorageKind::Nfs
        && pool.export.is_none()
        && pool.server.is_some()
        && s.path.is_none()
    {
        out.push(
            Diagnostic::warning(
                Code::STORAGE_NFS_PATH,
                format!(
                    "NFS pool `{}` names its server but no export path",
                    pool.name
                ),
                pool.span,
                "no `export` or `path`",
            )
            .with_note(
                "the pool counts in the budgets, but storage.cfg gets no entry for it, so \
                 Proxmox cannot mount it and guests on it cannot be created",
            )
            .with_help(
                "name the export it mounts (`export = NAME on MACHINE`) or add `path = \"/DIR\"`, \
                 the directory the server exports",
            ),
        );
    }
    if pool.kind == StorageKind::Dir && s.path.is_none() && pool.name != "local" {
        out.push(
            Diagnostic::warning(
                Code::STORAGE_NFS_PATH,
                format!("dir pool `{}` names no directory", pool.name),
                pool.span,
                "no `path`",
            )
            .with_note(
                "the pool counts in the budgets, but storage.cfg gets no entry for it, so \
                 Proxmox does not know it and guests on it cannot be created",
            )
            .with_help(format!(
                "add `path = \"/mnt/{}\"`, or the directory the pool is on `{}`",
                pool.name, host.name
            )),
        );
    }
    if pool.kind == StorageKind::Cifs && pool.server.is_some() && s.share.is_none() {
        out.push(
            Diagnostic::warning(
                Code::STORAGE_NFS_PATH,
                format!("CIFS pool `{}` names no share", pool.name),
                pool.span,
                "no `share`",
            )
            .with_note(
                "the pool counts in the budgets, but storage.cfg gets no entry for it, so \
                 Proxmox cannot mount it and guests on it cannot be created",
            )
            .with_help(format!(
                "add `share = \"{}\"` with the name of the SMB share on the server",
                pool.name
            )),
        );
    }
    let missing = match pool.kind {
        StorageKind::Nfs if lacks_server(pool) => Some((
            "an NFS pool needs its server",
            "name the export it mounts (`export = NAME on MACHINE`), or give `server` and \
             `path` (the exported directory)"
                .to_string(),
        )),
        StorageKind::Cifs if lacks_server(pool) => Some((
            "a CIFS pool needs its server",
            "add the server's address (`server = 10.0.0.6`, say) and `share`, the SMB \
             share's name"
                .to_string(),
        )),
        _ => None,
    };
    if let Some((message, help)) = missing {
        out.push(incomplete(host, pool, message.to_string(), help));
    }
}

fn incomplete(host: &Machine, pool: &StoragePool, message: String, help: String) -> Diagnostic {
    Diagnostic::error(
        Code::STORAGE_INCOMPLETE,
        message,
        pool.span,
        format!("pool `{}` on `{}`", pool.name, host.name),
    )
    .with_help(help)
}
