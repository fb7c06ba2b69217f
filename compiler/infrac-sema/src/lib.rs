//! Semantic analysis: from parsed files to the checked [`Model`].
//!
//! The stages are: load modules (imports, the embedded stdlib), collect declarations
//! (`for` expansion, templates, name tables), check each declaration's body against its
//! schema (evaluating expressions into typed values), and build the model. Analysis never
//! stops at the first problem: it always returns the model it could build, so editors
//! have something to work with, plus every diagnostic.

mod beside;
mod build;
mod coerce;
mod decls;
mod eval;
mod fields;
mod prefixes;
mod resolve;
mod reuse;
pub mod schema;
pub mod stdlib;
mod suggestions;
mod value;

pub use beside::Beside;
pub use decls::{LoadError, Loader};
pub use reuse::Reuse;

use decls::{DeclIdx, DeclInst};
use ecow::EcoString;
use infrac_diagnostics::{Code, Diagnostic, SourceMap, Span};
use infrac_model::Model;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeSet;
use value::Value;

/// The outcome of analysing a lab: the model (partial if there were errors), every
/// diagnostic in source order, and the sources they point into.
#[derive(Debug)]
pub struct Analysis {
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    /// The syntax tree of every file in `sources`, as analysed: an editor's index reads
    /// them instead of parsing the files again.
    pub files: Vec<ParsedFile>,
    /// What the next analysis of the lab needs to reuse this one's declaration checks,
    /// when the loader asked for it ([`Loader::keeps_records`]).
    pub reuse: Option<std::sync::Arc<Reuse>>,
}

/// One source file's syntax tree.
#[derive(Debug)]
pub struct ParsedFile {
    pub file: infrac_diagnostics::FileId,
    pub ast: infrac_syntax::ast::File,
    /// Whether the file parsed without a diagnostic (see `infrac_syntax::reparse`).
    pub clean: bool,
    /// How many of its first items the direct parser made (`infrac_syntax::Parsed::direct`).
    pub direct: usize,
}

impl Analysis {
    /// The syntax tree of `file`, as analysed.
    pub fn parsed(&self, file: infrac_diagnostics::FileId) -> Option<&ParsedFile> {
        self.files.iter().find(|parsed| parsed.file == file)
    }

