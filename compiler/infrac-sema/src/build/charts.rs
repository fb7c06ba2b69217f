//! Building Helm chart releases and monitoring stacks.

use super::Handles;
use crate::fields::Fields;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::charts::{Grafana, Receiver};
use infrac_model::*;

impl<'a> Sema<'a> {
    pub(crate) fn build_helm_charts(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Helm) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span, in_) = (inst.name.clone(), inst.name_span, inst.decl.in_.clone());
            let Some(cluster) =
                self.head_target(d, in_.as_deref(), Kind::Cluster, &handles.clusters)
            else {
                continue;
            };
            let (Some(chart), Some(version)) =
                (spanned_string(&f, "chart"), spanned_string(&f, "version"))
            else {
                continue;
            };
            self.check_pinned(&version);
            self.check_release_names("helm chart", &name, name_span, &f);
            let repo = spanned_string(&f, "repo");
            self.check_chart_source(&chart, repo.as_ref(), name_span);
            let values = f
                .block("values")
                .map(|b| self.helm_values(&b.fields))
                .unwrap_or_default();
            model.helm_charts.push(HelmChart {
                namespace: f.string("namespace").unwrap_or_else(|| name.to_string()),
                name: name.to_string(),
                doc,
                cluster,
                repo: repo.map(|r| r.value),
                chart: chart.value,
                version,
                values,
                span: name_span,
            });
        }
    }

    pub(crate) fn build_monitoring(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Monitoring) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span, in_) = (inst.name.clone(), inst.name_span, inst.decl.in_.clone());
            let Some(cluster) =
                self.head_target(d, in_.as_deref(), Kind::Cluster, &handles.clusters)
            else {
                continue;
            };
            let version = spanned_string(&f, "version");
            if let Some(v) = &version {
                self.check_pinned(v);
            }
            self.check_release_names("monitoring stack", &name, name_span, &f);
            let receivers = f
                .blocks_of("receiver")
                .filter_map(|b| {
                    self.receiver(b.name.as_deref()?.to_owned(), &b.fields, b.name_span)
                })
                .collect();
            let grafana = f
                .block("grafana")
                .map_or_else(Grafana::default, |b| Grafana {
                    nodeport: b.fields.u32("nodeport").map(|p| p.value as u16),
                    nodeport_span: b.fields.get("nodeport").map_or(b.name_span, |f| f.span),
                    host: b.fields.string("host"),
                    admin_password: b.fields.secret("admin_password"),
                });
            model.monitoring.push(Monitoring {
                namespace: f.string("namespace").unwrap_or_else(|| "monitoring".into()),
                name: name.to_string(),
                doc,
                cluster,
                version,
                retention: f.duration("retention"),
                storage: f.bytes("storage").map(|b| b.value),
                receivers,
                grafana,
                span: name_span,
            });
        }
    }

    /// A release's name is a Helm release name (a DNS-1123 label of at most 53
    /// characters, as `helm install` requires) and the HelmChart object's name; its
    /// namespace a namespace. The k8s target would otherwise have to rename them.
    fn check_release_names(&mut self, what: &str, name: &str, name_span: Span, f: &Fields) {
        let namespace = spanned_string(f, "namespace");
        let parts = [
            Some((name.to_string(), name_span, 53, "release name")),
            namespace.map(|n| (n.value, n.span, 63, "namespace")),
        ];
        for (text, span, max, role) in parts.into_iter().flatten() {
            let Some(why) = label_problem(&text, max) else {
                continue;
            };
            let fixed = text
                .to_ascii_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
            self.diags.push(
                Diagnostic::error(
                    Code::CHART_NAME,
                    format!("{what} `{name}` has the {role} `{text}`, which Kubernetes rejects"),
                    span,
                    format!("not a valid {role}: {why}"),
                )
                .with_help(format!(
                    "use lower-case letters, digits and `-`, e.g. `{}`",
                    fixed.trim_matches('-')
                )),
            );
        }
    }

    /// A chart version must name one release: a range or `latest` installs whatever is
    /// newest on the day the job runs, so two nodes or two days disagree.
    fn check_pinned(&mut self, version: &Spanned<String>) {
        let v = version.value.trim_start_matches('v');
        let exact = !v.is_empty()
            && v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
            && !v
                .split(['.', '-', '+'])
                .any(|part| part == "x" || part == "X");
        if !exact {
            self.diags.push(
                Diagnostic::error(
                    Code::HELM_VERSION_NOT_PINNED,
                    format!("chart version `{}` is not one exact release", version.value),
                    version.span,
                    "a range or tag installs whatever is newest when the job runs",
                )
                .with_help(
                    "write the exact version from the chart repository, e.g. `version = \"1.2.3\"`",
                ),
            );
        }
    }

    /// A chart comes from an `https://` repository, or is an `oci://` reference on its
    /// own; anything else the helm controller cannot fetch as written.
    fn check_chart_source(
        &mut self,
        chart: &Spanned<String>,
        repo: Option<&Spanned<String>>,
        head: Span,
    ) {
        let oci = chart.value.starts_with("oci://");
        let problem = match repo {
            Some(r) if oci => Some((
                r.span,
                format!("chart `{}` names its registry itself", chart.value),
                "an `oci://` chart takes no `repo`",
                "remove `repo`".to_string(),
            )),
            Some(r) if !r.value.starts_with("https://") => Some((
                r.span,
                format!("chart repository `{}` is not served over https", r.value),
                "not an `https://` address",
                format!(
                    "write the repository's address with https, e.g. `repo = \"https://{}\"`",
                    r.value.split("://").last().unwrap_or_default()
                ),
            )),
            None if !oci => Some((
                head,
                format!("chart `{}` has no repository", chart.value),
                "where does the chart come from?",
                "add `repo = \"https://…\"`, or write the chart as `oci://registry/path/chart`"
                    .to_string(),
            )),
            _ => None,
        };
        if let Some((span, message, label, help)) = problem {
            self.diags.push(
                Diagnostic::error(Code::HELM_CHART_SOURCE, message, span, label).with_help(help),
            );
        }
    }

    /// The scalar values by dotted path; a path that is both a value and the parent of
    /// another value cannot be written as YAML.
    fn helm_values(&mut self, fields: &Fields) -> Vec<(Vec<String>, HelmValue)> {
        let mut out: Vec<(Vec<String>, HelmValue, Span)> = Vec::new();
        for field in &fields.attrs {
            let value = match &field.value {
                Value::Bool(b) => HelmValue::Bool(*b),
                Value::Int(n) => match i64::try_from(*n) {
                    Ok(n) => HelmValue::Int(n),
                    Err(_) => continue,
                },
                Value::Float(x) => HelmValue::Float(*x),
                Value::Str(s) => HelmValue::Str(s.clone()),
                _ => continue,
            };
            let path: Vec<String> = field.name.split('.').map(str::to_string).collect();
            let clash = out.iter().find(|(other, _, _)| {
                let n = other.len().min(path.len());
                other[..n] == path[..n]
            });
            if let Some((other, _, other_span)) = clash {
                let (short, long) = if other.len() < path.len() {
                    (other.join("."), field.name.as_str().to_owned())
                } else {
                    (field.name.as_str().to_owned(), other.join("."))
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::HELM_VALUE_CONFLICT,
                        format!("`{short}` is set as a value and as the map holding `{long}`"),
                        field.span,
                        "this value",
                    )
                    .with_label(*other_span, "conflicts with this one")
                    .with_help(format!(
                        "keep one of them: `{short}` cannot be both a value and a map"
                    )),
                );
                continue;
            }
            out.push((path, value, field.span));
        }
        out.into_iter().map(|(p, v, _)| (p, v)).collect()
    }

    /// An Alertmanager receiver: a webhook, or mail with its sender and server.
    fn receiver(&mut self, name: String, f: &Fields, span: Span) -> Option<Receiver> {
        if f.broken {
            // What the broken line set is unknown; its syntax error is reported.
            return None;
        }
        // So is a value that failed: how the receiver delivers is unknown, not missing.
        if ["webhook", "email", "sender", "smarthost"]
            .into_iter()
            .any(|n| f.reported(n))
        {
            return None;
        }
        let complain = |this: &mut Self, at: Span, label: &str, help: &str| {
            this.diags.push(
                Diagnostic::error(
                    Code::RECEIVER_INCOMPLETE,
                    format!("receiver `{name}` cannot deliver alerts as written"),
                    at,
                    label.to_string(),
                )
                .with_help(help.to_string()),
            );
        };
        match (spanned_string(f, "webhook"), spanned_string(f, "email")) {
            (Some(url), None) => {
                if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
                    complain(
                        self,
                        url.span,
                        "not an `http://` or `https://` address",
                        "write the full address, e.g. `webhook = \"https://ntfy.example/alerts\"`",
                    );
                    return None;
                }
                for extra in ["sender", "smarthost", "password"] {
                    if let Some(field) = f.get(extra) {
                        complain(
                            self,
                            field.span,
                            "a webhook sends no mail",
                            &format!("remove `{extra}`"),
                        );
                        return None;
                    }
                }
                Some(Receiver::Webhook {
                    name,
                    url: url.value,
                })
            }
            (None, Some(to)) => {
                let (Some(from), Some(smarthost)) = (f.string("sender"), f.string("smarthost"))
                else {
                    complain(self, to.span, "mail needs a sender and a server", "add `sender = \"alerts@example.org\"` and `smarthost = \"smtp.example.org:587\"`");
                    return None;
                };
                Some(Receiver::Email {
                    name,
                    to: to.value,
                    from,
                    smarthost,
                    password: f.secret("password"),
                })
            }
            (Some(_), Some(to)) => {
                complain(
                    self,
                    to.span,
                    "a receiver is a webhook or mail, not both",
                    "split it into two receivers",
                );
                None
            }
            (None, None) => {
                complain(
                    self,
                    span,
                    "no `webhook` or `email`",
                    "add `webhook = \"https://…\"` or `email = \"ops@example.org\"`",
                );
                None
            }
        }
    }
}

/// Why `name` is not a DNS-1123 label of at most `max` characters, if it is not.
fn label_problem(name: &str, max: usize) -> Option<String> {
    if name.is_empty() || name.len() > max {
        return Some(format!("it must be 1 to {max} characters long"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("it may contain only lower-case letters, digits and `-`".into());
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

/// A string attribute with the span of its value.
fn spanned_string(f: &Fields, name: &str) -> Option<Spanned<String>> {
    let field = f.get(name)?;
    match &field.value {
        Value::Str(s) => Some(Spanned::new(s.clone(), field.span)),
        _ => None,
    }
}
