//! A cluster's budget node by node. The scheduler places each replica whole on one node,
//! so a replica larger than every node it may run on stays pending however much the
//! cluster has in all (E0428), and every replica of the apps pinned to one node goes to
//! that node (E0429). [`super::cluster`] compares the sums with the whole cluster.

use super::{cpu_text, LARGEST};
use infrac_diagnostics::{plural, Code, Diagnostic, Span};
use infrac_model::workloads::{machine_gpus, GpuRequest, GpuVendor};
use infrac_model::{App, Bytes, Cluster, ClusterId, MachineId, Model};

/// A node of a cluster as the scheduler sees it.
struct Node {
    id: MachineId,
    /// Where the cluster names it.
    span: Span,
    /// What it offers pods: millicores and bytes after the cluster's reserve; `None` when
    /// the lab does not state its size, and it could then hold anything.
    offer: Option<(u64, u64)>,
    gpus: Vec<GpuVendor>,
}

impl Node {
    fn gpus_of(&self, vendor: GpuVendor) -> u32 {
        self.gpus.iter().filter(|v| **v == vendor).count() as u32
    }
}

/// What one replica of an app asks of the node it lands on.
struct Replica {
    cpu: Option<(u64, Span)>,
    memory: Option<(u64, Span)>,
    gpu: Option<GpuRequest>,
}

impl Replica {
    fn of(app: &App) -> Replica {
        Replica {
            cpu: app.requests.cpu.map(|r| (r.value.0, r.span)),
            memory: app.requests.memory.map(|r| (r.value.0, r.span)),
            gpu: app.workload.gpu.filter(|g| g.count > 0),
        }
    }

    /// Whether `node`, of a known size, can hold the replica.
    fn fits(&self, node: &Node, (cpu, memory): (u64, u64)) -> bool {
        self.cpu.is_none_or(|(want, _)| want <= cpu)
            && self.memory.is_none_or(|(want, _)| want <= memory)
            && self.gpu.is_none_or(|g| g.count <= node.gpus_of(g.vendor))
    }
}

pub(super) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (c, cluster) in model.clusters.iter().enumerate() {
        let nodes = nodes(model, cluster);
        let apps: Vec<&App> = model.apps_in(ClusterId(c as u32)).collect();
        let mut too_large: Vec<&App> = Vec::new();
        for app in &apps {
            if let Some(d) = replica(model, cluster, &nodes, app) {
                out.push(d);
                too_large.push(app);
            }
        }
        for node in &nodes {
            pinned(model, node, &apps, &too_large, out);
        }
    }
}

/// Each node of `cluster` once (a node listed twice is reported by the wiring checks).
fn nodes(model: &Model, cluster: &Cluster) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    for listed in cluster.servers.iter().chain(&cluster.agents) {
        if nodes.iter().any(|n| n.id == listed.value) {
            continue;
        }
        nodes.push(Node {
            id: listed.value,
            span: listed.span,
            offer: super::node_offer(model, cluster, listed.value),
            gpus: machine_gpus(model, listed.value),
        });
    }
    nodes
}

/// E0428 for `app` when no node it may run on can hold one replica.
fn replica(model: &Model, cluster: &Cluster, nodes: &[Node], app: &App) -> Option<Diagnostic> {
    let want = Replica::of(app);
    let pin = app.workload.node.map(|n| n.value);
    let candidates: Vec<(&Node, (u64, u64))> = nodes
        .iter()
        .filter(|n| pin.is_none_or(|p| p == n.id))
        .map(|n| Some((n, n.offer?)))
        .collect::<Option<_>>()?;
    if candidates.is_empty() || candidates.iter().any(|(n, o)| want.fits(n, *o)) {
        return None;
    }
    let within = match pin {
        Some(node) => format!("its node `{}`", model.machine(node).name),
        None => format!("any node of cluster `{}`", cluster.name),
    };
    // A replica's GPUs narrow the nodes it may land on; its CPU and memory are then
    // compared with those nodes only. That some node has the GPUs is proven before the
    // checks run (E0558).
    let mut with_gpus: Vec<(&Node, (u64, u64))> = candidates;
    if let Some(gpu) = want.gpu {
        with_gpus.retain(|(n, _)| n.gpus_of(gpu.vendor) >= gpu.count);
    }
    let largest = |pick: fn((u64, u64)) -> u64| {
        // The first of the largest, in the cluster's order.
        with_gpus
            .iter()
            .rev()
            .max_by_key(|(_, o)| pick(*o))
            .map(|(n, o)| (*n, pick(*o)))
    };
    let gpu_nodes = match want.gpu {
        Some(gpu) if pin.is_none() => format!(" with {}", gpus_text(gpu)),
        _ => String::new(),
    };
    let within = format!("{within}{gpu_nodes}");
    if let (Some((cpu, span)), Some((node, most))) = (want.cpu, largest(|o| o.0)) {
        if cpu > most {
            return Some(too_large(
                app,
                cpu_text(cpu),
                &within,
                span,
                offers(model, node, pin.is_some(), cpu_text(most)),
                "more CPUs",
            ));
        }
    }
    if let (Some((memory, span)), Some((node, most))) = (want.memory, largest(|o| o.1)) {
        if memory > most {
            return Some(too_large(
                app,
                format!("{} of memory", Bytes(memory)),
                &within,
                span,
                offers(model, node, pin.is_some(), Bytes(most).to_string()),
                "more memory",
            ));
        }
    }
    // Each amount fits some node, but no node has all of them at once.
    let (Some((cpu, cpu_span)), Some((memory, memory_span))) = (want.cpu, want.memory) else {
        return None;
    };
    Some(
        Diagnostic::error(
            Code::REPLICA_TOO_LARGE,
            format!(
                "no node of cluster `{}`{gpu_nodes} offers both the {} and the {} a replica \
                 of app `{}` requests",
                cluster.name,
                cpu_text(cpu),
                Bytes(memory),
                app.name
            ),
            memory_span,
            format!("and {} on the same node", Bytes(memory)),
        )
        .with_label(cpu_span, "one replica needs this")
        .with_note(format!(
            "the nodes with {} to offer have less than {} of memory; Kubernetes places each \
             replica whole on one node, and one that fits none stays Pending",
            cpu_text(cpu),
            Bytes(memory)
        ))
        .with_help(
            "lower what one replica requests (more replicas can share the load), or give \
             one node both",
        ),
    )
}

