//! Which names refer to which declarations, across every file of a lab and its stdlib
//! modules: the table behind go to definition, find references, rename, workspace
//! symbols and semantic tokens.
//!
//! Names in `.infra` are global per namespace (the lab's own files share one, each
//! stdlib module has its own, `dell.r730`), and sema reports a name declared twice, so a
//! name and its namespace identify one declaration. The index reads each file's AST
//! again rather than asking sema, so it also works on a lab with errors. A loop
//! variable shadows a declaration of the same name inside its loop.

use infrac_diagnostics::{FileId, Span};
use infrac_syntax::ast;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A lab's analysis with its name index, built once on first use (the checker builds it
/// right after publishing, so requests find it ready).
#[derive(Debug)]
pub(crate) struct Checked {
    pub analysis: infrac_driver::Analysis,
    index: OnceLock<Index>,
}

impl Checked {
    pub(crate) fn new(analysis: infrac_driver::Analysis) -> Checked {
        Checked {
            analysis,
            index: OnceLock::new(),
        }
    }

    /// The syntax tree of the file at `path`, when the analysis read it with the text
    /// `text` (the document as the editor shows it now).
    pub(crate) fn tree_of(
        &self,
        path: &std::path::Path,
        text: &str,
    ) -> Option<&infrac_syntax::ast::File> {
        let file = self.analysis.sources.find(&path.to_string_lossy())?;
        if self.analysis.sources.get(file)?.text != text {
            return None;
        }
        self.analysis.parsed(file).map(|parsed| &parsed.ast)
    }

    /// Whether the index is built.
    pub(crate) fn has_index(&self) -> bool {
        self.index.get().is_some()
    }

    pub(crate) fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::build(&self.analysis))
    }
}

impl std::ops::Deref for Checked {
    type Target = infrac_driver::Analysis;

    fn deref(&self) -> &infrac_driver::Analysis {
        &self.analysis
    }
}

/// A top-level declaration with a plain name.
#[derive(Debug, Clone)]
pub(crate) struct Symbol {
    pub kind: String,
    pub name: String,
    /// The stdlib namespace it lives in (`None`: the lab's own files).
    pub namespace: Option<String>,
    pub name_span: Span,
    pub span: Span,
    pub doc: Option<String>,
}

/// One place a symbol is named.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Occurrence {
    pub symbol: usize,
    pub span: Span,
    pub is_definition: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Index {
    pub symbols: Vec<Symbol>,
    pub occurrences: Vec<Occurrence>,
    by_name: BTreeMap<(Option<String>, String), usize>,
    /// Stdlib namespace to the display name of its module's file.
    namespaces: BTreeMap<String, String>,
}

/// The stdlib file behind an import path (`std/hardware/dell`), as sources name it.
fn stdlib_file(path: &str) -> Option<String> {
    infrac_sema::stdlib::module(path).map(|(name, _)| name)
}