    /// The parse of `text`, the new text of the file this analysis read as `name`, from
    /// that file's tree with only what the edit touched parsed again
    /// (`infrac_syntax::reparse`), or where that cannot be, parsed whole with what did not
    /// change marked (`infrac_syntax::parse_beside`); `None` when the file was not read or
    /// will not be file `file` again: then parse it whole.
    pub fn reparse(
        &self,
        name: &str,
        text: &str,
        file: infrac_diagnostics::FileId,
    ) -> Option<infrac_syntax::Parsed> {
        let old = self.sources.find(name)?;
        let tree = self.parsed(old)?;
        if old != file {
            return None;
        }
        let old_text = &self.sources.get(old)?.text;
        if tree.clean {
            if let Some(parsed) = infrac_syntax::reparse(old_text, &tree.ast, text, file) {
                return Some(parsed);
            }
        }
        // Parsed whole, with the declarations before the edit that did not change marked,
        // so their checks can still be reused.
        Some(infrac_syntax::parse_beside(
            old_text,
            &tree.ast,
            tree.direct,
            text,
            file,
        ))
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The working state of one analysis.
pub(crate) struct Sema<'a> {
    pub(crate) decls: Vec<DeclInst<'a>>,
    // Keys are inline strings, so building one to look a name up allocates nothing.
    pub(crate) index: HashMap<(Option<EcoString>, EcoString), decls::Declared>,
    pub(crate) namespaces: BTreeSet<String>,
    pub(crate) used_namespaces: HashSet<String>,
    pub(crate) diags: Vec<Diagnostic>,
    /// Each declaration's evaluated attributes, by declaration: a short list per
    /// declaration, compared by name, found without hashing.
    pub(crate) memo: Vec<Vec<(EcoString, Option<Value>)>>,
    pub(crate) in_progress: Vec<(DeclIdx, EcoString)>,
    /// The last top-level name looked up by a path, with how many declarations there
    /// were then and what it found.
    pub(crate) last_global: Option<(EcoString, usize, Option<DeclIdx>)>,
    pub(crate) duplicates: HashSet<DeclIdx>,
    /// Names whose declaration was already reported and is not in the lab: declared
    /// under a kind that does not exist (`vmm router`), or on a line that did not parse
    /// (`vm router 200 no pve {`). References to them stay quiet instead of claiming a
    /// wrong kind or no declaration.
    pub(crate) unknown_kind_names: HashSet<String>,
    /// The kinds of the declarations on lines that did not parse (`firewall on gw }}`):
    /// what is proven of all declarations of a kind is not proven with one missing.
    pub(crate) broken_kinds: HashSet<value::Kind>,
    pub(crate) used_templates: HashSet<DeclIdx>,
    /// The declarations written `from` a template, in order: applying templates visits
    /// only them, not every declaration's syntax (ten thousand reads out of cache).
    pub(crate) templated: Vec<DeclIdx>,
    /// Required attributes that were present but invalid: not reported again as missing.
    pub(crate) failed_attrs: HashSet<(Span, &'static str)>,
    /// Checked hardware catalogue entries, read when hosts instantiate them.
    pub(crate) catalogue: HashMap<DeclIdx, fields::Fields>,
    /// Storage pools that were declared but could not be built (already reported), so
    /// disks placed on them do not cascade into "no such pool".
    pub(crate) broken_pools: HashSet<(u32, String)>,
    /// Each storage pool's `export = NAME on MACHINE` target as written, resolved once
    /// every machine is built (guests can serve exports too).
    pub(crate) pending_exports: Vec<build::PendingExport>,
    /// Namespaces of stdlib imports that do not exist.
    pub(crate) missing_namespaces: HashSet<String>,
    /// Reads the files beside the lab that declarations name (an app's config files).
    pub(crate) loader: &'a dyn Loader,
    /// The root lab's folder, normalised (empty for the working directory).
    pub(crate) root_dir: String,
    /// Addresses written with a prefix length (`192.168.100.10/24`): the value's span and
    /// the length, checked against the address's network once the model is built.
    pub(crate) written_prefixes: Vec<(Span, u8)>,
    /// Proxmox clusters checked before guests are built, finished after.
    pub(crate) pending_clusters: Vec<build::pve::PendingCluster>,
    /// The model's networks by name, for the references every guest's NICs make.
    pub(crate) network_names: build::NetworkNames,
    /// The declarations of each kind.
    pub(crate) kinds: build::KindIndex,
    /// The records kept for the next analysis, and the previous analysis's, when asked.
    pub(crate) trace: Option<reuse::Trace>,
    /// Set while values are tried against types only to see which fit (the attributes an
    /// unknown one could have meant): what a try reports is dropped, so the type
    /// mismatches it finds are not worded (a lab of ten thousand misspelt attributes
    /// worded three hundred thousand of them).
    pub(crate) trying: bool,
    /// Unknown nested blocks already reported: a `for` loop inside a block repeats one
    /// written block up to the expansion cap, and its "did you mean" costs far more than
    /// the check.
    pub(crate) unknown_blocks: Reported<Span>,
    /// Names already reported as unresolved, by where they are written and the kind
    /// looked for.
    pub(crate) unresolved: Reported<(Span, value::Kind)>,
    /// Paths (`os.debian-13`, `lan.ipv4`) already reported as naming nothing.
    pub(crate) unresolved_paths: Reported<Span>,
    /// The help of each unresolved-name report, by name and kind, with the number of
    /// declarations it was found among ([`Sema::unresolved_help`]).
    pub(crate) unresolved_helps: HashMap<(ecow::EcoString, value::Kind), (usize, Option<String>)>,
    /// The names reports may suggest, indexed once.
    pub(crate) name_indexes: suggestions::NameIndexes,
    /// Attributes and rules already reported as standing in a top-level `for` loop, which
    /// repeats each of them once per iteration.
    pub(crate) misplaced_in_loops: Reported<Span>,
    /// Disks on pools their host lacks, already reported, by host and where the pool is
    /// named.
    pub(crate) unresolved_pools: Reported<(infrac_model::MachineId, Span)>,
    /// The report of a disk's missing pool by where the disk is written, with the hosts it
    /// names: a template's disk is written once for guests on several hosts, and is one
    /// mistake to report once.
    pub(crate) missing_pools: HashMap<Span, (usize, Vec<String>)>,
    /// Entries the `for` loops in the body of the declaration being checked have stamped
    /// out; `u64::MAX` once that passed the cap and was reported.
    pub(crate) stamped: u64,
}

/// Problems reported once although met many times (a `for` loop repeats what is written
/// once), by key, with where each report went in the diagnostics. A report that a silent
/// try dropped again (`Sema::diags` truncated) no longer counts.
pub(crate) struct Reported<K>(HashMap<K, usize>);

impl<K> Default for Reported<K> {
    fn default() -> Self {
        Reported(HashMap::default())
    }
}

impl<K: std::hash::Hash + Eq> Reported<K> {
    /// Whether the problem at `key` still stands reported at `span` in `diags`; if not,
    /// it is noted as reported by the diagnostic about to be pushed there.
    pub(crate) fn first(&mut self, key: K, span: Span, diags: &[Diagnostic]) -> bool {
        let next = diags.len();
        let at = self.0.entry(key).or_insert(next);
        if *at != next && diags.get(*at).is_some_and(|d| d.primary.span == span) {
            return false;
        }
        *at = next;
        true
    }
}

/// Analyses the lab whose root file is `root_name` with text `root_text`; relative
/// imports are read through `loader`.
pub fn analyze(root_name: &str, root_text: &str, loader: &dyn Loader) -> Analysis {
    analyze_owned(root_name, root_text.to_string(), loader)
}

/// [`analyze`] taking the root text itself: the analysis keeps it in its source map, so a
/// caller that read the file hands it over instead of holding a second copy.
pub fn analyze_owned(root_name: &str, root_text: String, loader: &dyn Loader) -> Analysis {
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    let modules = decls::load_modules(&mut sources, root_name, root_text, loader, &mut diags);
    // A namespace another import binds to a module that loaded is not missing: a second,
    // broken import of it is reported, and paths through it still resolve.
    let loaded_namespaces: HashSet<&String> = modules
        .iter()
        .filter(|m| !m.missing)
        .filter_map(|m| m.namespace.as_ref())
        .collect();
    let broken = broken_heads(&modules, &sources);
    let mut sema = Sema {
        decls: Vec::new(),
        index: HashMap::default(),
        namespaces: modules.iter().filter_map(|m| m.namespace.clone()).collect(),
        used_namespaces: HashSet::default(),
        diags,
        memo: Vec::new(),
        in_progress: Vec::new(),
        last_global: None,
        duplicates: HashSet::default(),
        unknown_kind_names: broken.iter().filter_map(|h| h.name.clone()).collect(),
        // Read as the top-level kinds they name; a word that names none was a
        // declaration of nothing sema proves things about.
        broken_kinds: broken
            .iter()
            .filter_map(|h| {
                schema::TOP_LEVEL
                    .iter()
                    .find(|(keyword, _, _)| *keyword == h.kind)
                    .map(|&(_, kind, _)| kind)
            })
            .collect(),
        used_templates: HashSet::default(),
        templated: Vec::new(),
        failed_attrs: HashSet::default(),
        unknown_blocks: Reported::default(),
        unresolved: Reported::default(),
        unresolved_paths: Reported::default(),
        misplaced_in_loops: Reported::default(),
        unresolved_helps: HashMap::default(),
        name_indexes: suggestions::NameIndexes::default(),
        unresolved_pools: Reported::default(),
        missing_pools: HashMap::default(),
        stamped: 0,
        catalogue: HashMap::default(),
        broken_pools: HashSet::default(),
        pending_exports: Vec::new(),
        missing_namespaces: modules
            .iter()
            .filter(|m| m.missing)
            .filter_map(|m| m.namespace.clone())
            .filter(|ns| !loaded_namespaces.contains(ns))
            .collect(),
        loader,
        root_dir: std::path::Path::new(&decls::normalize(std::path::Path::new(root_name)))
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        written_prefixes: Vec::new(),
        pending_clusters: Vec::new(),
        network_names: build::NetworkNames::default(),
        kinds: build::KindIndex::default(),
        trace: loader
            .keeps_records()
            .then(|| reuse::Trace::new(loader.reuse())),
        trying: false,
    };
    sema.collect(&modules);
    sema.plan_reuse(&modules);
    let mut model = sema.build();
    model.index_names();
    sema.check_written_prefixes(&model);
    sema.build_expectations(&mut model, &modules);
    model.index_guests();
    model.source = source_name(root_name);
    sema.unused_warnings(&modules);
    let reuse = sema.finish_reuse(&sources).map(std::sync::Arc::new);
    let mut diagnostics = sema.diags;
    model.sources = sources.clone();
    dedup_reports(&mut diagnostics);
    let files = modules
        .into_iter()
        .filter_map(|m| {
            Some(ParsedFile {
                file: m.file?,
                ast: m.ast,
                clean: m.clean,
                direct: m.direct,
            })
        })
        .collect();
    Analysis {
        model,
        diagnostics,
        sources,
        files,
        reuse,
    }
}

/// What the lines that did not parse were declaring ([`infrac_syntax::broken_head`]).
fn broken_heads(modules: &[decls::Module], sources: &SourceMap) -> Vec<infrac_syntax::BrokenHead> {
    modules
        .iter()
        .filter_map(|m| Some((m, &sources.get(m.file?)?.text)))
        .flat_map(|(m, text)| {
            m.ast.items.iter().filter_map(move |item| match item {
                infrac_syntax::ast::Item::Error(span) => text
                    .get(span.start as usize..span.end as usize)
                    .and_then(infrac_syntax::broken_head),
                _ => None,
            })
        })
        .collect()
}

/// Sorts the reports by place and code and keeps one of each: an attribute evaluated
/// again (read by another declaration after its own check, which does not memoise it)
/// reports what it reported the first time. Reports of one place and code keep their
/// order, and a repeat is dropped wherever it falls among them.
fn dedup_reports(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by_key(Diagnostic::sort_key);
    // By a set, not by comparing each report with those before it of its place and code:
    // a loop stamping ten thousand guests can give one place ten thousand reports.
    let first: Vec<bool> = {
        let mut seen = HashSet::default();
        diagnostics
            .iter()
            .map(|d| seen.insert((d.sort_key(), d.message.as_str())))
            .collect()
    };
    let mut kept = first.into_iter();
    diagnostics.retain(|_| kept.next().unwrap_or(true));
}

/// The root file's name as generated files cite it: relative to the lab's folder, which is
/// the file name itself, so the output is the same from every working directory and for
/// every spelling of the path (`lab.infra`, `./lab.infra`, `/home/me/lab/lab.infra`).
fn source_name(root_name: &str) -> String {
    root_name
        .rsplit(['/', '\\'])
        .find(|part| !part.is_empty())
        .unwrap_or(root_name)
        .to_string()
}

impl Sema<'_> {
    fn unused_warnings(&mut self, modules: &[decls::Module]) {
        // After an error, evaluation stopped somewhere (a failed reference skips the rest
        // of its value), so a namespace may be used where it was never reached: an
        // "unused import" would be a consequence of the error, advising a wrong removal.
        let complete = !self.diags.iter().any(Diagnostic::is_error);
        for module in modules.iter().filter(|_| complete) {
            for item in &module.ast.items {
                let infrac_syntax::ast::Item::Import(import) = item else {
                    continue;
                };
                if !import.path.starts_with("std/") {
                    continue;
                }
                let ns = import
                    .alias
                    .as_ref()
                    .map(|a| a.name.as_str().to_owned())
                    .unwrap_or_else(|| import.path.rsplit('/').next().unwrap_or("").to_string());
                let is_prelude = stdlib::PRELUDE.iter().any(|(p, _)| *p == import.path);
                if !is_prelude
                    && self.namespaces.contains(&ns)
                    && !self.used_namespaces.contains(&ns)
                    && !self.missing_namespaces.contains(&ns)
                {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::UNUSED_IMPORT,
                            format!("`{}` is imported but `{ns}` is never used", import.path),
                            import.span,
                            "unused import",
                        )
                        .with_help("remove the import"),
                    );
                }
            }
        }
        for (i, d) in self.decls.iter().enumerate() {
            if d.kind == value::Kind::Template
                && d.namespace.is_none()
                && !self.used_templates.contains(&DeclIdx(i as u32))
            {
                self.diags.push(
                    Diagnostic::warning(Code::TEMPLATE_UNUSED, format!("template `{}` is never used", d.name), d.name_span, "no guest says `from` this template")
                        .with_help(format!("stamp guests from it with `vm NAME ID on HOST from {} {{ … }}`, or remove it", d.name)),
                );
            }
        }
    }
}

