//! Building Proxmox VE clusters (`proxmox NAME { nodes, links, qdevice, ha, ceph }`). What
//! the nodes, links, QDevice and Ceph must be is checked lab-wide in `infrac-checks`
//! (`pve_cluster.rs`, `pve_ceph.rs`).
//!
//! Two passes: before guests are built, each cluster's Ceph pools become storages of its
//! nodes (a guest's `disk = 64GiB on ceph-vm` names one); after, the HA rules resolve the
//! guests they name.

use super::Handles;
use crate::fields::{Fields, SubBlock};
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::ceph::{self, Ceph, CephPool, CephPoolKind, Osd};
use infrac_model::pve::{HaRule, PveCluster};
use infrac_model::storage::{Content, PoolSettings};
use infrac_model::*;

/// A cluster declaration checked in the first pass, finished in the second.
pub(crate) struct PendingCluster {
    decl: crate::decls::DeclIdx,
    fields: Fields,
    doc: Option<String>,
    nodes: Vec<Spanned<MachineId>>,
    ceph: Option<Ceph>,
}

fn machines(
    handles: &Handles,
    list: Vec<(Value, infrac_diagnostics::Span)>,
) -> Vec<Spanned<MachineId>> {
    list.into_iter()
        .filter_map(|(v, s)| match v {
            Value::Ref(m) => handles.machines.get(&m).map(|id| Spanned::new(*id, s)),
            _ => None,
        })
        .collect()
}

fn content(fields: &Fields) -> Vec<Content> {
    fields
        .list("content")
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Word(w) => Content::ALL.iter().find(|(n, _)| *n == w).map(|(_, c)| *c),
            _ => None,
        })
        .collect()
}

impl<'a> Sema<'a> {
    /// Reports a declared size of 0 (E0305): the budgets would count on nothing there.
    pub(crate) fn check_nonzero_size(&mut self, size: Spanned<Bytes>, what: &str, why: &str) {
        if size.value.0 == 0 {
            self.diags.push(
                Diagnostic::error(
                    Code::OUT_OF_RANGE,
                    format!("{what} of size 0"),
                    size.span,
                    format!("0 bytes: {why}"),
                )
                .with_help("write the size it has, such as `size = 1TiB`"),
            );
        }
    }

    /// A host's OSDs (`osd NAME { size, device }`).
    pub(crate) fn osds(&mut self, f: &Fields) -> Vec<Osd> {
        f.blocks_of("osd")
            .filter_map(|b| {
                let name = b.name.as_deref()?.to_owned();
                let size = b.fields.bytes("size")?;
                self.check_nonzero_size(size, "an OSD", "no capacity for Ceph's pools");
                let device = b
                    .fields
                    .word("device")
                    .unwrap_or_else(|| Spanned::new(format!("/dev/{name}"), b.name_span));
                Some(Osd {
                    name,
                    device,
                    size,
                    span: b.name_span,
                })
            })
            .collect()
    }

    /// A host's bonds (`bond NAME { ports, mode }`); the checks say whether the ports are
    /// NICs of the host.
    pub(crate) fn bonds(&mut self, f: &Fields) -> Vec<infrac_model::pve::Bond> {
        f.blocks_of("bond")
            .filter_map(|b| {
                Some(infrac_model::pve::Bond {
                    name: b.name.as_deref()?.to_owned(),
                    ports: b
                        .fields
                        .list("ports")
                        .into_iter()
                        .filter_map(|(v, s)| match v {
                            Value::Word(w) => Some(Spanned::new(w, s)),
                            _ => None,
                        })
                        .collect(),
                    mode: infrac_model::pve::BondMode::parse(&b.fields.string("mode")?)?,
                    span: b.name_span,
                })
            })
            .collect()
    }