impl Index {
    /// Indexes every file of an analysis (a lab's root, imports and stdlib modules),
    /// from the syntax trees the analysis kept.
    pub(crate) fn build(analysis: &infrac_driver::Analysis) -> Index {
        let parsed: Vec<(FileId, &str, &ast::File)> = analysis
            .files
            .iter()
            .filter_map(|parsed| {
                let file = analysis.sources.get(parsed.file)?;
                Some((parsed.file, file.name.as_str(), &parsed.ast))
            })
            .collect();
        let mut index = Index::default();
        // Namespaces: the prelude, then imports in file order (the first one wins, as in
        // sema).
        for (path, namespace) in infrac_sema::stdlib::PRELUDE {
            if let Some(file) = stdlib_file(path) {
                index.namespaces.insert(namespace.to_string(), file);
            }
        }
        for (_, _, file) in &parsed {
            for item in &file.items {
                if let ast::Item::Import(import) = item {
                    let Some(module) = stdlib_file(&import.path) else {
                        continue;
                    };
                    let namespace = import.alias.as_ref().map_or_else(
                        || import.path.rsplit('/').next().unwrap_or("").to_string(),
                        |a| a.name.to_string(),
                    );
                    index.namespaces.entry(namespace).or_insert(module);
                }
            }
        }
        let file_namespace: BTreeMap<String, String> = index
            .namespaces
            .iter()
            .map(|(ns, file)| (file.clone(), ns.clone()))
            .collect();
        for (_, name, file) in &parsed {
            let namespace = file_namespace.get(*name).cloned();
            for item in &file.items {
                let ast::Item::Decl(decl) = item else {
                    continue;
                };
                let Some(ast::DeclName::Ident(ident)) = &decl.name else {
                    continue;
                };
                let key = (namespace.clone(), ident.name.to_string());
                if index.by_name.contains_key(&key) {
                    continue;
                }
                index.by_name.insert(key, index.symbols.len());
                index.occurrences.push(Occurrence {
                    symbol: index.symbols.len(),
                    span: ident.span,
                    is_definition: true,
                });
                index.symbols.push(Symbol {
                    kind: decl.kind.name.to_string(),
                    name: ident.name.to_string(),
                    namespace: namespace.clone(),
                    name_span: ident.span,
                    span: decl.span,
                    doc: decl.doc.as_deref().map(str::to_string),
                });
            }
        }
        for (_, name, file) in &parsed {
            let mut walker = Walker {
                index: &mut index,
                namespace: file_namespace.get(*name).cloned(),
                scope: Vec::new(),
            };
            for item in &file.items {
                match item {
                    ast::Item::Decl(decl) => walker.decl(decl, true),
                    ast::Item::For(f) => walker.for_loop(f),
                    ast::Item::Import(_) | ast::Item::Expect(_) | ast::Item::Error(_) => {}
                }
            }
        }
        index
            .occurrences
            .sort_by_key(|o| (o.span.file, o.span.start));
        index
    }

    /// The occurrence whose name covers byte `offset` of `file`.
    pub(crate) fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.covers(offset))
    }

    /// Every occurrence of `symbol`, its definition first.
    pub(crate) fn occurrences_of(&self, symbol: usize) -> impl Iterator<Item = &Occurrence> {
        let definition = self
            .occurrences
            .iter()
            .filter(move |o| o.symbol == symbol && o.is_definition);
        let uses = self
            .occurrences
            .iter()
            .filter(move |o| o.symbol == symbol && !o.is_definition);
        definition.chain(uses)
    }

    /// The symbol a name in a file of namespace `namespace` refers to.
    fn resolve(&self, namespace: &Option<String>, name: &str) -> Option<usize> {
        self.by_name
            .get(&(namespace.clone(), name.to_string()))
            .or_else(|| self.by_name.get(&(None, name.to_string())))
            .copied()
    }

    /// The namespaces a lab can use, with the stdlib file each stands for.
    pub(crate) fn namespaces(&self) -> &BTreeMap<String, String> {
        &self.namespaces
    }

    /// The symbol named `name` in `namespace`.
    pub(crate) fn lookup(&self, namespace: Option<&str>, name: &str) -> Option<usize> {
        self.by_name
            .get(&(namespace.map(str::to_string), name.to_string()))
            .copied()
    }
}

struct Walker<'i> {
    index: &'i mut Index,
    namespace: Option<String>,
    /// Loop variables in scope.
    scope: Vec<String>,
}