/// The report of a replica that asks for `amount`, written at `span`, more than `within`
/// has; `grow` is what a node would need more of.
fn too_large(
    app: &App,
    amount: String,
    within: &str,
    span: Span,
    largest: String,
    grow: &str,
) -> Diagnostic {
    let pinned = app.workload.node.is_some();
    Diagnostic::error(
        Code::REPLICA_TOO_LARGE,
        format!(
            "a replica of app `{}` requests {amount}, more than {within} offers",
            app.name
        ),
        span,
        format!("one replica needs this on a single node; {largest}"),
    )
    .with_note(
        "Kubernetes places each replica whole on one node; a pod that fits no node stays \
         Pending however much the cluster has in all",
    )
    .with_help(if pinned {
        format!(
            "lower what one replica requests (more replicas can share the load), pin the app \
             to a larger node, or give this one {grow}"
        )
    } else {
        format!(
            "lower what one replica requests (more replicas can share the load), or give a \
             node {grow}"
        )
    })
}

/// "the largest, `node1`, offers 62 GiB", or "it offers 62 GiB" of the one node an app is
/// pinned to.
fn offers(model: &Model, node: &Node, pinned: bool, amount: String) -> String {
    if pinned {
        return format!("it offers {amount}");
    }
    format!(
        "the largest, `{}`, offers {amount}",
        model.machine(node.id).name
    )
}

/// "an NVIDIA GPU", "2 AMD GPUs".
fn gpus_text(gpu: GpuRequest) -> String {
    let vendor = match gpu.vendor {
        GpuVendor::Nvidia => "NVIDIA",
        GpuVendor::Amd => "AMD",
    };
    match gpu.count {
        1 => format!("an {vendor} GPU"),
        n => format!("{n} {vendor} GPUs"),
    }
}

/// E0429 for `node` when the replicas of the apps pinned to it need more than it offers.
/// The apps reported by E0428 are left out: one replica of each is too large already.
fn pinned(
    model: &Model,
    node: &Node,
    apps: &[&App],
    too_large: &[&App],
    out: &mut Vec<Diagnostic>,
) {
    let Some((cpu_offer, memory_offer)) = node.offer else {
        return;
    };
    let here: Vec<&App> = apps
        .iter()
        .copied()
        .filter(|a| a.workload.node.is_some_and(|n| n.value == node.id))
        .filter(|a| !too_large.iter().any(|t| std::ptr::eq(*t, *a)))
        .collect();
    let name = &model.machine(node.id).name;
    let mut report = |what: &str,
                      offer: u64,
                      of: fn(&App) -> Option<(u64, Span)>,
                      show: fn(u64) -> String| {
        let mut asks: Vec<(u64, Span, &App)> = here
            .iter()
            .filter_map(|a| of(a).map(|(amount, span)| (amount * u64::from(a.replicas), span, *a)))
            .collect();
        let total: u64 = asks.iter().map(|a| a.0).sum();
        if total <= offer {
            return;
        }
        asks.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.name.cmp(&b.2.name)));
        let mut d = Diagnostic::error(
            Code::PINNED_NODE_BUDGET,
            format!(
                "apps pinned to node `{name}` request more {what} than it offers: {} of {}",
                show(total),
                show(offer)
            ),
            node.span,
            format!("offers {} to pods", show(offer)),
        );
        for (amount, span, app) in asks.iter().take(LARGEST) {
            d = d.with_label(
                *span,
                format!(
                    "{}: {} ({} replica{})",
                    app.name,
                    show(*amount),
                    app.replicas,
                    plural(app.replicas as usize)
                ),
            );
        }
        out.push(
            d.with_note(
                "`node` pins every replica of an app to that node, so they share what it has",
            )
            .with_help("lower requests or replicas, or pin some of the apps to another node"),
        );
    };
    report(
        "CPU",
        cpu_offer,
        |a| a.requests.cpu.map(|r| (r.value.0, r.span)),
        cpu_text,
    );
    report(
        "memory",
        memory_offer,
        |a| a.requests.memory.map(|r| (r.value.0, r.span)),
        |b| Bytes(b).to_string(),
    );
}
