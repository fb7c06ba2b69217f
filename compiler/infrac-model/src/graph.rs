//! Views of a lab as diagrams: topology, networks and firewall flows, ingress paths, BGP.
//!
//! Each view is a pure function of the [`Model`] returning a renderer-neutral
//! [`Flowchart`] with a Mermaid writer. Both the Mermaid target (`diagrams/*.mmd`) and
//! the docs target (Markdown with embedded Mermaid blocks) draw from here, so the two
//! always agree and neither target depends on the other.

mod bgp;
mod flowchart;
mod ingress;
mod network;
mod storage;
mod topology;
mod zones;

pub use bgp::bgp;
pub use flowchart::{
    identifier, label, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape, Tone,
};
pub use ingress::ingress;
pub use network::network;
pub use storage::{has_shared_storage, storage};
pub use topology::topology;
pub use zones::{
    access, zone_matrices, zone_networks, Access, Endpoint, Grant, ZoneCells, ZoneMatrix,
};

use crate::{Machine, Model};

/// One diagram of the lab: its file stem, a one-line caption and the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// `topology`, `network`, `ingress`, `bgp` or `storage`.
    pub name: &'static str,
    pub caption: &'static str,
    pub chart: Flowchart,
}

/// Every view, in the order the docs show them.
pub fn views(model: &Model) -> Vec<View> {
    let mut views = vec![
        View {
            name: "topology",
            caption: "Hosts, their guests, and the clusters and apps running on them",
            chart: topology(model),
        },
        View {
            name: "network",
            caption: "Networks by firewall zone, and the flows the firewall allows between them",
            chart: network(model),
        },
        View {
            name: "ingress",
            caption: "Paths from the internet and the LAN to each exposed service",
            chart: ingress(model),
        },
        View {
            name: "bgp",
            caption: "BGP speakers, their peers and the prefixes they announce",
            chart: bgp(model),
        },
    ];
    // Only a lab whose storage crosses machines has something to show here.
    if has_shared_storage(model) {
        views.push(View {
            name: "storage",
            caption: "Storage pools and NFS exports, and which pool mounts which export",
            chart: storage(model),
        });
    }
    views
}

/// A view written as Mermaid: its file stem, caption and text.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub name: &'static str,
    pub caption: &'static str,
    /// Mermaid flowchart source, ending with a newline.
    pub mermaid: String,
}

/// Every view written as Mermaid, in the order of [`views`]. Drawn once per model and
/// kept in it: the Mermaid target and the docs show the same text.
pub fn drawings(model: &Model) -> &[Drawing] {
    model.derived.drawings.get_or_init(|| {
        views(model)
            .into_iter()
            .map(|view| Drawing {
                name: view.name,
                caption: view.caption,
                mermaid: view.chart.to_mermaid(),
            })
            .collect()
    })
}

/// The lab's name for titles: the first site's name, else the source file's stem.
pub fn lab_name(model: &Model) -> String {
    if let Some(site) = model.sites.first() {
        return site.name.clone();
    }
    std::path::Path::new(&model.source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "lab".into())
}

/// The key of a machine's node, shared by every view so edges line up.
pub(crate) fn machine_key(machine: &Machine) -> String {
    let kind = if machine.guest.is_some() {
        "guest:"
    } else {
        "host:"
    };
    let mut key = String::with_capacity(kind.len() + machine.name.len());
    key.push_str(kind);
    key.push_str(&machine.name);
    key
}

/// Splits a list of items into label lines of at most `per_line` items each.
pub(crate) fn wrap(items: &[String], per_line: usize) -> Vec<String> {
    items
        .chunks(per_line.max(1))
        .map(|chunk| chunk.join(", "))
        .collect()
}
