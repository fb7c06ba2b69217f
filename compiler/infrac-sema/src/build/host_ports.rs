//! `host_ports = [tcp/6333]` on an app: ports of its container that the node it runs on
//! also binds (the container port's `hostPort`, the same number), without putting the
//! whole pod on the host network.

use crate::fields::Fields;
use crate::value::Value;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::workloads::NamedPort;
use infrac_model::{PortSpec, Spanned};

impl<'a> Sema<'a> {
    /// The app's host ports, each one of its `ports`; reported when it is not, or when
    /// the pod is on the host network, where every port already is the node's.
    pub(crate) fn app_host_ports(
        &mut self,
        f: &Fields,
        ports: &[NamedPort],
        host_network: bool,
    ) -> Vec<Spanned<PortSpec>> {
        let mut out = Vec::new();
        for (value, span) in f.list("host_ports") {
            let Value::Port(port) = value else {
                continue;
            };
            if host_network {
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_HOST_PORT,
                        format!("`host_ports` lists {port}, but the pod is on the host network"),
                        span,
                        "every port of a host-network pod is already the node's",
                    )
                    .with_help("remove `host_ports`, or `host_network = true`"),
                );
                continue;
            }
            // A container port is one number (a range's first is what the Pod names), so a
            // host port is one of the app's single ports, exactly.
            let served = port.first == port.last && ports.iter().any(|p| p.port.value == port);
            if !served {
                let listed: Vec<String> = ports.iter().map(|p| p.port.value.to_string()).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_HOST_PORT,
                        format!("host port {port} is not one of the app's ports"),
                        span,
                        "no container port to bind it to",
                    )
                    .with_help(if listed.is_empty() {
                        "declare the port first: `port = tcp/8080` or `ports { http = tcp/8080 }`"
                            .to_string()
                    } else {
                        format!("list one of the app's single ports: {}", listed.join(", "))
                    }),
                );
                continue;
            }
            out.push(Spanned::new(port, span));
        }
        out
    }
}
