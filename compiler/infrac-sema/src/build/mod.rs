//! Building the model from checked declarations, resolving what references point at.

mod access;
mod bgp;
mod charts;
mod compose;
mod compose_stack;
mod expect;
mod guests;
mod host_ports;
mod infra;
mod interface_names;
mod k8s;
mod machines;
mod mount_points;
pub(crate) mod pve;
mod route_tls;
mod routing;
mod tunnel;
mod workloads;

use crate::decls::DeclIdx;
use crate::fields::Fields;
use crate::value::Kind;
use crate::Sema;
use infrac_diagnostics::{code_list, did_you_mean, Code, Diagnostic, Span};
use infrac_model::names::same_name;
use infrac_model::*;
use rustc_hash::FxHashMap as HashMap;

/// A network's `dhcp_server` and `dns_server` references, resolved once machines exist.
/// A storage pool's `export = EXPORT on TARGET`, waiting for every machine to be built.
pub(crate) struct PendingExport {
    /// The machine that declares the pool, and the pool's index in its storage.
    pub(crate) machine: MachineId,
    pub(crate) pool: usize,
    pub(crate) export: String,
    pub(crate) span: Span,
    pub(crate) target: String,
    pub(crate) target_span: Span,
}

pub(crate) type NetworkServers = (
    NetworkId,
    Option<Spanned<DeclIdx>>,
    Option<Spanned<DeclIdx>>,
);

/// Handles assigned to declarations while building.
#[derive(Default)]
pub(crate) struct Handles {
    pub sites: HashMap<DeclIdx, SiteId>,
    pub machines: HashMap<DeclIdx, MachineId>,
    /// Each network's `dhcp_server` and `dns_server`, resolved once machines exist.
    pub network_servers: Vec<NetworkServers>,
    pub clusters: HashMap<DeclIdx, ClusterId>,
    pub apps: HashMap<DeclIdx, AppId>,
    pub images: HashMap<DeclIdx, ImageId>,
    pub services: HashMap<DeclIdx, ServiceId>,
}

/// The model's networks by name. Networks are only ever appended while the model is
/// built, so the index is brought up to date by indexing the ones added since the last
/// lookup; the first of two networks with one name wins, as a search in order would.
#[derive(Default)]
pub(crate) struct NetworkNames {
    ids: HashMap<String, NetworkId>,
    /// How many of the model's networks are indexed.
    indexed: usize,
    /// The network the last lookup found.
    last: Option<NetworkId>,
}

impl NetworkNames {
    pub(crate) fn get(&mut self, model: &Model, name: &str) -> Option<NetworkId> {
        // Consecutive NICs mostly join one network: the last answer is checked first,
        // which needs no hashing.
        if let Some(last) = self.last {
            if self.indexed == model.networks.len() && same_name(&model.network(last).name, name) {
                return Some(last);
            }
        }
        for (i, network) in model.networks.iter().enumerate().skip(self.indexed) {
            self.ids
                .entry(network.name.clone())
                .or_insert(NetworkId(i as u32));
        }
        self.indexed = model.networks.len();
        let found = self.ids.get(name).copied();
        if found.is_some() {
            self.last = found;
        }
        found
    }
}

/// The declarations of each kind, in order. Every `site.…` reference and `nixos(…)` call
/// asks; a pass over every declaration each time would make a lab whose guests all use
/// one quadratic. Declarations are only ever appended (loops expand while they are
/// collected), so the index takes in those added since it was last brought up to date.
#[derive(Default)]
pub(crate) struct KindIndex {
    by_kind: HashMap<Kind, Vec<DeclIdx>>,
    /// How many of the declarations are indexed.
    indexed: usize,
}

impl KindIndex {
    pub(crate) fn update(&mut self, decls: &[crate::decls::DeclInst<'_>]) {
        for (i, inst) in decls.iter().enumerate().skip(self.indexed) {
            self.by_kind
                .entry(inst.kind)
                .or_default()
                .push(DeclIdx(i as u32));
        }
        self.indexed = decls.len();
    }

    /// The declarations of `kind` as of the last [`KindIndex::update`].
    pub(crate) fn get(&self, kind: Kind) -> &[DeclIdx] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }
}

