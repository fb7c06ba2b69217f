//! Naming and identity: site naming rules, DNS labels, VMIDs, Kubernetes names,
//! NodePorts, services listening on the same port, and guest tags.

use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::{Expose, Guest, GuestKind, Machine, MachineId, Model, Protocol};
use std::collections::{BTreeMap, BTreeSet};

mod tags;

/// Runs every naming check.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    rules_and_labels(model, &mut out);
    domains(model, &mut out);
    peer_descriptions(model, &mut out);
    vmids(model, &mut out);
    kubernetes(model, &mut out);
    ports(model, &mut out);
    tags::check(model, &mut out);
    out
}

/// Why `name` is not a lower-case RFC 1123 DNS label (as Kubernetes requires), if it is not.
pub fn dns_label_problem(name: &str) -> Option<&'static str> {
    const LOWER: &str = "it may contain only lower-case letters, digits and `-`";
    match hostname_problem(name) {
        // `Team_A` breaks both rules: name the stricter one, so one fix settles both.
        Some(LETTERS) => Some(LOWER),
        Some(problem) => Some(problem),
        None => name
            .bytes()
            .any(|b| b.is_ascii_uppercase())
            .then_some(LOWER),
    }
}

const LETTERS: &str = "it may contain only letters, digits and `-`";

/// Why `name` is not an RFC 1123 hostname label, if it is not (case does not matter in DNS).
pub fn hostname_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.len() > 63 {
        return Some("it is longer than 63 characters");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Some(LETTERS);
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("it may not start or end with `-`");
    }
    None
}

fn rules_and_labels(model: &Model, out: &mut Vec<Diagnostic>) {
    // Each rule is compiled once, not once per name it is checked against.
    let mut compiled = Rules::default();
    for (_, machine) in model.machines() {
        let site = model.site(machine.site);
        // A guest follows the site's guest rule, every other machine the host rule.
        let (what, rule) = if machine.guest.is_some() {
            ("guest", &site.naming.guest)
        } else {
            ("host", &site.naming.host)
        };
        if let Some(why) = hostname_problem(&machine.name) {
            let help = if machine.guest.is_some() {
                "the guest name becomes its hostname and DNS name; use letters, digits and `-`, at most 63 characters"
            } else {
                "the host name becomes its DNS name: use letters, digits and `-`, at most 63 characters"
            };
            out.push(
                Diagnostic::error(
                    Code::INVALID_HOSTNAME,
                    format!("{what} name `{}` is not a valid hostname", machine.name),
                    machine.name_span,
                    format!("not an RFC 1123 label: {why}"),
                )
                .with_help(help),
            );
        }
        if let Some(rule) = rule {
            naming_rule(
                &mut compiled,
                &machine.name,
                machine.name_span,
                rule,
                what,
                &site.name,
                out,
            );
        }
    }
    for network in &model.networks {
        let site = model.site(network.site);
        if let Some(rule) = &site.naming.network {
            naming_rule(
                &mut compiled,
                &network.name,
                network.span,
                rule,
                "network",
                &site.name,
                out,
            );
        }
    }
}

/// Why `domain` is not a DNS name (dot-separated RFC 1123 labels, at most 253
/// characters, an optional final dot), if it is not.
pub fn domain_problem(domain: &str) -> Option<String> {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > 253 {
        return Some("it is longer than 253 characters".into());
    }
    for label in name.split('.') {
        if let Some(why) = hostname_problem(label) {
            let shown: String = label
                .chars()
                .flat_map(char::escape_debug)
                .take(40)
                .collect();
            return Some(format!("the label `{shown}` is not valid: {why}"));
        }
    }
    None
}

fn domains(model: &Model, out: &mut Vec<Diagnostic>) {
    for site in &model.sites {
        let Some(domain) = &site.domain else { continue };
        if let Some(why) = domain_problem(domain) {
            out.push(
                Diagnostic::error(
                    Code::INVALID_DOMAIN,
                    format!("the domain of site {} is not a valid DNS name", site.name),
                    site.domain_span,
                    why,
                )
                .with_help(
                    "a domain is labels of letters, digits and `-` joined by dots, such as \
                     `home.arpa`; it reaches DNS and DHCP configuration verbatim",
                ),
            );
            continue;
        }
        let lower = domain.trim_end_matches('.').to_ascii_lowercase();
        if lower == "local" || lower.ends_with(".local") {
            out.push(
                Diagnostic::warning(Code::MDNS_DOMAIN, format!("site {} uses the domain `{domain}`, which belongs to multicast DNS", site.name), site.domain_span, "`.local` is reserved for mDNS (RFC 6762)")
                    .with_help("unicast DNS under .local breaks name resolution on macOS and Linux clients; use `home.arpa` (RFC 8375) or a domain you own"),
            );
        }
    }
}

