//! Loading modules and collecting declarations: imports, `for` expansion, templates,
//! and the name tables references are resolved against.

use crate::schema;
use crate::stdlib;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::names::same_name;
use infrac_syntax::ast;
use rustc_hash::FxHashMap as HashMap;
use std::path::{Component, Path, PathBuf};

mod inst;
pub use inst::{DeclInst, Declared};

/// Reads user files named by relative imports. Implemented by drivers; sema does no I/O.
///
/// Sema only asks for paths that lexically stay inside the root lab's folder. A loader that
/// knows the file system also answers [`Loader::identity`], so two spellings of one file
/// (or a path through a symbolic link) are one module, a cycle through links is reported
/// as a cycle, and a link pointing out of the lab's folder is refused.
pub trait Loader {
    /// The text of the file at `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, LoadError>;

    /// The parse of `text`, the text of the file at `path` as file `file`, when the
    /// loader can give it more cheaply than a whole parse (a language server reparses
    /// only the declarations an edit touched). `None`: parse it whole.
    fn parse(
        &self,
        _path: &Path,
        _text: &str,
        _file: infrac_diagnostics::FileId,
    ) -> Option<infrac_syntax::Parsed> {
        None
    }

    /// The canonical identity of the file at `path` (its real path), or `None` when it
    /// cannot be known; then the normalised path itself identifies the module.
    fn identity(&self, _path: &Path) -> Option<PathBuf> {
        None
    }

    /// Whether the analysis keeps what the next analysis of the lab needs to reuse its
    /// declaration checks ([`crate::Reuse`]): a language server asks, a build does not.
    fn keeps_records(&self) -> bool {
        false
    }

    /// The previous analysis's records, when [`Loader::parse`] makes trees from its
    /// trees: declarations the edit cannot have changed are not checked again.
    fn reuse(&self) -> Option<std::sync::Arc<crate::Reuse>> {
        None
    }
}