impl Walker<'_> {
    fn note(&mut self, symbol: usize, span: Span) {
        self.index.occurrences.push(Occurrence {
            symbol,
            span,
            is_definition: false,
        });
    }

    fn path(&mut self, path: &ast::Path) {
        let Some(first) = path.segments.first() else {
            return;
        };
        if self.scope.iter().any(|s| *s == first.name) {
            return;
        }
        if let Some(second) = path.segments.get(1) {
            if self.index.namespaces.contains_key(first.name.as_str()) {
                let key = (Some(first.name.to_string()), second.name.to_string());
                if let Some(&symbol) = self.index.by_name.get(&key) {
                    self.note(symbol, second.span);
                }
                return;
            }
        }
        if let Some(symbol) = self.index.resolve(&self.namespace, &first.name) {
            self.note(symbol, first.span);
        }
    }

    fn decl(&mut self, decl: &ast::Decl, top: bool) {
        if !top && decl.kind.name == "nic" {
            // A guest's `nic lan { … }` attaches it to network `lan`.
            if let Some(ast::DeclName::Ident(ident)) = &decl.name {
                if let Some(symbol) = self.index.resolve(&self.namespace, &ident.name) {
                    if self.index.symbols[symbol].kind == "network" {
                        self.note(symbol, ident.span);
                    }
                }
            }
        }
        if let Some(ast::DeclName::Str(s)) = &decl.name {
            self.string(s);
        }
        if let Some(id) = &decl.id {
            self.expr(id);
        }
        for path in [decl.on.as_ref(), decl.from.as_deref(), decl.in_.as_deref()]
            .into_iter()
            .flatten()
        {
            self.path(path);
        }
        self.entries(&decl.body.entries);
    }

    fn entries(&mut self, entries: &[ast::Entry]) {
        for entry in entries {
            match entry {
                ast::Entry::Attr(attr) => self.expr(&attr.value),
                ast::Entry::Block(decl) => self.decl(decl, false),
                ast::Entry::For(f) => self.for_loop(f),
                ast::Entry::Rule(rule) => self.rule(rule),
                ast::Entry::Error(_) => {}
            }
        }
    }

    fn for_loop(&mut self, f: &ast::ForLoop) {
        self.expr(&f.range);
        self.scope.push(f.var.name.to_string());
        for entry in &f.body {
            match entry {
                ast::Entry::Block(decl) => self.decl(decl, false),
                other => self.entries(std::slice::from_ref(other)),
            }
        }
        self.scope.pop();
    }

    fn rule(&mut self, rule: &ast::Rule) {
        match rule {
            ast::Rule::Filter {
                from,
                to,
                ports,
                sources,
                ..
            } => {
                // A network's zone is named after it unless it says otherwise.
                self.zone(from);
                self.zone(to);
                for port in ports {
                    self.expr(port);
                }
                if let Some(sources) = sources {
                    self.expr(sources);
                }
            }
            ast::Rule::Masquerade { zones, to, .. } => {
                self.expr(zones);
                self.zone(to);
            }
            ast::Rule::Forward {
                port,
                target,
                target_port,
                ..
            } => {
                self.expr(port);
                if let Some(symbol) = self.index.resolve(&self.namespace, &target.name) {
                    self.note(symbol, target.span);
                }
                if let Some(p) = target_port {
                    self.expr(p);
                }
            }
        }
    }

    fn zone(&mut self, zone: &ast::Ident) {
        if let Some(symbol) = self.index.resolve(&self.namespace, &zone.name) {
            if self.index.symbols[symbol].kind == "network" {
                self.note(symbol, zone.span);
            }
        }
    }

    fn string(&mut self, s: &ast::StrLit) {
        for part in &s.parts {
            if let ast::StrPart::Interp(e) = part {
                self.expr(e);
            }
        }
    }

    fn expr(&mut self, expr: &ast::Expr) {
        match &expr.kind {
            ast::ExprKind::Path(path) => self.path(path),
            ast::ExprKind::Str(s) => self.string(s),
            ast::ExprKind::List(items) | ast::ExprKind::Call(_, items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ast::ExprKind::Binary(_, l, r) | ast::ExprKind::Range(l, r) => {
                self.expr(l);
                self.expr(r);
            }
            ast::ExprKind::Placed(placed) => {
                let (value, path) = &**placed;
                self.expr(value);
                self.path(path);
            }
            ast::ExprKind::Instance(instance) => {
                let (path, block) = &**instance;
                self.path(path);
                self.entries(&block.entries);
            }
            _ => {}
        }
    }
}
