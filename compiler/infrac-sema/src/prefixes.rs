//! Interface addresses written with their prefix length (`ip = 192.168.100.10/24`, as
//! `ip addr` prints them). The network already says the length, so a written one must
//! agree with it (E0318); anywhere but a machine's address on a network, a prefix length
//! means nothing and is refused.

use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::Model;
use std::collections::BTreeMap;

impl Sema<'_> {
    pub(crate) fn check_written_prefixes(&mut self, model: &Model) {
        if self.written_prefixes.is_empty() {
            return;
        }
        // Every machine address, by the span of its value, with its network's prefix.
        let mut on_network: BTreeMap<Span, (String, Option<ipnet::IpNet>)> = BTreeMap::new();
        for (_, machine) in model.machines() {
            for (network_id, address) in machine.addresses() {
                let network = model.network(network_id);
                let prefix = if address.value.is_ipv4() {
                    network.ipv4.map(|p| ipnet::IpNet::V4(p.value))
                } else {
                    network.ipv6.map(|p| ipnet::IpNet::V6(p.value))
                };
                on_network.insert(address.span, (network.name.clone(), prefix));
            }
        }
        for (span, len) in std::mem::take(&mut self.written_prefixes) {
            match on_network.get(&span) {
                Some((_, Some(prefix))) if prefix.prefix_len() == len => {}
                Some((name, Some(prefix))) => self.diags.push(
                    Diagnostic::error(
                        Code::INTERFACE_PREFIX_MISMATCH,
                        format!(
                            "the address says /{len}, but network {name} is {prefix}"
                        ),
                        span,
                        format!("/{len} here"),
                    )
                    .with_help(format!(
                        "write the address without a length (network {name} gives it), or with /{}",
                        prefix.prefix_len()
                    )),
                ),
                Some((name, None)) => self.diags.push(
                    Diagnostic::error(
                        Code::INTERFACE_PREFIX_MISMATCH,
                        format!("the address says /{len}, but network {name} declares no prefix of its family"),
                        span,
                        format!("/{len} here"),
                    )
                    .with_help(format!(
                        "declare the prefix on network {name} and write the address without a length"
                    )),
                ),
                None => self.diags.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        "a prefix length is written only on a machine's address on a network",
                        span,
                        "expected an IP address",
                    )
                    .with_help("drop the prefix length"),
                ),
            }
        }
    }
}
