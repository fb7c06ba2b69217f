//! Where a route's certificate comes from: `certificate = acme | internal`, or `cert` and
//! `key` secrets. Only a reverse proxy infrac runs terminates TLS for a route, and only
//! for one with `tls` on; elsewhere these settings would have no effect.

use crate::fields::Fields;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::proxy::RouteCertificate;
use infrac_model::IngressKind;

/// Whether `host` is a DNS name a proxy can match: dot-separated labels of letters,
/// digits and inner hyphens, 1 to 63 characters each and 253 in all (RFC 1035 2.3.1,
/// with RFC 1123's leading digits), the first of which may be the wildcard `*`.
pub(crate) fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').enumerate().all(|(i, label)| {
            (i == 0 && label == "*")
                || (!label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        })
}

impl<'a> Sema<'a> {
    /// Reports a route whose host name is not a DNS name; proxies match on it and the
    /// generated files (Caddyfile sites, cloudflared rules) take it as written.
    pub(crate) fn check_route_host(&mut self, host: &str, span: Span) -> bool {
        if is_dns_name(host) {
            return true;
        }
        self.diags.push(
            Diagnostic::error(
                Code::ROUTE_HOST_NAME,
                format!("`{host}` is not a DNS name"),
                span,
                "a proxy matches requests on this name",
            )
            .with_help(
                "write the host name clients ask for: labels of letters, digits and hyphens \
                 separated by dots (`chat.example.org`), optionally starting with `*.`",
            ),
        );
        false
    }

    /// The certificate of a route of an ingress of `kind`, reporting settings that
    /// conflict, are incomplete, or have nothing to act on.
    pub(crate) fn route_certificate(
        &mut self,
        f: &Fields,
        kind: Option<IngressKind>,
        route_span: Span,
    ) -> RouteCertificate {
        let set: Vec<(&str, Span)> = ["certificate", "cert", "key"]
            .into_iter()
            .filter_map(|n| f.get(n).map(|field| (n, field.span)))
            .collect();
        if set.is_empty() {
            return RouteCertificate::Acme;
        }
        // `None`: the ingress's kind failed and is reported; what its routes use is unknown.
        let unused = match kind {
            None => None,
            Some(IngressKind::Tunnel) => Some((
                "a tunnel route's TLS ends at Cloudflare's edge, not on this machine",
                "remove it: Cloudflare issues the public certificate of a tunnel's host names",
            )),
            Some(IngressKind::ReverseProxy) if f.bool("tls") == Some(false) => Some((
                "this route is served over plain HTTP (`tls = false`)",
                "remove it, or drop `tls = false` to serve the route over HTTPS",
            )),
            Some(IngressKind::ReverseProxy) => None,
        };
        if let Some((why, help)) = unused {
            for (name, span) in &set {
                self.diags.push(
                    Diagnostic::error(
                        Code::ROUTE_TLS_UNUSED,
                        format!("`{name}` has no effect here"),
                        *span,
                        why,
                    )
                    .with_label(route_span, "the route")
                    .with_help(help),
                );
            }
            return RouteCertificate::Acme;
        }
        let cert = f.secret("cert");
        let key = f.secret("key");
        let field_span = |n: &str| f.get(n).map(|x| x.span);
        if let (Some(span), true) = (
            field_span("certificate"),
            field_span("cert").is_some() || field_span("key").is_some(),
        ) {
            self.diags.push(
                Diagnostic::error(
                    Code::ROUTE_CERTIFICATE,
                    "the route's certificate is given twice",
                    span,
                    "a CA issues it here",
                )
                .with_label(
                    field_span("cert")
                        .or(field_span("key"))
                        .unwrap_or(route_span),
                    "and the secret store provides it here",
                )
                .with_help("keep `certificate` or `cert` and `key`, not both"),
            );
            return RouteCertificate::Acme;
        }
        match (cert, key) {
            (Some(cert), Some(key)) => RouteCertificate::Files { cert, key },
            (None, None) => match f.string("certificate").as_deref() {
                Some("internal") => RouteCertificate::Internal,
                _ => RouteCertificate::Acme,
            },
            (cert, _) => {
                let (given, missing) = if cert.is_some() {
                    ("cert", "key")
                } else {
                    ("key", "cert")
                };
                if !f.reported(missing) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::ROUTE_CERTIFICATE,
                            format!("`{given}` without `{missing}`"),
                            field_span(given).unwrap_or(route_span),
                            format!("the proxy needs the {missing} too"),
                        )
                        .with_help(format!(
                            "add `{missing} = secret(\"NAME\")`: Caddy loads a certificate and \
                             its private key from two files"
                        )),
                    );
                }
                RouteCertificate::Acme
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dns_names() {
        for ok in [
            "chat.example.org",
            "*.home.arpa",
            "pve",
            "1password.example.com",
        ] {
            assert!(super::is_dns_name(ok), "{ok}");
        }
        for bad in [
            "", "a..b", "-a.org", "a-.org", "a b.org", "a.*.org", "x{y}.org", "a.org.",
        ] {
            assert!(!super::is_dns_name(bad), "{bad}");
        }
    }
}
