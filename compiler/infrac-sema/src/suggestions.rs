//! The names a report may suggest, each list indexed once (a [`NameIndex`]): the
//! declarations of a kind for a name that resolves to none, kept while the declarations
//! stay the same (a lab whose 200 hosts were all renamed asks for 200 names among its
//! 10,000 machines); every machine for an expectation's endpoint, every app and machine
//! for an ingress, kept while the model has as many machines, networks and apps.

use crate::value::Kind;
use crate::Sema;
use infrac_diagnostics::NameIndex;
use infrac_model::Model;
use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

#[derive(Default)]
pub(crate) struct NameIndexes {
    /// By kind, with the number of declarations indexed.
    of_kind: HashMap<Kind, (usize, Rc<NameIndex>)>,
    /// By list, with the size of the model indexed.
    in_model: HashMap<Among, (ModelSize, Rc<NameIndex>)>,
}

/// The numbers of machines, networks and apps.
type ModelSize = (usize, usize, usize);

/// What a suggestion is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Among {
    /// The lab's machines: an endpoint of an expectation without a firewall.
    Machines,
    /// The machines, the firewall's zones and `router`: an endpoint with a firewall.
    MachinesZonesRouter,
    /// The apps and the machines: what an ingress routes to.
    AppsMachines,
}

/// The index kept under `key` while what it was indexed among is still `size`, else a new
/// one from `build`, kept.
fn kept<K: Eq + std::hash::Hash, S: PartialEq + Copy>(
    indexes: &mut HashMap<K, (S, Rc<NameIndex>)>,
    key: K,
    size: S,
    build: impl FnOnce() -> NameIndex,
) -> Rc<NameIndex> {
    if let Some((indexed, index)) = indexes.get(&key) {
        if *indexed == size {
            return Rc::clone(index);
        }
    }
    let index = Rc::new(build());
    indexes.insert(key, (size, Rc::clone(&index)));
    index
}

impl Sema<'_> {
    /// The names of the declarations of `kind` in the lab and in its prelude namespace.
    pub(crate) fn names_of_kind(&mut self, kind: Kind, prelude_ns: Option<&str>) -> Rc<NameIndex> {
        let decls = &self.decls;
        kept(&mut self.name_indexes.of_kind, kind, decls.len(), || {
            NameIndex::new(
                decls
                    .iter()
                    .filter(|d| {
                        d.kind == kind
                            && (d.namespace.is_none() || d.namespace.as_deref() == prelude_ns)
                    })
                    .map(|d| d.name.as_str()),
            )
        })
    }

    /// The nearest of `among` to `name`, if one is close enough to be a likely typo.
    pub(crate) fn nearest_in_model(
        &mut self,
        model: &Model,
        among: Among,
        name: &str,
    ) -> Option<String> {
        let size = (model.machines.len(), model.networks.len(), model.apps.len());
        let index = kept(&mut self.name_indexes.in_model, among, size, || {
            let machines = model.machines.iter().map(|m| m.name.as_str());
            match among {
                Among::Machines => NameIndex::new(machines),
                Among::MachinesZonesRouter => NameIndex::new(
                    machines
                        .chain(model.networks.iter().map(|n| n.zone.as_str()))
                        .chain(["router"]),
                ),
                Among::AppsMachines => {
                    NameIndex::new(model.apps.iter().map(|a| a.name.as_str()).chain(machines))
                }
            }
        });
        index.nearest(name).map(str::to_string)
    }
}
