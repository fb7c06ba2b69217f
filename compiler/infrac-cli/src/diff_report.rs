//! The report of `infrac diff`: generated files grouped by the machine they configure,
//! as unified diffs, with the meaning of the change, for people or as JSON.

use infrac_model::plan::{
    apply_order, BgpWhat, CutOff, FlowChange, GuestChangeKind, MoveKind, Plan, Step, StepReason,
};
use infrac_model::{Artifact, IpFamily, Model};
use serde::Serialize;
use similar::TextDiff;
use std::collections::{BTreeMap, BTreeSet};

/// The group of files that belong to no single machine (docs, diagrams, the model).
const LAB: &str = "(lab)";

/// One generated file that differs.
#[derive(Debug, Serialize)]
pub struct FileChange {
    pub machine: String,
    pub path: String,
    pub status: Status,
    /// A unified diff (three lines of context).
    pub diff: String,
}

/// What happens to a generated file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// Everything `diff` prints.
#[derive(Debug, Serialize)]
pub struct Report {
    pub before: String,
    pub after: String,
    pub order: Vec<Step>,
    pub files: Vec<FileChange>,
    #[serde(flatten)]
    pub plan: Plan,
    pub cut_offs: Vec<CutOff>,
}

impl Report {
    pub fn new(
        names: (String, String),
        before: &Model,
        after: &Model,
        old_files: &[Artifact],
        new_files: &[Artifact],
        plan: Plan,
        cut_offs: Vec<CutOff>,
    ) -> Report {
        let machines: BTreeSet<&str> = before
            .machines
            .iter()
            .chain(&after.machines)
            .map(|m| m.name.as_str())
            .collect();
        let by_path = |files: &[Artifact]| -> BTreeMap<String, String> {
            files
                .iter()
                .map(|a| {
                    (
                        a.path.to_string_lossy().replace('\\', "/"),
                        a.contents.clone(),
                    )
                })
                .collect()
        };
        let (old, new) = (by_path(old_files), by_path(new_files));
        let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        let mut files = Vec::new();
        for path in paths {
            let (a, b) = (
                old.get(path).map(String::as_str),
                new.get(path).map(String::as_str),
            );
            let status = match (a, b) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(_), Some(_)) => Status::Changed,
                (None, _) => Status::Added,
                (_, None) => Status::Removed,
            };
            let diff = TextDiff::from_lines(a.unwrap_or(""), b.unwrap_or(""))
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{path}"), &format!("b/{path}"))
                .to_string();
            files.push(FileChange {
                machine: machine_of(path, &machines).unwrap_or(LAB).to_string(),
                path: path.to_string(),
                status,
                diff,
            });
        }
        // Group by machine in apply order; the lab's own files last.
        let changed: Vec<String> = files
            .iter()
            .map(|f| f.machine.clone())
            .chain(plan.guests.iter().map(|g| g.guest.clone()))
            .filter(|m| m != LAB)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let order = apply_order(before, after, &changed);
        let rank = |machine: &str| {
            order
                .iter()
                .position(|s| s.machine == machine)
                .unwrap_or(order.len())
        };
        files.sort_by(|x, y| (rank(&x.machine), &x.path).cmp(&(rank(&y.machine), &y.path)));
        Report {
            before: names.0,
            after: names.1,
            order,
            files,
            plan,
            cut_offs,
        }
    }

    /// Whether the two versions are the same in files and meaning.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.plan.is_empty()
    }
}

/// The machine a generated file configures: the first path segment, file name, file stem
/// or stem after a VMID (`200-router.sh`) that names a machine.
fn machine_of<'m>(path: &str, machines: &BTreeSet<&'m str>) -> Option<&'m str> {
    for segment in path.split('/') {
        let stem = segment.split('.').next().unwrap_or(segment);
        let after_id = stem
            .split_once('-')
            .filter(|(id, _)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, rest)| rest);
        for candidate in [Some(segment), Some(stem), after_id].into_iter().flatten() {
            if let Some(m) = machines.get(candidate) {
                return Some(m);
            }
        }
    }
    None
}

fn family(f: IpFamily) -> &'static str {
    match f {
        IpFamily::Ipv4 => "IPv4",
        IpFamily::Ipv6 => "IPv6",
    }
}

fn flow_line(f: &FlowChange) -> String {
    let to = match &f.to_addresses {
        Some(a) => format!("{} ({a})", f.key.to),
        None => f.key.to.clone(),
    };
    format!(
        "{} {} -> {to} {} ({})",
        if f.opened { "opens " } else { "closes" },
        f.key.from,
        f.traffic.join(", "),
        family(f.key.family)
    )
}