    /// First pass: checks every cluster's body and gives each node the cluster's Ceph
    /// pools as storages, sized by what the OSDs can hold.
    pub(crate) fn build_ceph_storage(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::PveCluster) {
            let (fields, doc) = self.fields(d);
            let nodes = machines(handles, fields.list("nodes"));
            let ceph = fields.block("ceph").map(|b| self.ceph(b, model));
            if let Some(ceph) = &ceph {
                self.add_ceph_pools(model, &nodes, ceph, &fields);
                // Nodes that failed are reported: which hosts have the pools is unknown, so
                // a guest on any of them that uses one is not told its host lacks it.
                if fields.reported("nodes") {
                    for host in 0..model.machines.len() as u32 {
                        for pool in &ceph.pools {
                            self.broken_pools.insert((host, pool.name.clone()));
                        }
                    }
                }
            }
            self.pending_clusters.push(PendingCluster {
                decl: d,
                fields,
                doc,
                nodes,
                ceph,
            });
        }
    }

    fn ceph(&mut self, block: &SubBlock, model: &Model) -> Ceph {
        let network = |name: &str| {
            block.fields.decl_ref(name).and_then(|n| {
                model
                    .network_named(&self.decls[n.value.0 as usize].name)
                    .map(|id| Spanned::new(id, n.span))
            })
        };
        let (public, cluster) = (network("network"), network("cluster_network"));
        let replicas = |b: &SubBlock, name: &str, default: u8| {
            b.fields
                .int(name)
                .map(|n| Spanned::new(n.value as u8, n.span))
                .unwrap_or(Spanned::new(default, b.name_span))
        };
        let pools = block
            .fields
            .blocks_of("pool")
            .map(|b| (b, CephPoolKind::Rbd))
            .chain(block.fields.blocks_of("fs").map(|b| (b, CephPoolKind::Fs)))
            .map(|(b, kind)| CephPool {
                name: b.name.as_deref().unwrap_or_default().to_owned(),
                kind,
                size: replicas(b, "size", ceph::DEFAULT_SIZE),
                min_size: replicas(b, "min_size", ceph::DEFAULT_MIN_SIZE),
                span: b.name_span,
            })
            .collect();
        Ceph {
            network: public,
            cluster_network: cluster,
            pools,
            span: block.name_span,
        }
    }

    /// Every Ceph pool becomes a storage of every node, unless the name is taken (E0517).
    fn add_ceph_pools(
        &mut self,
        model: &mut Model,
        nodes: &[Spanned<MachineId>],
        ceph: &Ceph,
        fields: &Fields,
    ) {
        let ids: Vec<MachineId> = nodes.iter().map(|n| n.value).collect();
        let raw: Vec<u64> = ceph::raw_by_node(model, &ids)
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let blocks: Vec<&SubBlock> = fields
            .block("ceph")
            .map(|c| {
                c.fields
                    .blocks_of("pool")
                    .chain(c.fields.blocks_of("fs"))
                    .collect()
            })
            .unwrap_or_default();
        for (i, pool) in ceph.pools.iter().enumerate() {
            if let Some(first) = ceph.pools[..i].iter().find(|p| p.name == pool.name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::CEPH_POOL_NAME,
                        format!("Ceph pool `{}` is declared twice", pool.name),
                        pool.span,
                        "declared again here",
                    )
                    .with_label(first.span, "first declared here")
                    .with_help("a pool and a file system of one cluster need names of their own"),
                );
                continue;
            }
            let Some(block) = blocks.get(i) else { continue };
            let settings = PoolSettings {
                content: content(&block.fields),
                krbd: block.fields.bool("krbd"),
                fs_name: (pool.kind == CephPoolKind::Fs).then(|| pool.name.clone()),
                ..PoolSettings::default()
            };
            let size = Spanned::new(Bytes(ceph::pool_capacity(&raw, pool)), pool.span);
            for node in &ids {
                let machine = &mut model.machines[node.index()];
                if let Some(taken) = machine.pool(&pool.name) {
                    let (taken_span, host) = (taken.span, machine.name.clone());
                    self.diags.push(
                        Diagnostic::error(
                            Code::CEPH_POOL_NAME,
                            format!(
                                "Ceph pool `{}` has the name of a storage of node `{host}`",
                                pool.name
                            ),
                            pool.span,
                            "a storage of every node of the cluster",
                        )
                        .with_label(taken_span, format!("storage `{}` of `{host}`", pool.name))
                        .with_note("storage IDs are one namespace per cluster: the Ceph pool is a storage of every node")
                        .with_help(format!(
                            "remove the `storage {}` block from `{host}` (the cluster's `ceph` block declares the pool), or rename one",
                            pool.name
                        )),
                    );
                    continue;
                }
                machine.storage.push(StoragePool {
                    name: pool.name.clone(),
                    doc: None,
                    kind: match pool.kind {
                        CephPoolKind::Rbd => StorageKind::Rbd,
                        CephPoolKind::Fs => StorageKind::Cephfs,
                    },
                    size,
                    shared: true,
                    server: None,
                    export: None,
                    proxmox: settings.clone(),
                    span: pool.span,
                });
            }
        }
    }

    /// Second pass, once guests exist: the clusters with their HA rules.
    pub(crate) fn build_pve_clusters(&mut self, model: &mut Model, handles: &Handles) {
        for pending in std::mem::take(&mut self.pending_clusters) {
            let f = &pending.fields;
            let inst = &self.decls[pending.decl.0 as usize];
            let (name, name_span) = (inst.name.clone(), inst.name_span);
            let links = f
                .list("links")
                .into_iter()
                .filter_map(|(v, s)| match v {
                    Value::Ref(n) => model
                        .network_named(&self.decls[n.0 as usize].name)
                        .map(|id| Spanned::new(id, s)),
                    _ => None,
                })
                .collect();
            let qdevice = f.decl_ref("qdevice").and_then(|q| {
                handles
                    .machines
                    .get(&q.value)
                    .map(|id| Spanned::new(*id, q.span))
            });
            let migration = f.decl_ref("migration").and_then(|n| {
                model
                    .network_named(&self.decls[n.value.0 as usize].name)
                    .map(|id| Spanned::new(id, n.span))
            });
            let ha = f
                .blocks_of("ha")
                .map(|b| HaRule {
                    name: b.name.as_deref().unwrap_or_default().to_owned(),
                    guests: machines(handles, b.fields.list("guests")),
                    nodes: machines(handles, b.fields.list("nodes")),
                    strict: b.fields.bool("strict").unwrap_or(false),
                    apart: b.fields.bool("apart").unwrap_or(false),
                    span: b.name_span,
                })
                .collect();
            model.pve_clusters.push(PveCluster {
                name: name.to_string(),
                doc: pending.doc,
                nodes: pending.nodes,
                links,
                qdevice,
                ha,
                migration,
                ceph: pending.ceph,
                span: name_span,
            });
        }
    }
}