/// Why a source file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// It is not a regular file: a folder, a device, a FIFO or a socket (named here).
    NotRegular(String),
    /// Its bytes are not UTF-8; the text says where.
    NotText(String),
    /// Anything else: missing, unreadable or too large; the text says which.
    Unreadable(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotRegular(what) => write!(f, "is {what}, not a regular file"),
            LoadError::NotText(why) | LoadError::Unreadable(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for LoadError {}

/// Index of a declaration instance in [`Sema::decls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeclIdx(pub u32);

/// Variables bound by enclosing `for` loops.
pub type Env = Vec<(String, Value)>;

/// One parsed module.
#[derive(Debug)]
pub struct Module {
    /// The normalised path it was imported by (the stdlib path for stdlib modules).
    pub key: String,
    /// What tells two modules apart: the file's real path when the loader knows it,
    /// else `key`.
    pub identity: String,
    /// The source file it was parsed from; `None` for a namespace whose import was
    /// refused, which has no file.
    pub file: Option<infrac_diagnostics::FileId>,
    pub ast: ast::File,
    /// The namespace its declarations live in (`dell`); `None` for the lab's own files.
    pub namespace: Option<String>,
    /// A stdlib import that does not exist (already reported): uses of its namespace
    /// stay quiet instead of cascading.
    pub missing: bool,
    /// Whether its text parsed without a single diagnostic: only such a tree can be the
    /// start of a reparse after an edit.
    pub clean: bool,
    /// How many of its first items the direct parser made (`infrac_syntax::Parsed::direct`).
    pub direct: usize,
    /// What was parsed again when the tree was made from the previous analysis's
    /// (`None`: parsed whole), for reusing that analysis's checks.
    pub edit: Option<infrac_syntax::Edit>,
}

/// Loads `root` and everything it imports into `modules`, reporting import problems.
pub fn load_modules(
    sema_sources: &mut infrac_diagnostics::SourceMap,
    root_name: &str,
    root_text: String,
    loader: &dyn Loader,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Module> {
    let root_key = normalize(Path::new(root_name));
    let root_dir = Path::new(&root_key)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let root_dir_identity = loader.identity(if root_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &root_dir
    });
    let root_identity = identity_key(loader, &root_key);
    let mut loading = Loading {
        sources: sema_sources,
        loader,
        root_dir,
        root_dir_identity,
        modules: Vec::new(),
        stack: Vec::new(),
        diags,
        stdlib_imports: Vec::new(),
    };
    loading.load_one(
        root_name.to_string(),
        root_key,
        root_identity,
        root_text,
        None,
        None,
    );
    for (path, namespace) in stdlib::PRELUDE {
        if !loading.modules.iter().any(|m| m.key == *path) {
            if let Some((name, text)) = stdlib::module(path) {
                loading.load_one(
                    name,
                    path.to_string(),
                    path.to_string(),
                    text.to_string(),
                    Some(namespace.to_string()),
                    None,
                );
            }
        }
    }
    loading.modules
}

/// The identity of the file at `key`: its real path when the loader knows it, else `key`.
fn identity_key(loader: &dyn Loader, key: &str) -> String {
    loader
        .identity(Path::new(key))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| key.to_string())
}

/// Resolves `.` and `..` lexically. A `..` cancels only a preceding folder name, so
/// `../../x` stays `../../x` rather than collapsing into `x`.
pub(crate) fn normalize(path: &Path) -> String {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().replace('\\', "/")
}

/// The most syntax problems of an imported file listed by position when it does not parse.
const MAX_LISTED_PROBLEMS: usize = 5;

/// The state of loading one lab's modules.
struct Loading<'s, 'l> {
    sources: &'s mut infrac_diagnostics::SourceMap,
    loader: &'l dyn Loader,
    /// The root lab's folder, normalised (empty for the working directory): relative
    /// imports must stay inside it.
    root_dir: PathBuf,
    /// The real path of that folder, when the loader knows it.
    root_dir_identity: Option<PathBuf>,
    modules: Vec<Module>,
    /// The modules being loaded, outermost first: identity, display name, and the import
    /// that led into the next one.
    stack: Vec<(String, String, Span)>,
    diags: &'s mut Vec<Diagnostic>,
    /// Each stdlib module imported so far: path, namespace, and the import's span.
    stdlib_imports: Vec<(String, String, Span)>,
}

impl Loading<'_, '_> {
    /// Parses one module and loads what it imports. `imported_at` is the import that named
    /// it (`None` for the root and the stdlib).
    fn load_one(
        &mut self,
        display: String,
        key: String,
        identity: String,
        text: String,
        namespace: Option<String>,
        imported_at: Option<Span>,
    ) {
        let file = infrac_diagnostics::FileId(self.sources.iter().count() as u32);
        let parsed = self
            .loader
            .parse(Path::new(&display), &text, file)
            .unwrap_or_else(|| infrac_syntax::parse(&text, file));
        let clean = parsed.diagnostics.is_empty();
        if let Some(at) = imported_at {
            if parsed.diagnostics.iter().any(Diagnostic::is_error) {
                // Not a lab: report where it fails, never what it says. It may be any
                // file of the lab's folder (keys, an environment file), and build logs
                // are often public.
                let source = infrac_diagnostics::SourceFile::new(display.as_str(), text);
                self.diags.push(not_a_lab(&source, &parsed.diagnostics, at));
                self.sources.add(display, String::new());
                self.modules.push(Module {
                    key,
                    identity,
                    file: Some(file),
                    ast: ast::File::default(),
                    namespace,
                    missing: false,
                    clean: false,
                    direct: 0,
                    edit: None,
                });
                return;
            }
        }
        self.sources.add(display.clone(), text);
        self.diags.extend(parsed.diagnostics);
        let imports: Vec<ast::Import> = parsed
            .file
            .items
            .iter()
            .filter_map(|i| match i {
                ast::Item::Import(import) => Some(ast::Import::clone(import)),
                _ => None,
            })
            .collect();
        self.modules.push(Module {
            key: key.clone(),
            identity: identity.clone(),
            file: Some(file),
            ast: parsed.file,
            namespace,
            missing: false,
            clean,
            direct: parsed.direct,
            edit: parsed.edit,
        });
        for import in imports {
            let path = import.path.as_str();
            if path.starts_with("std/") || path == "std" {
                self.import_stdlib(&import);
            } else {
                self.import_file(&import, &key, &identity, &display);
            }
        }
    }

    /// A namespace whose import was refused (already reported): its uses are not
    /// reported again as unknown names.
    fn unbound_namespace(&mut self, path: &str, namespace: String) {
        self.modules.push(Module {
            key: format!("{path} as {namespace}"),
            identity: format!("{path} as {namespace}"),
            file: None,
            ast: ast::File::default(),
            namespace: Some(namespace),
            missing: true,
            clean: false,
            direct: 0,
            edit: None,
        });
    }

    fn import_stdlib(&mut self, import: &ast::Import) {
        let path = import.path.as_str();
        let namespace = import
            .alias
            .as_ref()
            .map(|a| a.name.as_str().to_owned())
            .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path).to_string());
        // A module has one namespace: a second name for it would leave one of the two
        // names pointing at nothing.
        let name_span = import.alias.as_ref().map_or(import.path_span, |a| a.span);
        let earlier = self
            .stdlib_imports
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, ns, span)| (ns.clone(), *span));
        let prelude = stdlib::PRELUDE
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, ns)| ns.to_string());
        match (earlier, prelude) {
            (Some((first, first_span)), _) if first != namespace => {
                self.diags.push(
                    Diagnostic::error(
                        Code::DUPLICATE_DECLARATION,
                        format!("`{path}` is imported twice, as `{first}` and as `{namespace}`"),
                        name_span,
                        format!("a second name, `{namespace}`"),
                    )
                    .with_label(first_span, format!("imported as `{first}` here"))
                    .with_help(format!(
                        "a module has one name: remove this import and write `{first}.…` where `{namespace}.…` is used"
                    )),
                );
                self.unbound_namespace(path, namespace);
                return;
            }
            (None, Some(always)) if always != namespace => {
                self.diags.push(
                    Diagnostic::error(
                        Code::DUPLICATE_DECLARATION,
                        format!("`{path}` is always available as `{always}`"),
                        name_span,
                        format!("a second name, `{namespace}`"),
                    )
                    .with_help(format!(
                        "remove this import and write `{always}.…` where `{namespace}.…` is used"
                    )),
                );
                self.unbound_namespace(path, namespace);
                return;
            }
            _ => {}
        }
        self.stdlib_imports
            .push((path.to_string(), namespace.clone(), name_span));
        if self.modules.iter().any(|m| m.key == path) {
            // Imported again under the same name: nothing more to load.
            return;
        }
        match stdlib::module(path) {
            Some((display, text)) => self.load_one(
                display,
                path.to_string(),
                path.to_string(),
                text.to_string(),
                Some(namespace),
                None,
            ),
            None => {
                self.modules.push(Module {
                    key: path.to_string(),
                    identity: path.to_string(),
                    file: None,
                    ast: ast::File::default(),
                    namespace: Some(namespace),
                    missing: true,
                    clean: false,
                    direct: 0,
                    edit: None,
                });
                let known = stdlib::MODULES.iter().map(|(p, _, _)| *p);
                self.diags.push(
                    Diagnostic::error(
                        Code::IMPORT_NOT_FOUND,
                        format!("no stdlib module `{path}`"),
                        import.path_span,
                        "not in the standard library",
                    )
                    .with_help_opt(
                        did_you_mean(path, known).map(|s| format!("did you mean `{s}`?")),
                    )
                    .with_note(format!(
                        "the stdlib has {}",
                        stdlib::MODULES
                            .iter()
                            .map(|(p, _, _)| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }

    /// A relative import of a lab file from the module `key`.
    fn import_file(&mut self, import: &ast::Import, key: &str, identity: &str, display: &str) {
        let path = import.path.as_str();
        if let Some(alias) = &import.alias {
            // A relative import merges its declarations into the lab; a namespace would
            // silently not apply to them.
            self.diags.push(
                Diagnostic::error(
                    Code::IMPORT_ALIAS,
                    format!("`as {}` on a relative import", alias.name),
                    alias.span,
                    "relative imports have no namespace",
                )
                .with_note(
                    "the declarations of a relative import join the lab under their own names",
                )
                .with_help(format!(
                    "remove `as {}`, and refer to the imported declarations by name",
                    alias.name
                )),
            );
        }
        let raw = Path::new(path);
        if raw.has_root() || raw.components().any(|c| matches!(c, Component::Prefix(_))) {
            self.diags.push(
                Diagnostic::error(
                    Code::IMPORT_OUTSIDE_LAB,
                    "import of an absolute path",
                    import.path_span,
                    "only relative paths inside the lab's folder can be imported",
                )
                .with_help(
                    "move the file into the lab's folder and import it with a relative path \
                     such as `./networks.infra`",
                ),
            );
            return;
        }
        let base = Path::new(key).parent().unwrap_or(Path::new(""));
        let target = normalize(&base.join(path));
        let inside = Path::new(&target)
            .strip_prefix(&self.root_dir)
            .is_ok_and(|rest| {
                !rest.as_os_str().is_empty()
                    && rest.components().all(|c| matches!(c, Component::Normal(_)))
            });
        if !inside {
            self.diags.push(
                Diagnostic::error(
                    Code::IMPORT_OUTSIDE_LAB,
                    format!("import of `{target}` outside the lab's folder"),
                    import.path_span,
                    "this path leaves the folder of the root lab file",
                )
                .with_help(
                    "imports reach only files in the root lab's folder and below it; move the \
                     file there",
                ),
            );
            return;
        }
        let real = self.loader.identity(Path::new(&target));
        if let (Some(real), Some(root)) = (&real, &self.root_dir_identity) {
            if !real.starts_with(root) {
                self.diags.push(
                    Diagnostic::error(
                        Code::IMPORT_OUTSIDE_LAB,
                        format!("import of `{target}` leads outside the lab's folder"),
                        import.path_span,
                        "a symbolic link takes this path out of the root lab's folder",
                    )
                    .with_help("copy the file into the lab's folder instead of linking to it"),
                );
                return;
            }
        }
        let target_identity = real
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|| target.clone());
        if target_identity == identity || self.stack.iter().any(|(k, _, _)| *k == target_identity) {
            let mut chain: Vec<String> = self.stack.iter().map(|(_, d, _)| d.clone()).collect();
            chain.push(display.to_string());
            chain.push(target.clone());
            let mut d = Diagnostic::error(
                Code::IMPORT_CYCLE,
                if target_identity == identity {
                    format!("`{target}` imports itself")
                } else {
                    format!("import cycle through `{target}`")
                },
                import.path_span,
                "this import closes the cycle",
            )
            .with_note(format!("cycle: {}", chain.join(" → ")))
            .with_help("move the shared declarations into a file both can import");
            for (_, _, span) in self.stack.iter() {
                d = d.with_label(*span, "imported from here");
            }
            self.diags.push(d);
            return;
        }
        if self.modules.iter().any(|m| m.identity == target_identity) {
            return;
        }
        match self.loader.read(Path::new(&target)) {
            Ok(text) => {
                self.stack
                    .push((identity.to_string(), display.to_string(), import.path_span));
                self.load_one(
                    target.clone(),
                    target,
                    target_identity,
                    text,
                    None,
                    Some(import.path_span),
                );
                self.stack.pop();
            }
            Err(LoadError::NotText(why)) => self.diags.push(
                Diagnostic::error(
                    Code::SYNTAX_NOT_TEXT,
                    format!("imported file `{target}` is not text"),
                    import.path_span,
                    why,
                )
                .with_help("an import must name a UTF-8 `.infra` source file"),
            ),
            Err(LoadError::NotRegular(what)) => self.diags.push(
                Diagnostic::error(
                    Code::IMPORT_NOT_REGULAR,
                    format!("imported `{target}` is not a regular file"),
                    import.path_span,
                    format!("this is {what}"),
                )
                .with_help("an import must name a `.infra` source file"),
            ),
            Err(LoadError::Unreadable(why)) => self.diags.push(
                Diagnostic::error(
                    Code::IMPORT_NOT_FOUND,
                    format!("cannot read imported file `{target}`"),
                    import.path_span,
                    why,
                )
                .with_help("relative imports are resolved against the importing file's folder"),
            ),
        }
    }
}

/// The one diagnostic for an imported file that does not parse: where its problems are,
/// by line and column and code title, without a line of its text.
fn not_a_lab(
    source: &infrac_diagnostics::SourceFile,
    problems: &[Diagnostic],
    imported_at: Span,
) -> Diagnostic {
    let errors: Vec<&Diagnostic> = problems.iter().filter(|d| d.is_error()).collect();
    let mut d = Diagnostic::error(
        Code::IMPORT_NOT_A_LAB,
        format!("imported file `{}` does not parse", source.name),
        imported_at,
        format!(
            "{} syntax error{} in this file",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ),
    )
    .with_help(format!(
        "fix the file (`infrac check {}` shows its errors in full) or remove the import",
        source.name
    ));
    for problem in errors.iter().take(MAX_LISTED_PROBLEMS) {
        let at = source.line_col(problem.primary.span.start as usize);
        let title = problem.code.info().map_or("syntax error", |i| i.title);
        d = d.with_note(format!(
            "{}:{}:{}: {} {title}",
            source.name, at.line, at.column, problem.code
        ));
    }
    if errors.len() > MAX_LISTED_PROBLEMS {
        d = d.with_note(format!(
            "and {} more; the file's text is not shown, since it may not be a lab source",
            errors.len() - MAX_LISTED_PROBLEMS
        ));
    } else {
        d = d.with_note("the file's text is not shown, since it may not be a lab source");
    }
    d
}

/// At most this many declarations and attributes stamped out by the `for` loops of a lab.
/// Each loop is capped on its own; this bounds their product, so nested loops cannot
/// exhaust memory. (What is written out by hand is bounded by the source file's size.)
pub(crate) const MAX_INSTANCES: u64 = 100_000;

/// At most this many iterations of one `for` loop.
const MAX_ITERATIONS: i128 = 4096;

/// At most this many iterations of the top-level `for` loops of a lab, every level of a
/// nest counted. Declarations are bounded by [`MAX_INSTANCES`]; this bounds the loops whose
/// bodies stamp out none (only misplaced attributes, broken lines, or nothing) and whose
/// ranges grow with an outer loop's variable, which the estimate does not see. A nest that
/// stamps out a declaration per innermost iteration runs at most about twice as many
/// iterations as declarations, so no lab within the cap comes near this.
const MAX_LOOP_ITERATIONS: u64 = 4 * MAX_INSTANCES;

impl<'a> Sema<'a> {
    /// Collects every declaration of every module, expanding `for` loops.
    pub(crate) fn collect(&mut self, modules: &'a [Module]) {
        // Instances the items expanded so far stamp out: each item is estimated before it
        // is expanded, so nested loops that would multiply past the cap are refused
        // without allocating anything.
        let mut instances: u64 = 0;
        // One declaration per item, loops aside: the lists grow once, not by doubling.
        let items = modules.iter().map(|m| m.ast.items.len()).sum::<usize>();
        self.decls.reserve(items);
        self.index.reserve(items);
        for module in modules {
            for item in &module.ast.items {
                match item {
                    ast::Item::Decl(decl) => {
                        let estimate = if decl.loops {
                            self.loops_estimate(&decl.body.entries, &Vec::new())
                        } else {
                            0
                        };
                        if self.within_instance_cap(&mut instances, estimate, decl.head_span()) {
                            self.add_decl(decl, Vec::new(), &module.namespace);
                        }
                    }
                    ast::Item::For(f) => {
                        let estimate = self.loop_estimate(f, &Vec::new());
                        // The loop's head, `for i in 1..4096`, not its whole body.
                        let head = Span {
                            end: f.range.span.end,
                            ..f.span
                        };
                        if self.within_instance_cap(&mut instances, estimate, head) {
                            let budget = self.decls.len() + MAX_INSTANCES as usize;
                            let mut iterations = 0;
                            self.expand_for(
                                f,
                                Vec::new(),
                                &module.namespace,
                                budget,
                                &mut iterations,
                            );
                        }
                    }
                    // Expectations are read once the model is built (`build/expect.rs`).
                    ast::Item::Import(_) | ast::Item::Expect(_) | ast::Item::Error(_) => {}
                }
            }
        }
        self.check_duplicates();
        self.apply_templates();
    }

    /// The integer values a `for` range produces, or `None` after reporting why not.
    pub(crate) fn loop_values(&mut self, f: &ast::ForLoop, env: &Env) -> Option<Vec<i128>> {
        let (lo, hi) = match self.eval(&f.range, env, None, None)? {
            Value::Range(lo, hi) => match (*lo, *hi) {
                (Value::Int(lo), Value::Int(hi)) => (lo, hi),
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            "a `for` loop needs an integer range",
                            f.range.span,
                            "expected a range such as `1..3`",
                        )
                        .with_help("loop over whole numbers: `for i in 1..3 { … }`"),
                    );
                    return None;
                }
            },
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        "a `for` loop needs an integer range",
                        f.range.span,
                        format!(
                            "expected a range such as `1..3`, found {}",
                            other.describe()
                        ),
                    )
                    .with_help("loop over whole numbers: `for i in 1..3 { … }`"),
                );
                return None;
            }
        };
        if hi < lo || hi - lo >= MAX_ITERATIONS {
            self.diags.push(
                Diagnostic::error(
                    Code::OUT_OF_RANGE,
                    format!("`for` range {lo}..{hi} is empty or too long"),
                    f.range.span,
                    format!("a loop runs 1 to {MAX_ITERATIONS} times"),
                )
                .with_help(
                    "write the lower bound first, and keep loops to a few thousand iterations",
                ),
            );
            return None;
        }
        Some((lo..=hi).collect())
    }

    /// Expands `f`, stopping once `self.decls` holds `budget` declarations or the
    /// top-level loops have run [`MAX_LOOP_ITERATIONS`] (`iterations`, counted across the
    /// nest).
    fn expand_for(
        &mut self,
        f: &'a ast::ForLoop,
        env: Env,
        namespace: &Option<String>,
        budget: usize,
        iterations: &mut u64,
    ) {
        let Some(values) = self.loop_values(f, &env) else {
            return;
        };
        for n in values {
            *iterations += 1;
            let mut inner = env.clone();
            inner.push((f.var.name.as_str().to_owned(), Value::Int(n)));
            for entry in &f.body {
                match entry {
                    ast::Entry::Block(decl) => self.add_decl(decl, inner.clone(), namespace),
                    ast::Entry::For(nested) => {
                        self.expand_for(nested, inner.clone(), namespace, budget, iterations)
                    }
                    ast::Entry::Attr(a) => self.not_at_top_level(a.span(), "an attribute"),
                    ast::Entry::Rule(r) => self.not_at_top_level(r.span(), "a firewall rule"),
                    ast::Entry::Error(_) => {}
                }
            }
            // The estimate evaluates inner ranges once; this bounds loops whose inner range
            // grows with the outer variable, reported once, at the innermost loop.
            if self.decls.len() >= budget || *iterations >= MAX_LOOP_ITERATIONS {
                if !self
                    .diags
                    .iter()
                    .any(|d| d.code == Code::TOO_MANY_INSTANCES)
                {
                    self.diags.push(range_grows_past_cap(f));
                }
                return;
            }
            // Counting errors reads every diagnostic: only once there can be that many.
            if self.diags.len() > 10_000
                && self.diags.iter().filter(|d| d.is_error()).count() > 10_000
            {
                return;
            }
        }
    }

    /// Adds `estimate` to the running `total`, or reports at `span` (the outermost loop or
    /// the declaration holding the loops) that the lab's loops would exceed
    /// [`MAX_INSTANCES`] and returns false.
    fn within_instance_cap(&mut self, total: &mut u64, estimate: u64, span: Span) -> bool {
        let sum = total.saturating_add(estimate);
        if sum > MAX_INSTANCES {
            self.diags.push(
                Diagnostic::error(
                    Code::TOO_MANY_INSTANCES,
                    format!("`for` loops would stamp out more than {MAX_INSTANCES} declarations and attributes"),
                    span,
                    format!("this expands to about {estimate}"),
                )
                .with_note("nested `for` loops multiply: two loops of 1000 iterations stamp out a million copies of their body")
                .with_help("loop over fewer values, or split the lab into smaller labs"),
            );
            return false;
        }
        *total = sum;
        true
    }

    /// An estimate of the instances a declaration stamps out: itself, its attributes and
    /// blocks, and everything its `for` loops repeat.
    fn decl_estimate(&mut self, decl: &ast::Decl, env: &Env) -> u64 {
        1u64.saturating_add(self.entries_estimate(&decl.body.entries, env))
    }

    /// What the `for` loops among `entries` (and in their blocks) stamp out; a source file
    /// alone is bounded by its size, loops multiply.
    fn loops_estimate(&mut self, entries: &[ast::Entry], env: &Env) -> u64 {
        entries.iter().fold(0u64, |total, entry| {
            let n = match entry {
                ast::Entry::Block(decl) if decl.loops => {
                    self.loops_estimate(&decl.body.entries, env)
                }
                ast::Entry::For(f) => self.loop_estimate(f, env),
                ast::Entry::Block(_)
                | ast::Entry::Attr(_)
                | ast::Entry::Rule(_)
                | ast::Entry::Error(_) => 0,
            };
            total.saturating_add(n)
        })
    }

    fn entries_estimate(&mut self, entries: &[ast::Entry], env: &Env) -> u64 {
        entries.iter().fold(0u64, |total, entry| {
            let n = match entry {
                ast::Entry::Block(decl) => self.decl_estimate(decl, env),
                ast::Entry::For(f) => self.loop_estimate(f, env),
                ast::Entry::Attr(_) | ast::Entry::Rule(_) | ast::Entry::Error(_) => 1,
            };
            total.saturating_add(n)
        })
    }

    /// Iterations times the body's estimate, without expanding: the range is evaluated
    /// once (inner ranges with the variable at its lower bound) and any diagnostic of that
    /// evaluation is dropped, since expansion reports it. A range that does not evaluate,
    /// or that `loop_values` refuses, expands to nothing.
    fn loop_estimate(&mut self, f: &ast::ForLoop, env: &Env) -> u64 {
        let reported = self.diags.len();
        let range = self.eval(&f.range, env, None, None);
        self.diags.truncate(reported);
        let Some(Value::Range(lo, hi)) = range else {
            return 0;
        };
        let (Value::Int(lo), Value::Int(hi)) = (*lo, *hi) else {
            return 0;
        };
        // `loop_values` reports a range it refuses, and nothing of the loop is expanded.
        if hi < lo || hi - lo >= MAX_ITERATIONS {
            return 0;
        }
        let Ok(iterations) = u64::try_from(hi - lo + 1) else {
            return 0;
        };
        let mut inner = env.clone();
        inner.push((f.var.name.as_str().to_owned(), Value::Int(lo)));
        // An iteration is work even when its body stamps out nothing.
        iterations.saturating_mul(self.entries_estimate(&f.body, &inner).max(1))
    }

    fn not_at_top_level(&mut self, span: Span, what: &str) {
        if self.misplaced_in_loops.first(span, span, &self.diags) {
            self.diags.push(Diagnostic::error(
                Code::BAD_DECLARATION_HEAD,
                format!("{what} cannot stand at the top level of a `for` loop"),
                span,
                "only declarations can be stamped out here",
            ).with_help("move it into a declaration inside the loop: `for i in 1..3 { vm \"w-{i}\" (600 + i) on pve { … } }`"));
        }
    }

    /// The declared name, evaluated if it is an interpolated string.
    fn decl_name(&mut self, decl: &ast::Decl, env: &Env) -> Option<(ecow::EcoString, Span)> {
        match &decl.name {
            Some(ast::DeclName::Ident(i)) => Some((i.name.clone(), i.span)),
            Some(ast::DeclName::Str(s)) => {
                let text = self.interpolate(s, env, None)?;
                if text.is_empty() {
                    self.diags.push(Diagnostic::error(
                        Code::BAD_DECLARATION_HEAD,
                        "a declaration's name cannot be empty",
                        s.span,
                        "empty name",
                    ).with_help("give the declaration a name; an interpolated name must not come out empty"));
                    return None;
                }
                Some((text.into(), s.span))
            }
            None => None,
        }
    }

    fn add_decl(&mut self, decl: &'a ast::Decl, env: Env, namespace: &Option<String>) {
        let keyword = decl.kind.name.as_str();
        let Some(&(keyword, kind, schema)) = schema::TOP_LEVEL
            .iter()
            .find(|(k, _, _)| same_name(k, keyword))
        else {
            let known = schema::TOP_LEVEL.iter().map(|(k, _, _)| *k);
            self.diags.push(
                Diagnostic::error(
                    Code::UNKNOWN_KIND,
                    format!("unknown declaration kind `{}`", decl.kind.name),
                    decl.kind.span,
                    "not a kind of declaration",
                )
                .with_help(match did_you_mean(&decl.kind.name, known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declarations are {}",
                        schema::TOP_LEVEL
                            .iter()
                            .map(|(k, _, _)| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            );
            if let Some(ast::DeclName::Ident(name)) = &decl.name {
                self.unknown_kind_names
                    .insert(name.name.as_str().to_owned());
            }
            return;
        };
        if !self.check_head(decl, keyword) {
            return;
        }
        let (name, name_span) = match kind {
            // `bgp on router` and `firewall on router` are named after their guest.
            Kind::Bgp | Kind::Firewall => match &decl.on {
                Some(on) => (on.dotted().into(), on.span),
                None => return,
            },
            _ => match self.decl_name(decl, &env) {
                Some(n) => n,
                None => return,
            },
        };
        // Looked up by the tree's text where the name is written out: the copy just made
        // is still being stored, and `memcmp` waits for it.
        let written = match &decl.name {
            Some(ast::DeclName::Ident(ident)) => ident.name.as_str(),
            _ => name.as_str(),
        };
        let shadowed = !self.namespaces.is_empty() && self.namespaces.contains(written);
        let idx = DeclIdx(self.decls.len() as u32);
        match self
            .index
            .entry((namespace.as_deref().map(Into::into), name.clone()))
        {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut().push(idx),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Declared::Once(idx));
            }
        }
        if decl.from.is_some() {
            self.templated.push(idx);
        }
        self.decls.push(DeclInst {
            keyword,
            kind,
            schema,
            name,
            name_span,
            decl,
            env,
            namespace: namespace.clone(),
            inherited: Vec::new(),
            template: None,
            shadowed,
        });
    }

    /// Checks that the head has what the kind needs: names, IDs, `on`, `from`, `in`.
    fn check_head(&mut self, decl: &ast::Decl, keyword: &str) -> bool {
        let mut ok = true;
        let mut complain =
            |this: &mut Self, span: Span, message: String, label: &str, help: String| {
                this.diags.push(
                    Diagnostic::error(Code::BAD_DECLARATION_HEAD, message, span, label)
                        .with_help(help),
                );
                ok = false;
            };
        let guest = matches!(keyword, "vm" | "lxc");
        let attached = matches!(keyword, "bgp" | "firewall");
        if attached {
            if let Some(name) = &decl.name {
                complain(
                    self,
                    name.span(),
                    format!("`{keyword}` blocks have no name"),
                    "unexpected name",
                    format!("write `{keyword} on MACHINE {{ … }}`"),
                );
            }
        } else if decl.name.is_none() {
            complain(
                self,
                decl.kind.span,
                format!("`{keyword}` needs a name"),
                "name missing after this",
                format!("write `{keyword} NAME {{ … }}`"),
            );
        }
        match (&decl.id, guest) {
            (None, true) => complain(
                self,
                decl.head_span(),
                format!("`{keyword}` needs a numeric ID"),
                "VMID missing after the name",
                format!(
                    "write `{keyword} NAME ID on HOST {{ … }}`, e.g. `{keyword} router 200 on pve`"
                ),
            ),
            (Some(id), false) => complain(
                self,
                id.span,
                format!("`{keyword}` takes no ID"),
                "unexpected ID",
                "only `vm` and `lxc` have VMIDs".into(),
            ),
            _ => {}
        }
        let needs_on = guest || attached || matches!(keyword, "ingress" | "stack");
        match (&decl.on, needs_on) {
            (None, true) => complain(
                self,
                decl.head_span(),
                format!("`{keyword}` needs `on`"),
                "where does this run?",
                if guest {
                    "add `on HOST`".into()
                } else {
                    "add `on MACHINE`".into()
                },
            ),
            (Some(on), false) => complain(
                self,
                on.span,
                format!("`{keyword}` takes no `on`"),
                "unexpected `on`",
                "only guests, `bgp`, `firewall`, `ingress` and `stack` are placed with `on`".into(),
            ),
            _ => {}
        }
        if let Some(from) = &decl.from {
            if !guest {
                complain(
                    self,
                    from.span,
                    format!("`{keyword}` takes no `from`"),
                    "unexpected `from`",
                    "only `vm` and `lxc` are stamped from templates".into(),
                );
            }
        }
        match (&decl.in_, matches!(keyword, "app" | "helm" | "monitoring")) {
            (None, true) => complain(
                self,
                decl.head_span(),
                format!("`{keyword}` needs `in CLUSTER`"),
                "which cluster?",
                format!("write `{keyword} NAME in CLUSTER {{ … }}`"),
            ),
            (Some(i), false) => complain(
                self,
                i.span,
                format!("`{keyword}` takes no `in`"),
                "unexpected `in`",
                "only apps, helm charts and monitoring are placed `in` a cluster".into(),
            ),
            _ => {}
        }
        ok
    }

    /// Reports names declared twice within one kind (VMs and containers share one space).
    fn check_duplicates(&mut self) {
        let mut seen: HashMap<(Option<&str>, Kind, &str), DeclIdx> = HashMap::default();
        seen.reserve(self.decls.len());
        let mut found = Vec::new();
        for (i, d) in self.decls.iter().enumerate() {
            let key = (d.namespace.as_deref(), d.kind, d.name.as_str());
            match seen.entry(key) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    found.push((*first.get(), DeclIdx(i as u32)))
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(DeclIdx(i as u32));
                }
            }
        }
        for (first, again) in found {
            let (f, a) = (&self.decls[first.0 as usize], &self.decls[again.0 as usize]);
            let what = match a.kind {
                Kind::Bgp | Kind::Firewall => format!("`{} on {}`", a.keyword, a.name),
                _ => format!("{} `{}`", a.keyword, a.name),
            };
            if f.name_span == a.name_span {
                // One declaration in a `for` loop whose name does not change per iteration.
                let var = a.env.last().map_or("i", |(n, _)| n.as_str());
                self.diags.push(
                    Diagnostic::error(
                        Code::DUPLICATE_DECLARATION,
                        format!("{what} is declared once per loop iteration"),
                        a.name_span,
                        "every iteration declares this same name",
                    )
                    .with_help(format!(
                        "put the loop variable into the name, e.g. \"{}-{{{var}}}\"",
                        a.name
                    )),
                );
                self.duplicates.insert(again);
                continue;
            }
            self.diags.push(
                Diagnostic::error(
                    Code::DUPLICATE_DECLARATION,
                    format!("{what} is declared twice"),
                    a.name_span,
                    "declared again here",
                )
                .with_label(
                    f.name_span,
                    format!("first declared here as {} `{}`", f.keyword, f.name),
                )
                .with_help("rename one of them, or merge the two declarations"),
            );
            self.duplicates.insert(again);
        }
    }

    /// Merges each guest's template entries under its own.
    fn apply_templates(&mut self) {
        for DeclIdx(i) in std::mem::take(&mut self.templated) {
            let i = i as usize;
            let Some(from) = &self.decls[i].decl.from else {
                continue;
            };
            let Some(template) = self.resolve_path_as(from, Kind::Template) else {
                continue;
            };
            let own_keys: Vec<String> = self.decls[i].entries().filter_map(entry_key).collect();
            let inherited: Vec<&'a ast::Entry> = self.decls[template.0 as usize]
                .entries()
                .filter(|e| entry_key(e).is_none_or(|k| !own_keys.contains(&k)))
                .collect();
            // Before any the declaration already inherited, as the template's own entries
            // came before the body's.
            let earlier = std::mem::take(&mut self.decls[i].inherited);
            self.decls[i].inherited = inherited.into_iter().chain(earlier).collect();
            self.decls[i].template = Some(template);
            self.used_templates.insert(template);
        }
    }
}