/// The longest BGP peer description accepted: BIRD stores it with the protocol and shows it
/// in `birdc show protocols`, and very long ones make it abort.
pub const MAX_PEER_DESCRIPTION: usize = 128;

fn peer_descriptions(model: &Model, out: &mut Vec<Diagnostic>) {
    for router in &model.routers {
        for peer in &router.peers {
            let Some(description) = &peer.description else {
                continue;
            };
            let length = description.chars().count();
            if length > MAX_PEER_DESCRIPTION {
                out.push(
                    Diagnostic::error(
                        Code::PEER_DESCRIPTION_TOO_LONG,
                        format!("the description of BGP peer {} is too long", peer.name),
                        peer.span,
                        format!("{length} characters; at most {MAX_PEER_DESCRIPTION} are accepted"),
                    )
                    .with_help("shorten it, and keep longer notes in a `##` doc comment"),
                );
            }
        }
    }
}

/// Naming rules compiled so far, by their text; `None` for one that does not compile
/// (sema reports it).
#[derive(Default)]
struct Rules<'m>(std::collections::HashMap<&'m str, Option<regex::Regex>>);

impl<'m> Rules<'m> {
    /// `rule` compiled, the first time it is asked for.
    fn regex(&mut self, rule: &'m str) -> Option<&regex::Regex> {
        self.0
            .entry(rule)
            .or_insert_with(|| regex::Regex::new(rule).ok())
            .as_ref()
    }
}

fn naming_rule<'m>(
    compiled: &mut Rules<'m>,
    name: &str,
    span: Span,
    rule: &'m infrac_model::Spanned<String>,
    what: &str,
    site: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(re) = compiled.regex(&rule.value) else {
        return;
    };
    if !re.is_match(name) {
        out.push(
            Diagnostic::error(
                Code::NAMING_RULE,
                format!("{what} name `{name}` breaks the naming rule of site {site}"),
                span,
                format!("does not match `{}`", rule.value),
            )
            .with_label(rule.span, "the rule")
            .with_help("rename it, or change the site's `naming` rule"),
        );
    }
}

/// The VMID space a guest's ID lives in: its host's Proxmox cluster, or the host alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum IdSpace {
    Cluster(usize),
    Host(MachineId),
}

fn id_space(model: &Model, host: MachineId) -> IdSpace {
    match infrac_model::pve::pve_cluster_of(model, host) {
        Some((index, _)) => IdSpace::Cluster(index),
        None => IdSpace::Host(host),
    }
}

fn vmids(model: &Model, out: &mut Vec<Diagnostic>) {
    // Proxmox identifies a guest by its VMID across its cluster (`/etc/pve/qemu-server`
    // and `lxc` are cluster-wide); hosts outside a cluster each have IDs of their own.
    // One sorted list instead of a map of lists: nearly every ID has one holder. The
    // sort is stable, so each ID's holders stay in model order.
    let mut holders: Vec<((IdSpace, u32), MachineId)> = model
        .guests()
        .map(|(id, _, guest)| ((id_space(model, guest.host), guest.vmid.value.0), id))
        .collect();
    holders.sort_by_key(|(key, _)| *key);
    let mut used: Option<BTreeSet<(IdSpace, u32)>> = None;
    for group in holders.chunk_by(|a, b| a.0 == b.0) {
        if let [((space, vmid), _), _, ..] = group {
            let ids: Vec<MachineId> = group.iter().map(|(_, id)| *id).collect();
            let used = used.get_or_insert_with(|| holders.iter().map(|(key, _)| *key).collect());
            out.extend(duplicate_vmid(model, *space, *vmid, &ids, used));
        }
    }
    for (_, machine, guest) in model.guests() {
        let site_id = model.machine(guest.host).site;
        let vmid = guest.vmid.value.0;
        let kind = guest.kind.as_str();
        let site = model.site(site_id);
        let range = match guest.kind {
            GuestKind::Vm => site.naming.vmid_vm,
            GuestKind::Lxc => site.naming.vmid_lxc,
        };
        if let Some(range) = range {
            let (lo, hi) = range.value;
            if !(lo..=hi).contains(&vmid) {
                out.push(
                    Diagnostic::error(
                        Code::VMID_OUT_OF_RANGE,
                        format!(
                            "VMID {vmid} of {kind} {} is outside {lo}..{hi}",
                            machine.name
                        ),
                        guest.vmid.span,
                        format!("{kind}s use {lo}..{hi}"),
                    )
                    .with_label(range.span, format!("the VMID range for {kind}s"))
                    .with_help(format!("pick an ID in {lo}..{hi}")),
                );
            }
        }
    }
}