/// An attribute a block accepts, for editors: its name, its type in words, and whether it
/// must be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeInfo {
    pub name: &'static str,
    pub ty: String,
    pub required: bool,
}

/// What the block at `path` accepts, for editors (completion): `path` is a declaration
/// kind followed by the nested block kinds that lead to the block (`["vm", "nic"]`).
/// Returns its attributes and the kinds of the blocks it may contain, from the same
/// schema table that checks labs; `None` when there is no such block.
pub fn schema_for_kind(path: &[&str]) -> Option<(Vec<AttributeInfo>, Vec<&'static str>)> {
    let (first, rest) = path.split_first()?;
    let mut schema: &schema::Schema = schema::TOP_LEVEL
        .iter()
        .find(|(keyword, _, _)| keyword == first)
        .map(|(_, _, schema)| *schema)?;
    for kind in rest {
        schema = schema.block(kind)?.schema;
    }
    let attrs = schema
        .attrs
        .iter()
        .map(|a| AttributeInfo {
            name: a.name,
            ty: a.ty.describe(),
            required: a.required,
        })
        .collect();
    Some((attrs, schema.blocks.iter().map(|b| b.kind).collect()))
}

#[cfg(test)]
mod tests {
    use super::dedup_reports;
    use infrac_diagnostics::{Code, Diagnostic, FileId, Span};

