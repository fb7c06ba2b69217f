//! Resolving names and paths to declarations of a kind, with a "did you mean" when one
//! does not resolve.

use crate::coerce::article_for;
use crate::decls::{DeclIdx, DeclInst};
use crate::value::Kind;
use crate::Sema;
use infrac_diagnostics::{code_list, did_you_mean, Code, Diagnostic, Span};
use infrac_syntax::ast;

impl<'a> Sema<'a> {
    /// Resolves `path` to a declaration of `kind`, reporting what went wrong if it cannot.
    pub(crate) fn resolve_path_as(&mut self, path: &ast::Path, kind: Kind) -> Option<DeclIdx> {
        match path.segments.as_slice() {
            [ns, ..] if self.missing_namespaces.contains(ns.name.as_str()) => None,
            [name] => self.resolve_name(&name.name, name.span, kind),
            [ns, name] if self.namespaces.contains(ns.name.as_str()) => {
                self.use_namespace(ns.name.as_str());
                let found = self
                    .index
                    .get(&(Some(ns.name.clone()), name.name.clone()))
                    .map(|d| d.to_vec())
                    .unwrap_or_default();
                match found.iter().find(|d| self.decls[d.0 as usize].kind == kind) {
                    Some(d) => Some(*d),
                    None => {
                        let names: Vec<String> = self
                            .decls
                            .iter()
                            .filter(|d| d.kind == kind && d.namespace.as_deref() == Some(&ns.name))
                            .map(|d| d.name.to_string())
                            .collect();
                        self.diags.push(
                            Diagnostic::error(
                                Code::UNRESOLVED_NAME,
                                format!(
                                    "`{}` has no {} named `{}`",
                                    ns.name,
                                    kind.article()
                                        .trim_start_matches("a ")
                                        .trim_start_matches("an "),
                                    name.name
                                ),
                                path.span,
                                format!("expected {}", kind.article()),
                            )
                            .with_help_opt(
                                did_you_mean(&name.name, names.iter().map(String::as_str))
                                    .map(|s| format!("did you mean `{}.{s}`?", ns.name)),
                            ),
                        );
                        None
                    }
                }
            }
            [ns, _] => {
                // `dell.r730` without `import "std/hardware/dell"`.
                let module = crate::stdlib::MODULES
                    .iter()
                    .map(|(p, _, _)| *p)
                    .find(|p| p.rsplit('/').next() == Some(ns.name.as_str()));
                let namespaces: Vec<&str> = self.namespaces.iter().map(String::as_str).collect();
                let help = match module {
                    Some(m) => Some(format!("add `import \"{m}\"` at the top of the file")),
                    None => did_you_mean(&ns.name, namespaces.iter().copied())
                        .map(|s| format!("did you mean `{s}`?")),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UNRESOLVED_NAME,
                        format!("unknown namespace `{}`", ns.name),
                        ns.span,
                        "no import binds this name",
                    )
                    .with_help_opt(help),
                );
                None
            }
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!("expected the name of {}", kind.article()),
                        path.span,
                        "a name, not a path",
                    )
                    .with_help(format!(
                        "write the bare name of {}, or `namespace.name` for a catalogue entry",
                        kind.article()
                    )),
                );
                None
            }
        }
    }

    /// The lab's own declarations named `name` of one of `kinds`.
    fn lab_decls<'s>(
        &'s self,
        name: &str,
        kinds: &'s [Kind],
    ) -> impl Iterator<Item = &'s DeclInst<'a>> + 's {
        let found: &[DeclIdx] = self.index.get(&(None, name.into())).map_or(&[], |d| d);
        found
            .iter()
            .map(|d| &self.decls[d.0 as usize])
            .filter(move |inst| kinds.contains(&inst.kind))
    }

    /// Whether the lab declares `name` as one of `kinds`. A declaration the model lacks
    /// was left out for an error reported at it: not finding it there is a consequence.
    pub(crate) fn declared_as(&self, name: &str, kinds: &[Kind]) -> bool {
        self.lab_decls(name, kinds).next().is_some()
    }

    /// Whether the top-level attribute `name` of the lab's declaration `decl_name` of
    /// `kind` is unknown for a reason reported at it: its value failed, or a line of its
    /// body did not parse (and may be the one that sets it).
    pub(crate) fn attr_unknown(&self, decl_name: &str, kind: Kind, name: &'static str) -> bool {
        self.lab_decls(decl_name, &[kind])
            .any(|inst| self.attr_failed(inst.name_span, name) || inst.has_unparsed_line())
    }

    /// Resolves a bare name to a declaration of `kind` in the lab (or its prelude).
    pub(crate) fn resolve_name(&mut self, name: &str, span: Span, kind: Kind) -> Option<DeclIdx> {
        let prelude_ns = match kind {
            Kind::Service => Some("services"),
            Kind::Image => Some("os"),
            _ => None,
        };
        // The lab's own declarations of that name, then the prelude's, looked up in place:
        // every guest resolves its host and pools here.
        let empty: &[DeclIdx] = &[];
        let global = self.index.get(&(None, name.into())).map_or(empty, |d| &**d);
        let prelude = prelude_ns
            .and_then(|ns| self.index.get(&(Some(ns.into()), name.into())))
            .map_or(empty, |d| &**d);
        if let Some(d) = global
            .iter()
            .chain(prelude)
            .find(|d| self.decls[d.0 as usize].kind == kind)
        {
            return Some(*d);
        }
        // `firewall on X` and `bgp on X` are indexed under their router's name, which the
        // lab never gave them: that one of them is called `X` says nothing of what `X` is
        // (`firewall on innr` would otherwise be told that `innr` is a firewall).
        let candidates: Vec<DeclIdx> = global
            .iter()
            .chain(prelude)
            .copied()
            .filter(|d| !matches!(self.decls[d.0 as usize].kind, Kind::Bgp | Kind::Firewall))
            .collect();
        if self.unknown_kind_names.contains(name) {
            // Declared under a misspelled kind, already reported: whatever it was meant
            // to be, saying it is another kind or missing would be a consequence.
            return None;
        }
        // A name a loop repeats is written once, and says the same each time: it is
        // reported once (building the report looks at every declaration).
        if !self.unresolved.first((span, kind), span, &self.diags) {
            return None;
        }
        if let Some(other) = candidates.first() {
            let o = &self.decls[other.0 as usize];
            self.diags.push(
                Diagnostic::error(
                    Code::WRONG_KIND,
                    format!(
                        "`{name}` is {} `{}`, not {}",
                        article_for(o.keyword),
                        o.keyword,
                        kind.article()
                    ),
                    span,
                    format!("expected {}", kind.article()),
                )
                .with_help(format!(
                    "name {} here; `{name}` is declared as {}",
                    kind.article(),
                    o.keyword
                ))
                .with_label(o.name_span, format!("`{name}` is declared here")),
            );
            return None;
        }
        let help = self.unresolved_help(name, kind, prelude_ns);
        self.diags.push(
            Diagnostic::error(
                Code::UNRESOLVED_NAME,
                format!(
                    "cannot find {} named `{name}`",
                    kind.article()
                        .trim_start_matches("a ")
                        .trim_start_matches("an ")
                ),
                span,
                format!(
                    "no {} has this name",
                    kind.article()
                        .trim_start_matches("a ")
                        .trim_start_matches("an ")
                ),
            )
            .with_help_opt(help),
        );
        None
    }

    /// The help of a report that no declaration of `kind` is named `name`: the nearest
    /// name of that kind, or the few there are. Kept by name and kind while the
    /// declarations stay the same: a loop or a generated lab writes one wrong name many
    /// times, and finding the nearest reads every declaration, which made the reports
    /// quadratic (3,000 guests on a missing host: 1.6 s). The names of each kind are
    /// indexed once for the same reason: a lab whose 200 hosts were all renamed asks for
    /// 200 names among its 10,000 machines.
    fn unresolved_help(
        &mut self,
        name: &str,
        kind: Kind,
        prelude_ns: Option<&str>,
    ) -> Option<String> {
        let key = (ecow::EcoString::from(name), kind);
        if let Some((decls, help)) = self.unresolved_helps.get(&key) {
            if *decls == self.decls.len() {
                return help.clone();
            }
        }
        let decls = self.decls.len();
        let names = self.names_of_kind(kind, prelude_ns);
        let help = match names.nearest(name) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if names.is_empty() => None,
            None if names.len() <= 8 => Some(format!("declared: {}", code_list(names.names()))),
            None => None,
        };
        self.unresolved_helps.insert(key, (decls, help.clone()));
        help
    }
}
