//! Building Proxmox VE clusters (`proxmox NAME { nodes, links, qdevice }`). What the nodes,
//! links and QDevice must be is checked lab-wide in `infrac-checks` (`pve_cluster.rs`).

use super::Handles;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_model::pve::{HaRule, PveCluster};
use infrac_model::*;

impl<'a> Sema<'a> {
    pub(crate) fn build_pve_clusters(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::PveCluster) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span) = (inst.name.clone(), inst.name_span);
            let nodes = f
                .list("nodes")
                .into_iter()
                .filter_map(|(v, s)| match v {
                    Value::Ref(m) => handles.machines.get(&m).map(|id| Spanned::new(*id, s)),
                    _ => None,
                })
                .collect();
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
            let machines =
                |list: Vec<(Value, infrac_diagnostics::Span)>| -> Vec<Spanned<MachineId>> {
                    list.into_iter()
                        .filter_map(|(v, s)| match v {
                            Value::Ref(m) => {
                                handles.machines.get(&m).map(|id| Spanned::new(*id, s))
                            }
                            _ => None,
                        })
                        .collect()
                };
            let ha = f
                .blocks_of("ha")
                .map(|b| HaRule {
                    name: b.name.clone().unwrap_or_default(),
                    guests: machines(b.fields.list("guests")),
                    nodes: machines(b.fields.list("nodes")),
                    strict: b.fields.bool("strict").unwrap_or(false),
                    apart: b.fields.bool("apart").unwrap_or(false),
                    span: b.name_span,
                })
                .collect();
            model.pve_clusters.push(PveCluster {
                name,
                doc,
                nodes,
                links,
                qdevice,
                ha,
                span: name_span,
            });
        }
    }
}