    fn report(code: Code, start: usize, message: &str) -> Diagnostic {
        Diagnostic::error(
            code,
            message,
            Span::new(FileId::default(), start, start + 1),
            "here",
        )
    }

    /// A repeat goes wherever it falls among the reports of its place and code, and
    /// the rest keep their order.
    #[test]
    fn each_report_is_kept_once_in_order() {
        let mut reports = vec![
            report(Code::TYPE_MISMATCH, 5, "first"),
            report(Code::EVALUATION, 5, "other code"),
            report(Code::TYPE_MISMATCH, 5, "second"),
            report(Code::TYPE_MISMATCH, 1, "earlier"),
            report(Code::TYPE_MISMATCH, 5, "first"),
            report(Code::TYPE_MISMATCH, 5, "second"),
            report(Code::TYPE_MISMATCH, 9, "first"),
        ];
        dedup_reports(&mut reports);
        let kept: Vec<(u32, &str)> = reports
            .iter()
            .map(|d| (d.primary.span.start, d.message.as_str()))
            .collect();
        // E0301 sorts before E0306 at one place.
        assert_eq!(
            kept,
            [
                (1, "earlier"),
                (5, "first"),
                (5, "second"),
                (5, "other code"),
                (9, "first"),
            ]
        );
    }
}
