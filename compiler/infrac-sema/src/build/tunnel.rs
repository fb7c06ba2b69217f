//! The tunnel settings of an `ingress` and how each route speaks to its origin.

use crate::fields::Fields;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::{IngressKind, Origin, SecretRef, Spanned, Tunnel};

/// A route's `origin = https` and `no_tls_verify = true`.
pub(crate) fn route_origin(f: &Fields) -> Origin {
    Origin {
        https: f.string("origin").as_deref() == Some("https"),
        no_tls_verify: f.bool("no_tls_verify").unwrap_or(false),
    }
}

/// Whether `id` is a UUID in its canonical text form (8-4-4-4-12 hex digits), as
/// `cloudflared tunnel create` prints a tunnel's ID.
pub(crate) fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

impl<'a> Sema<'a> {
    /// A tunnel's ID and credentials: both required on a tunnel, neither allowed on a
    /// reverse proxy (which has no tunnel to run).
    pub(crate) fn ingress_tunnel(
        &mut self,
        f: &Fields,
        kind: IngressKind,
        name_span: Span,
    ) -> Option<Tunnel> {
        let id = f
            .get("tunnel")
            .map(|field| (field.value.to_string(), field.span));
        let credentials = f.secret("credentials");
        // A kind that failed is reported, and read as a reverse proxy: whether this ingress
        // is a tunnel is unknown, so neither what a tunnel needs nor what it has is judged.
        if f.reported("kind") {
            return None;
        }
        if kind == IngressKind::ReverseProxy {
            let set = ["tunnel", "credentials"]
                .into_iter()
                .filter_map(|n| f.get(n).map(|field| (n, field.span)))
                .collect::<Vec<_>>();
            for (name, span) in set {
                self.diags.push(
                    Diagnostic::error(
                        Code::TUNNEL_INCOMPLETE,
                        format!("a reverse proxy has no tunnel, so `{name}` has no effect"),
                        span,
                        "only a tunnel uses this",
                    )
                    .with_help(format!(
                        "remove `{name}`, or write `kind = tunnel` if this ingress is a Cloudflare tunnel"
                    )),
                );
            }
            return None;
        }
        let missing: Vec<&str> = [
            ("`tunnel = \"UUID\"`", id.is_none()),
            ("`credentials = secret(\"NAME\")`", credentials.is_none()),
        ]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(a, _)| a)
        .collect();
        if !missing.is_empty() && !f.broken {
            let failed = ["tunnel", "credentials"].iter().any(|n| f.reported(n));
            if !failed {
                self.diags.push(
                    Diagnostic::error(
                        Code::TUNNEL_INCOMPLETE,
                        "a tunnel needs its ID and credentials",
                        name_span,
                        "cloudflared cannot run this tunnel",
                    )
                    .with_help(format!(
                        "add {}: `cloudflared tunnel create NAME` prints the ID and writes the \
                         credentials file that the secret holds",
                        missing.join(" and ")
                    )),
                );
            }
            return None;
        }
        let (id, span) = id?;
        if !is_uuid(&id) {
            self.diags.push(
                Diagnostic::error(
                    Code::TUNNEL_ID,
                    format!("`{id}` is not a tunnel ID"),
                    span,
                    "expected a UUID such as 6ff42ae2-765d-4adf-8112-31c55c1551ef",
                )
                .with_help(
                    "use the ID `cloudflared tunnel create NAME` or `cloudflared tunnel list` prints, \
                     not the tunnel's name",
                ),
            );
            return None;
        }
        Some(Tunnel {
            id: Spanned::new(id, span),
            credentials: credentials.unwrap_or(SecretRef(String::new())),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids() {
        assert!(super::is_uuid("6ff42ae2-765d-4adf-8112-31c55c1551ef"));
        assert!(!super::is_uuid("6ff42ae2-765d-4adf-8112-31c55c1551e"));
        assert!(!super::is_uuid("home-tunnel"));
        assert!(!super::is_uuid("6ff42ae2-765d-4adf-8112-31c55c1551eg"));
    }
}