impl<'a> Sema<'a> {
    /// Builds the model, reporting every problem on the way.
    pub(crate) fn build(&mut self) -> Model {
        let mut model = Model::default();
        let mut handles = Handles::default();
        self.build_catalogue(&mut model, &mut handles);
        self.build_sites(&mut model, &mut handles);
        self.build_networks(&mut model, &mut handles);
        model.index_zones();
        self.build_hosts(&mut model, &mut handles);
        self.check_templates();
        self.build_ceph_storage(&mut model, &handles);
        self.build_guests(&mut model, &mut handles);
        self.resolve_network_servers(&mut model, &handles);
        self.resolve_exports(&mut model);
        self.build_routers(&mut model, &handles);
        self.build_firewalls(&mut model, &handles);
        self.build_clusters(&mut model, &mut handles);
        self.build_apps(&mut model, &mut handles);
        self.build_helm_charts(&mut model, &handles);
        self.build_monitoring(&mut model, &handles);
        self.build_ingresses(&mut model, &handles);
        self.build_stacks(&mut model, &handles);
        self.build_users(&mut model);
        self.build_pve_clusters(&mut model, &handles);
        model
    }

    /// The lab's own declarations of one kind, in source order, skipping duplicates.
    pub(crate) fn decls_of(&mut self, kind: Kind) -> Vec<DeclIdx> {
        self.kinds.update(&self.decls);
        self.kinds
            .get(kind)
            .iter()
            .copied()
            .filter(|d| self.duplicates.is_empty() || !self.duplicates.contains(d))
            .collect()
    }

    /// Checks a declaration's body, remembering its doc comment for the model.
    pub(crate) fn fields(&mut self, decl: DeclIdx) -> (Fields, Option<String>) {
        let fields = self.check_decl(decl);
        (fields, self.doc_of(decl))
    }

    /// A declaration's doc comment, for the model.
    fn doc_of(&self, decl: DeclIdx) -> Option<String> {
        self.decls[decl.0 as usize]
            .decl
            .doc
            .as_deref()
            .map(str::to_string)
    }

    /// [`Sema::fields`] for a builder that only reads them.
    pub(crate) fn shared_fields(
        &mut self,
        decl: DeclIdx,
    ) -> (std::sync::Arc<Fields>, Option<String>) {
        let fields = self.check_decl_shared(decl);
        (fields, self.doc_of(decl))
    }

    /// The site a host or network belongs to.
    pub(crate) fn site_of(
        &mut self,
        fields: &Fields,
        handles: &Handles,
        model: &Model,
        name_span: Span,
        what: &str,
    ) -> SiteId {
        if let Some(site) = fields.decl_ref("site") {
            if let Some(id) = handles.sites.get(&site.value) {
                return *id;
            }
        }
        if model.sites.len() > 1 && !fields.reported("site") {
            self.diags.push(
                Diagnostic::error(
                    Code::AMBIGUOUS_SITE,
                    format!("{what} does not say which site it belongs to"),
                    name_span,
                    "which site?",
                )
                .with_help(format!(
                    "add `site = NAME`; the sites are {}",
                    model
                        .sites
                        .iter()
                        .map(|s| format!("`{}`", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        SiteId(0)
    }

    /// Resolves a network by name for a placement or a NIC.
    pub(crate) fn network_by_name(
        &mut self,
        model: &Model,
        name: &str,
        span: Span,
    ) -> Option<NetworkId> {
        if let Some(id) = self.network_names.get(model, name) {
            return Some(id);
        }
        let names: Vec<&str> = model.networks.iter().map(|n| n.name.as_str()).collect();
        let help = match did_you_mean(name, names.iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if !names.is_empty() => Some(format!("networks: {}", code_list(&names))),
            None => None,
        };
        if self.unknown_kind_names.contains(name) {
            // Declared under a misspelled kind, already reported.
            return None;
        }
        let other_kind = self
            .index
            .get(&(None, name.into()))
            .and_then(|v| v.first())
            .map(|d| self.decls[d.0 as usize].keyword);
        match other_kind {
            Some(keyword) if keyword != "network" => self.diags.push(
                Diagnostic::error(
                    Code::WRONG_KIND,
                    format!("`{name}` is a {keyword}, not a network"),
                    span,
                    "expected a network",
                )
                .with_help_opt(help),
            ),
            _ => self.diags.push(
                Diagnostic::error(
                    Code::UNRESOLVED_NAME,
                    format!("cannot find network `{name}`"),
                    span,
                    "no network has this name",
                )
                .with_help_opt(help),
            ),
        }
        None
    }

    /// Resolves a declaration head's `on`/`in` target to a handle.
    pub(crate) fn head_target<T: Copy>(
        &mut self,
        decl: DeclIdx,
        path: Option<&infrac_syntax::ast::Path>,
        kind: Kind,
        map: &HashMap<DeclIdx, T>,
    ) -> Option<T> {
        let _ = decl;
        let path = path?;
        let target = self.resolve_path_as(path, kind)?;
        map.get(&target).copied()
    }
}