/// The report for people.
pub fn human(report: &Report) -> String {
    let mut out = format!("infrac diff: {} -> {}\n", report.before, report.after);
    if report.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    if !report.order.is_empty() {
        out.push_str("\napply order:\n");
        for (i, step) in report.order.iter().enumerate() {
            let why = match step.reason {
                StepReason::Router => " (routes for the others: first)",
                StepReason::Machine => "",
                StepReason::Hypervisor => " (hypervisor: its own networking last)",
            };
            out.push_str(&format!("  {}. {}{why}\n", i + 1, step.machine));
        }
    }
    if !report.cut_offs.is_empty() {
        out.push_str("\nwarning: this change cuts off where it is applied from:\n");
        for c in &report.cut_offs {
            out.push_str(&format!(
                "  {} becomes unreachable on {} (firewall of {})\n",
                c.machine, c.traffic, c.router
            ));
        }
    }
    let plan = &report.plan;
    if !plan.is_empty() {
        out.push_str("\nwhat it means:\n");
    }
    let routers: BTreeSet<&str> = plan.flows.iter().map(|f| f.key.router.as_str()).collect();
    for router in routers {
        out.push_str(&format!("  firewall of {router}:\n"));
        for f in plan.flows.iter().filter(|f| f.key.router == router) {
            out.push_str(&format!("    {}\n", flow_line(f)));
        }
    }
    if !plan.bgp.is_empty() {
        out.push_str("  BGP:\n");
        for b in &plan.bgp {
            let verb = match (b.what, b.added) {
                (BgpWhat::Announced, true) => "starts announcing",
                (BgpWhat::Announced, false) => "stops announcing",
                (BgpWhat::Accepted, true) => "starts accepting",
                (BgpWhat::Accepted, false) => "stops accepting",
                (BgpWhat::Peer, true) => "gains peer",
                (BgpWhat::Peer, false) => "loses peer",
            };
            out.push_str(&format!("    {} {verb} {}\n", b.router, b.subject));
        }
    }
    if !plan.guests.is_empty() {
        out.push_str("  Proxmox guests:\n");
        for g in &plan.guests {
            let what = match g.kind {
                GuestChangeKind::Created => "created",
                GuestChangeKind::Destroyed => "destroyed",
                GuestChangeKind::Resized => "resized",
                GuestChangeKind::Changed => "changed",
                GuestChangeKind::Moved => "moved",
                GuestChangeKind::ShrinkRefused => "REFUSED: disk shrink",
            };
            let restart = if g.restart {
                "; Proxmox applies it only after a restart"
            } else {
                ""
            };
            out.push_str(&format!(
                "    {} on {}: {what}: {}{restart}\n",
                g.guest, g.host, g.detail
            ));
        }
    }
    if !plan.moves.is_empty() {
        out.push_str("  moves:\n");
        for m in &plan.moves {
            let kind = match m.kind {
                MoveKind::Address => "addresses of",
                MoveKind::DnsName => "DNS name",
                MoveKind::Vmid => "VMID of",
            };
            out.push_str(&format!(
                "    {kind} {}: {} -> {}\n",
                m.subject,
                m.before.as_deref().unwrap_or("(none)"),
                m.after.as_deref().unwrap_or("(none)")
            ));
        }
    }
    let mut current: Option<&str> = None;
    for f in &report.files {
        if current != Some(f.machine.as_str()) {
            out.push_str(&format!("\n== {}\n", f.machine));
            current = Some(&f.machine);
        }
        let status = match f.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        out.push_str(&format!("-- {} ({status})\n", f.path));
        out.push_str(&f.diff);
        if !f.diff.ends_with('\n') {
            out.push('\n');
        }
    }
    let machines: BTreeSet<&str> = report.files.iter().map(|f| f.machine.as_str()).collect();
    let opened = plan.flows.iter().filter(|f| f.opened).count();
    out.push_str(&format!(
        "\n{} file{} changed in {} group{}; {opened} flow{} opened, {} closed\n",
        report.files.len(),
        crate::report::plural(report.files.len()),
        machines.len(),
        crate::report::plural(machines.len()),
        crate::report::plural(opened),
        plan.flows.len() - opened
    ));
    out
}

/// The report as one JSON object.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("cannot serialise the report: {e}") }).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::machine_of;
    use std::collections::BTreeSet;

    #[test]
    fn files_belong_to_the_machine_their_path_names() {
        let machines: BTreeSet<&str> = ["router", "pve", "netbox"].into_iter().collect();
        assert_eq!(machine_of("nftables/router.nft", &machines), Some("router"));
        assert_eq!(
            machine_of("proxmox/500-netbox.sh", &machines),
            Some("netbox")
        );
        assert_eq!(
            machine_of("proxmox/host/pve/interfaces", &machines),
            Some("pve")
        );
        assert_eq!(machine_of("docs/firewall.md", &machines), None);
    }
}