/// What an entry sets, for template overriding: `memory`, or `nic lan`.
fn entry_key(entry: &ast::Entry) -> Option<String> {
    match entry {
        ast::Entry::Attr(a) => Some(a.name()),
        ast::Entry::Block(b) => Some(format!(
            "{} {}",
            b.kind.name,
            match &b.name {
                Some(ast::DeclName::Ident(i)) => i.name.as_str().to_owned(),
                _ => String::new(),
            }
        )),
        _ => None,
    }
}

/// E0317 at a loop whose range grows with an outer loop's variable: the cap was checked
/// against an estimate that evaluates inner ranges once, and expanding passed it.
pub(crate) fn range_grows_past_cap(f: &ast::ForLoop) -> Diagnostic {
    let head = Span {
        end: f.range.span.end,
        ..f.span
    };
    Diagnostic::error(
        Code::TOO_MANY_INSTANCES,
        format!(
            "`for` loops would stamp out more than {MAX_INSTANCES} declarations and attributes"
        ),
        head,
        "its range grows with an outer loop's variable",
    )
    .with_help("loop over fewer values, or split the lab into smaller labs")
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn parent_folders_cancel_only_folder_names() {
        assert_eq!(normalize(Path::new("a/./b/../c")), "a/c");
        assert_eq!(normalize(Path::new("../a/../../b")), "../../b");
        assert_eq!(normalize(Path::new("../../x")), "../../x");
        assert_eq!(normalize(Path::new("/../etc")), "/etc");
    }
}