/// One VMID on several guests: neither is more wrong, so every guest is a party and
/// the help offers a free ID for either, inside the site's range for its kind.
fn duplicate_vmid(
    model: &Model,
    space: IdSpace,
    vmid: u32,
    ids: &[MachineId],
    used: &BTreeSet<(IdSpace, u32)>,
) -> Option<Diagnostic> {
    let parties: Vec<(&Machine, &Guest)> = ids
        .iter()
        .filter_map(|id| {
            let m = model.machine(*id);
            m.guest.as_ref().map(|g| (m, g))
        })
        .collect();
    let names: Vec<String> = parties
        .iter()
        .map(|(m, g)| format!("{} {}", g.kind.as_str(), m.name))
        .collect();
    let message = match names.as_slice() {
        [a, b] => format!("VMID {vmid} is used by both {a} and {b}"),
        _ => format!(
            "VMID {vmid} is used by {} guests: {}",
            names.len(),
            crate::holders::listed(&names)
        ),
    };
    let ((_, last), earlier) = parties.split_last()?;
    let earlier: Vec<(Span, String)> = earlier
        .iter()
        .zip(&names)
        .map(|((_, g), name)| (g.vmid.span, format!("{name} has it")))
        .collect();
    let d = crate::holders::labelled(
        Diagnostic::error(
            Code::DUPLICATE_VMID,
            message,
            last.vmid.span,
            format!("{} has it", names[names.len() - 1]),
        ),
        &earlier,
    );
    // A free ID for each kind among the parties, from the site's range for that kind.
    let site = model.site_of(ids[0]);
    let mut offers: Vec<(u32, &str)> = Vec::new();
    for kind in [GuestKind::Vm, GuestKind::Lxc] {
        if !parties.iter().any(|(_, g)| g.kind == kind) {
            continue;
        }
        let (lo, hi) = match kind {
            GuestKind::Vm => site.naming.vmid_vm,
            GuestKind::Lxc => site.naming.vmid_lxc,
        }
        .map_or((100, 999_999_999), |r| r.value);
        let free = (vmid.max(lo)..=hi)
            .chain(lo..vmid.min(hi.saturating_add(1)))
            .find(|n| !used.contains(&(space, *n)));
        if let Some(free) = free {
            offers.push((free, kind.as_str()));
        }
    }
    let offers: Vec<String> = match offers.as_slice() {
        [(a, _), (b, _)] if a == b => vec![format!("{a} is free")],
        [(a, _)] => vec![format!("{a} is free")],
        _ => offers
            .iter()
            .map(|(n, kind)| format!("{n} is free for a {kind}"))
            .collect(),
    };
    // Every guest's ID written at one place: a `for` loop repeats one declaration.
    if parties.iter().all(|(_, g)| g.vmid.span == last.vmid.span) {
        return Some(d.with_help(format!(
            "the VMID is written once in a `for` loop, so every pass gives the same one: add the loop's variable, as in `({vmid} + i)`"
        )));
    }
    let who = crate::holders::who(parties.len());
    Some(d.with_help(if offers.is_empty() {
        format!("give {who} its own ID; VMs and containers share one ID space on a Proxmox cluster")
    } else {
        format!(
            "give {who} its own ID ({}); VMs and containers share one ID space on a Proxmox cluster",
            offers.join(", ")
        )
    }))
}

