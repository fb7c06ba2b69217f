//! Bonds of a Proxmox node's ports (E0570): each port is a NIC of the node, in one bond
//! only and not also a bridge's own port; a bond has a port; only a Proxmox node gets
//! bonds, as only its `/etc/network/interfaces` is generated.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{Model, Platform};

/// Runs the bond checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, machine) in model.machines() {
        if machine.bonds.is_empty() {
            continue;
        }
        if machine.platform != Platform::Proxmox {
            let bond = &machine.bonds[0];
            out.push(
                Diagnostic::error(
                    Code::PVE_BOND,
                    format!("bond `{}` of `{}` would not be built", bond.name, machine.name),
                    bond.span,
                    format!("has no effect on platform `{}`", machine.platform.as_str()),
                )
                .with_help("bonds are written to a Proxmox node's /etc/network/interfaces; configure this machine's bond in its own OS"),
            );
            continue;
        }
        let nics: Vec<&str> = machine
            .nics
            .iter()
            .filter_map(|n| n.name.as_deref())
            .collect();
        let mut taken: Vec<(&str, &str, infrac_diagnostics::Span)> = Vec::new();
        for bond in &machine.bonds {
            if bond.ports.is_empty() {
                out.push(
                    Diagnostic::error(
                        Code::PVE_BOND,
                        format!("bond `{}` of `{}` has no port", bond.name, machine.name),
                        bond.span,
                        "no port",
                    )
                    .with_help("list the NICs it bonds: `ports = [eno1, eno2]`"),
                );
            }
            for port in &bond.ports {
                let name = port.value.as_str();
                if !nics.contains(&name) {
                    out.push(
                        Diagnostic::error(
                            Code::PVE_BOND,
                            format!("`{}` has no NIC `{name}` to bond", machine.name),
                            port.span,
                            "not a NIC of this host",
                        )
                        .with_help(format!("declare it: `nic {name} {{ speed = … }}`")),
                    );
                    continue;
                }
                if let Some((_, other, span)) = taken.iter().find(|(p, _, _)| *p == name) {
                    out.push(
                        Diagnostic::error(
                            Code::PVE_BOND,
                            format!("NIC `{name}` of `{}` is in two bonds", machine.name),
                            port.span,
                            format!("a port of `{}`", bond.name),
                        )
                        .with_label(*span, format!("a port of `{other}`"))
                        .with_help("a NIC can be a port of one bond only"),
                    );
                    continue;
                }
                taken.push((name, &bond.name, port.span));
                if let Some(bridge) = machine
                    .bridges
                    .iter()
                    .find(|b| b.ports.iter().any(|p| p == name))
                {
                    out.push(
                        Diagnostic::error(
                            Code::PVE_BOND,
                            format!(
                                "NIC `{name}` of `{}` is a port of bond `{}` and of bridge `{}`",
                                machine.name, bond.name, bridge.name
                            ),
                            port.span,
                            "bonded here",
                        )
                        .with_label(bridge.span, "and bridged here")
                        .with_help(format!(
                            "make the bond the bridge's port: `bridge {} {{ ports = [{}] }}`",
                            bridge.name, bond.name
                        )),
                    );
                }
            }
        }
    }
    out
}