fn kubernetes(model: &Model, out: &mut Vec<Diagnostic>) {
    for app in &model.apps {
        // Service names are DNS-1035 labels: they must also start with a letter.
        let problem = dns_label_problem(&app.name).or_else(|| {
            (!app.name.starts_with(|c: char| c.is_ascii_lowercase()))
                .then_some("it must start with a letter")
        });
        if let Some(why) = problem {
            out.push(
                Diagnostic::error(Code::INVALID_K8S_NAME, format!("app name `{}` is not a valid Kubernetes name", app.name), app.span, format!("not a DNS-1035 label: {why}"))
                    .with_help("the app name names its Deployment and Service; use lower-case letters, digits and `-`, starting with a letter"),
            );
        }
        if let Some(why) = dns_label_problem(&app.namespace) {
            out.push(Diagnostic::error(
                Code::INVALID_K8S_NAME,
                format!(
                    "namespace `{}` of app {} is not a valid Kubernetes name",
                    app.namespace, app.name
                ),
                app.namespace_span,
                format!("not an RFC 1123 label: {why}"),
            ).with_help("namespaces are lower-case letters, digits and `-`, at most 63 characters: `namespace = \"monitoring\"`"));
        }
        // Claims and the other volumes alike name a volume of the pod.
        let volumes = app.volumes.iter().map(|v| (&v.name, v.span));
        let mounts = app.workload.mounts.iter().map(|m| (&m.name, m.span));
        for (name, span) in volumes.chain(mounts) {
            if let Some(why) = dns_label_problem(name) {
                out.push(
                    Diagnostic::error(
                        Code::INVALID_K8S_NAME,
                        format!(
                            "volume `{name}` of app {} is not a valid Kubernetes name",
                            app.name
                        ),
                        span,
                        format!("not an RFC 1123 label: {why}"),
                    )
                    .with_help(
                        "volume names are lower-case letters, digits and `-`: `volume data { … }`",
                    ),
                );
            }
        }
    }
    let mut nodeports: BTreeMap<(usize, u16), Vec<&infrac_model::App>> = BTreeMap::new();
    for app in &model.apps {
        let Expose::NodePort(port) = app.expose.value else {
            continue;
        };
        if !(30000..=32767).contains(&port) {
            out.push(
                Diagnostic::error(Code::NODEPORT_RANGE, format!("NodePort {port} of app {} is outside 30000..32767", app.name), app.expose.span, "outside the NodePort range")
                    .with_help("Kubernetes allocates NodePorts from 30000..32767 unless the API server is configured otherwise"),
            );
        }
        nodeports
            .entry((app.cluster.index(), port))
            .or_default()
            .push(app);
    }
    // Neither app is more entitled to the port: both are parties, and the help names a
    // free port for either.
    let taken: BTreeSet<(usize, u16)> = nodeports.keys().copied().collect();
    for ((cluster, port), apps) in nodeports {
        let [first, .., last] = apps.as_slice() else {
            continue;
        };
        let names: Vec<String> = apps.iter().map(|a| format!("app {}", a.name)).collect();
        let message = match names.as_slice() {
            [a, b] => format!(
                "NodePort {port} is used by both {a} and {b} in cluster {}",
                model.cluster(first.cluster).name
            ),
            _ => format!(
                "NodePort {port} is used by {} apps in cluster {}: {}",
                names.len(),
                model.cluster(first.cluster).name,
                crate::holders::listed(&names)
            ),
        };
        let earlier: Vec<(Span, String)> = apps[..apps.len() - 1]
            .iter()
            .map(|app| (app.expose.span, format!("app {} has it", app.name)))
            .collect();
        let d = crate::holders::labelled(
            Diagnostic::error(
                Code::DUPLICATE_NODEPORT,
                message,
                last.expose.span,
                format!("app {} has it", last.name),
            ),
            &earlier,
        );
        let free = (30000..=32767u16)
            .cycle()
            .skip(usize::from(port.clamp(30000, 32767) - 30000))
            .take(2768)
            .find(|p| !taken.contains(&(cluster, *p)));
        let who = crate::holders::who(apps.len());
        out.push(d.with_help(match free {
            Some(free) => format!("every node listens on a NodePort, so each may be used once per cluster: give {who} another, such as nodeport({free})"),
            None => format!("every node listens on a NodePort, so each may be used once per cluster: give {who} another"),
        }));
    }
}

fn ports(model: &Model, out: &mut Vec<Diagnostic>) {
    for (_, guest) in model.machines() {
        let mut seen: Vec<(Protocol, u16, u16, &str, Span)> = Vec::new();
        for service in &guest.services {
            for port in &service.ports {
                let clash = seen.iter().find(|(proto, lo, hi, name, _)| {
                    *proto == port.protocol
                        && port.first <= *hi
                        && *lo <= port.last
                        && *name != service.name
                });
                if let Some((_, _, _, other, span)) = clash {
                    out.push(
                        Diagnostic::error(
                            Code::PORT_CONFLICT,
                            format!("services {other} and {} of {} both listen on {port}", service.name, guest.name),
                            service.span,
                            format!("{} wants {port}", service.name),
                        )
                        .with_label(*span, format!("{other} listens on it already"))
                        .with_help("two services cannot bind the same address and port; move one to another port or guest"),
                    );
                } else {
                    seen.push((
                        port.protocol,
                        port.first,
                        port.last,
                        &service.name,
                        service.span,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dns_label_problem;

    #[test]
    fn domains_are_dns_names() {
        use super::domain_problem;
        assert_eq!(domain_problem("orion.home.arpa"), None);
        assert_eq!(domain_problem("lab."), None);
        assert!(domain_problem("home.arpa\nforward-zone:").is_some());
        assert!(domain_problem("a..b").is_some());
        assert!(domain_problem(".").is_some());
        assert!(domain_problem(&"a.".repeat(130)).is_some());
        assert!(domain_problem("x\"; y").is_some());
    }

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label_problem("k3s-worker-1"), None);
        assert!(dns_label_problem("Router").is_some());
        assert_eq!(super::hostname_problem("HACK-Sequoia-01"), None);
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        assert_eq!(dns_label_problem(&"a".repeat(63)), None);
    }
}
