//! Checking a block's entries against its schema into typed fields.

use crate::decls::{DeclIdx, Env};
use crate::schema::Schema;
use crate::value::{Kind, Ty, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::names::same_name;
use infrac_syntax::ast;

/// One checked attribute: its value (already of the schema's type) and where it is.
#[derive(Debug, Clone)]
pub struct Field {
    /// Inline for any name up to 15 bytes: a lab has one field per attribute written.
    pub name: ecow::EcoString,
    pub value: Value,
    /// The value's span.
    pub span: Span,
}

/// A checked nested block.
#[derive(Debug, Clone)]
pub struct SubBlock {
    /// The schema's name for the kind: a lab has one sub-block per nested block written.
    pub kind: &'static str,
    /// Inline for any name up to 15 bytes, like [`Field::name`].
    pub name: Option<ecow::EcoString>,
    pub name_span: Span,
    pub doc: Option<String>,
    pub fields: Fields,
}

/// The checked content of a block.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub attrs: Vec<Field>,
    pub blocks: Vec<SubBlock>,
    /// Firewall rules, with the loop variables in force where each is written.
    pub rules: Vec<(ast::Rule, Env)>,
    /// Attributes already reported: written with a value that failed, misspelt as another
    /// name, or required and missing. Never reported again, as missing or as a
    /// consequence of a default taken in their place ([`Fields::reported`]).
    pub failed: Vec<String>,
    /// The attributes written whose value failed, by name, with their value's span: a
    /// second attribute of the name is set twice, as it is after a first that held.
    failed_values: ast::ThinVec<(ecow::EcoString, Span)>,
    /// Whether an entry of the block did not parse; what it set is unknown, so no
    /// attribute is reported missing.
    pub broken: bool,
    /// Where each nested block is, by kind and name, once there are many (a `for` loop
    /// stamps out thousands): finding a repeated one by a scan would be quadratic.
    many_blocks: Option<rustc_hash::FxHashMap<(&'static str, Option<ecow::EcoString>), Span>>,
}

/// Where an entry is written, which decides how a top-level attribute is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Directly in a declaration's body: its attributes are the declaration's values,
    /// the ones a read of `decl.name` finds ([`Sema::own_attr_value`]).
    Top,
    /// In a `for` loop of a declaration's body: its attributes read the value of the
    /// body's attribute of that name.
    TopLoop,
    /// In a nested block.
    Nested,
}

/// The loop variables of an entry outside any loop.
const NO_VARIABLES: &Env = &Env::new();

/// Below this many nested blocks, a repeated one is found by a scan.
const FEW_BLOCKS: usize = 16;

impl Fields {
    /// Empty fields with room for the attributes and blocks written directly in
    /// `entries`, each list allocated once at its size.
    fn sized_for<'e>(entries: impl Iterator<Item = &'e ast::Entry>) -> Fields {
        let (mut attrs, mut blocks) = (0, 0);
        for entry in entries {
            match entry {
                ast::Entry::Attr(_) => attrs += 1,
                ast::Entry::Block(_) => blocks += 1,
                _ => {}
            }
        }
        Fields {
            attrs: Vec::with_capacity(attrs),
            blocks: Vec::with_capacity(blocks),
            ..Fields::default()
        }
    }

    /// Where the nested block of kind `kind` named `name` is, if there is one already.
    fn find_block(&self, kind: &str, name: &Option<ecow::EcoString>) -> Option<Span> {
        match &self.many_blocks {
            Some(index) => index.get(&(kind, name.clone())).copied(),
            None => self
                .blocks
                .iter()
                .find(|b| same_name(b.kind, kind) && &b.name == name)
                .map(|b| b.name_span),
        }
    }

    fn add_block(&mut self, block: SubBlock) {
        if self.many_blocks.is_none() && self.blocks.len() >= FEW_BLOCKS {
            let mut index = rustc_hash::FxHashMap::default();
            for b in &self.blocks {
                index.entry((b.kind, b.name.clone())).or_insert(b.name_span);
            }
            self.many_blocks = Some(index);
        }
        if let Some(index) = &mut self.many_blocks {
            index
                .entry((block.kind, block.name.clone()))
                .or_insert(block.name_span);
        }
        self.blocks.push(block);
    }

    /// The field named `name`.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.attrs.iter().find(|f| same_name(&f.name, name))
    }

    /// Whether the attribute `name` failed, was misspelt or is missing, and was reported,
    /// or may be on a line of the block that did not parse: what depends on it is not
    /// reported again, as if it were missing or defaulted.
    pub fn reported(&self, name: &str) -> bool {
        self.broken || self.failed.iter().any(|f| f == name)
    }

    /// Where an attribute named `name` was written before, whether its value held or not.
    fn written(&self, name: &str) -> Option<Span> {
        self.get(name).map(|f| f.span).or_else(|| {
            self.failed_values
                .iter()
                .find(|(failed, _)| same_name(failed, name))
                .map(|&(_, span)| span)
        })
    }
    /// The nested blocks of one kind.
    pub fn blocks_of<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s SubBlock> + 's {
        self.blocks.iter().filter(move |b| same_name(b.kind, kind))
    }
    /// The single nested block of a kind, if present.
    pub fn block(&self, kind: &str) -> Option<&SubBlock> {
        self.blocks.iter().find(|b| same_name(b.kind, kind))
    }
}

impl<'a> Sema<'a> {
    /// Checks a declaration's whole body against its schema, or replays the previous
    /// analysis's check of it where that still holds (`reuse.rs`).
    pub(crate) fn check_decl(&mut self, decl: DeclIdx) -> Fields {
        std::sync::Arc::unwrap_or_clone(self.check_decl_shared(decl))
    }

    /// [`Sema::check_decl`] for a builder that only reads the fields: a replayed check
    /// is then not copied.
    pub(crate) fn check_decl_shared(&mut self, decl: DeclIdx) -> std::sync::Arc<Fields> {
        if let Some(fields) = self.replay(decl) {
            return fields;
        }
        let recording = self.open_window(decl);
        let fields = std::sync::Arc::new(self.check_decl_afresh(decl));
        if recording {
            self.close_window(decl, &fields);
        }
        fields
    }

    fn check_decl_afresh(&mut self, decl: DeclIdx) -> Fields {
        let inst = &self.decls[decl.0 as usize];
        let (schema, head) = (inst.schema, inst.name_span);
        let mut fields = Fields::sized_for(inst.entries());
        // Checking a declaration can check another (a value it reads): each counts its own.
        let outer = std::mem::take(&mut self.stamped);
        // One entry at a time instead of a copy of the list: checking needs `self`.
        for i in 0..inst.entry_count() {
            let inst = &self.decls[decl.0 as usize];
            let Some(entry) = inst.entry(i) else {
                break;
            };
            // Nearly every entry is outside any loop: it borrows one shared empty list.
            let copied;
            let env = if inst.env.is_empty() {
                NO_VARIABLES
            } else {
                copied = inst.env.clone();
                &copied
            };
            self.check_entry(entry, env, schema, Some(decl), &mut fields, Level::Top);
        }
        self.stamped = outer;
        // The words for the declaration are needed only when something is missing.
        let what = |sema: &Self| {
            let inst = &sema.decls[decl.0 as usize];
            match inst.kind {
                Kind::Bgp | Kind::Firewall => format!("`{} on {}`", inst.keyword, inst.name),
                _ => format!("{} `{}`", inst.keyword, inst.name),
            }
        };
        self.check_required(&mut fields, schema, head, &what);
        fields
    }

    /// Reports, once per declaration, that the loops in its body stamp out more entries
    /// than [`crate::decls::MAX_INSTANCES`]; what they stamped before stands.
    fn too_many_stamped(&mut self, f: &ast::ForLoop) {
        if self.stamped != u64::MAX {
            self.stamped = u64::MAX;
            self.diags.push(crate::decls::range_grows_past_cap(f));
        }
    }

    /// Reports each required attribute that is missing, and counts it among those reported,
    /// so nothing built from the fields reports a consequence of its absence.
    fn check_required(
        &mut self,
        fields: &mut Fields,
        schema: &Schema,
        head: Span,
        what: &dyn Fn(&Self) -> String,
    ) {
        if fields.broken {
            return;
        }
        for spec in schema.required() {
            if fields.get(spec.name).is_some()
                || self.attr_failed(head, spec.name)
                || fields.reported(spec.name)
            {
                continue;
            }
            let what = what(self);
            self.diags.push(
                Diagnostic::error(
                    Code::MISSING_ATTRIBUTE,
                    format!("{what} is missing `{}`", spec.name),
                    head,
                    format!("`{}` is required here", spec.name),
                )
                .with_help(format!(
                    "add `{} = …` ({})",
                    spec.name,
                    spec.ty.describe()
                )),
            );
            fields.failed.push(spec.name.to_string());
        }
    }

    fn check_entry(
        &mut self,
        entry: &'a ast::Entry,
        env: &Env,
        schema: &'static Schema,
        ctx: Option<DeclIdx>,
        fields: &mut Fields,
        level: Level,
    ) {
        match entry {
            ast::Entry::Attr(attr) => self.check_attr(attr, env, schema, ctx, fields, level),
            ast::Entry::Block(block) => self.check_block(block, env, schema, ctx, fields),
            ast::Entry::Rule(rule) => {
                if schema.rules {
                    fields.rules.push(((**rule).clone(), env.clone()));
                } else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::UNKNOWN_KIND,
                            "firewall rules are only allowed in a `firewall` block",
                            rule.span(),
                            "not a firewall",
                        )
                        .with_help("move it into `firewall on GUEST { … }`"),
                    );
                }
            }
            ast::Entry::For(f) => {
                let Some(values) = self.loop_values(f, env) else {
                    return;
                };
                let inner_level = match level {
                    Level::Top => Level::TopLoop,
                    other => other,
                };
                for n in values {
                    // The cap was checked against an estimate that evaluates inner ranges
                    // once; this bounds a range that grows with an outer loop's variable.
                    if self.stamped >= crate::decls::MAX_INSTANCES {
                        self.too_many_stamped(f);
                        return;
                    }
                    // An iteration of an empty body stamps out nothing, but is work.
                    self.stamped += (f.body.len() as u64).max(1);
                    let mut env = env.clone();
                    env.push((f.var.name.as_str().to_owned(), Value::Int(n)));
                    for inner in &f.body {
                        self.check_entry(inner, &env, schema, ctx, fields, inner_level);
                    }
                }
            }
            ast::Entry::Error(_) => fields.broken = true,
        }
    }

    fn check_attr(
        &mut self,
        attr: &'a ast::Attr,
        env: &Env,
        schema: &'static Schema,
        ctx: Option<DeclIdx>,
        fields: &mut Fields,
        level: Level,
    ) {
        let name = attr.compact_name();
        let spec = schema.attr(&name);
        let ty: Ty = match (spec, schema.free) {
            (Some(spec), _) => spec.ty,
            (None, Some(ty)) => ty,
            (None, None) => {
                let all: Vec<&str> = schema.attrs.iter().map(|a| a.name).collect();
                let known = self.attrs_accepting(schema, attr, env, ctx);
                let block_named = schema.block(&name).is_some();
                let meant = did_you_mean(&name, known.iter().copied());
                if let Some(meant) = &meant {
                    fields.failed.push(meant.to_string());
                }
                self.diags.push(
                    Diagnostic::error(
                        Code::UNKNOWN_ATTRIBUTE,
                        format!("unknown attribute `{name}`"),
                        attr.name_span(),
                        "not an attribute here",
                    )
                    .with_help(if block_named {
                        format!("`{name}` is a block here: `{name} {{ … }}`")
                    } else {
                        match meant {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if all.is_empty() => "this block takes no attributes".to_string(),
                            None => format!(
                                "attributes here: {}",
                                all.iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        }
                    }),
                );
                return;
            }
        };
        if let Some(first_span) = fields.written(&name) {
            self.diags.push(
                Diagnostic::error(
                    Code::DUPLICATE_ATTRIBUTE,
                    format!("`{name}` is set twice"),
                    attr.name_span(),
                    "set again here",
                )
                .with_label(first_span, "first set here")
                .with_help(self.set_twice_help(&name, &ty, ctx)),
            );
            return;
        }
        // Top-level attributes of a declaration are the values references to them
        // (`lan.gateway`) read: a value already read is taken from the memo.
        let value = match (level, ctx) {
            // Written directly in the body, not among the fields yet: this is the first
            // attribute of its name there (an earlier one is among the fields, and caught
            // above as a duplicate, or failed and was memoised), the one `attr_value`
            // would find.
            (Level::Top, Some(decl))
                if spec.is_some() && std::ptr::eq(self.decls[decl.0 as usize].schema, schema) =>
            {
                self.own_attr_value(decl, &name, attr, env, ty)
            }
            (Level::TopLoop, Some(decl))
                if spec.is_some() && std::ptr::eq(self.decls[decl.0 as usize].schema, schema) =>
            {
                // The first attribute of that name is the one read; a duplicate is
                // caught above.
                self.attr_value(decl, &name, attr.name_span())
            }
            _ => self
                .eval(&attr.value, env, ctx, Some(&ty))
                .and_then(|v| self.coerce(v, attr.value.span, &ty, ctx)),
        };
        match value {
            Some(value) => {
                if schema.free.is_some() {
                    self.check_free_secret(&name, &value, attr.value.span);
                }
                fields.attrs.push(Field {
                    name,
                    value,
                    span: attr.value.span,
                })
            }
            None => {
                fields.failed.push(name.to_string());
                if let Some(decl) = ctx {
                    let head = self.decls[decl.0 as usize].name_span;
                    let static_name = schema.attr(&name).map(|a| a.name);
                    if let Some(n) = static_name {
                        self.fail_attr(head, n);
                    }
                }
                fields.failed_values.push((name, attr.value.span));
            }
        }
    }

    /// The fix for an attribute set twice in one block: a list takes every value in one
    /// attribute; only a guest stamped from a template has a template value to
    /// override (and overriding needs no second line).
    fn set_twice_help(&self, name: &str, ty: &Ty, ctx: Option<DeclIdx>) -> String {
        let templated = ctx.is_some_and(|d| self.decls[d.0 as usize].template.is_some());
        match ty {
            Ty::List(_) => format!(
                "`{name}` takes a list: put every value in one `{name} = [first, second]` and remove the other line"
            ),
            _ if templated => format!(
                "remove one of them; to change the template's `{name}`, setting it once here is enough"
            ),
            _ => "remove one of them".to_string(),
        }
    }

    /// The attributes of `schema` a misspelt `attr` may have meant: those whose type
    /// accepts its value, so `gpu = 1` never suggests `cpu` (a CPU type name) and
    /// `host_network = true` never suggests `host` (a machine). Only a value written
    /// out in full is tried; one that refers to declarations keeps every attribute.
    fn attrs_accepting(
        &mut self,
        schema: &'static Schema,
        attr: &'a ast::Attr,
        env: &Env,
        ctx: Option<DeclIdx>,
    ) -> Vec<&'static str> {
        let all = || schema.attrs.iter().map(|a| a.name).collect();
        if !self_contained(&attr.value) {
            return all();
        }
        // Trying is silent: whatever a try reports is dropped.
        let mark = self.diags.len();
        let Some(value) = self.eval(&attr.value, env, ctx, None) else {
            self.diags.truncate(mark);
            return all();
        };
        let mut fitting = Vec::new();
        let trying = std::mem::replace(&mut self.trying, true);
        for spec in schema.attrs {
            if self
                .coerce(value.clone(), attr.value.span, &spec.ty, ctx)
                .is_some()
            {
                fitting.push(spec.name);
            }
        }
        self.trying = trying;
        self.diags.truncate(mark);
        fitting
    }

    /// Evaluates a top-level attribute through the memo table.
    fn check_free_secret(&mut self, name: &str, value: &Value, span: Span) {
        let upper = name.to_ascii_uppercase();
        let sensitive = [
            "PASSWORD",
            "PASSWD",
            "SECRET",
            "TOKEN",
            "API_KEY",
            "PRIVATE_KEY",
        ]
        .iter()
        .any(|w| upper.contains(w));
        if sensitive {
            if let Value::Str(s) = value {
                if !s.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::PLAINTEXT_SECRET,
                            format!("plaintext secret in `{name}`"),
                            span,
                            "this value would be written into manifests and docs",
                        )
                        .with_help(format!(
                            "refer to it by name instead: `{name} = secret(\"…\")`"
                        )),
                    );
                }
            }
        }
    }

    fn check_block(
        &mut self,
        block: &'a ast::Decl,
        env: &Env,
        schema: &'static Schema,
        ctx: Option<DeclIdx>,
        fields: &mut Fields,
    ) {
        let Some(spec) = schema.block(&block.kind.name) else {
            // The same block, repeated by a loop, says the same: it is reported once.
            if !self
                .unknown_blocks
                .first(block.kind.span, block.kind.span, &self.diags)
            {
                return;
            }
            let known: Vec<&str> = schema.blocks.iter().map(|b| b.kind).collect();
            let is_attr = schema.attr(&block.kind.name).is_some();
            self.diags.push(
                Diagnostic::error(
                    Code::UNKNOWN_KIND,
                    format!("unknown block `{}`", block.kind.name),
                    block.kind.span,
                    "not a block here",
                )
                .with_help(if is_attr {
                    format!(
                        "`{}` is an attribute here: `{} = …`",
                        block.kind.name, block.kind.name
                    )
                } else {
                    match did_you_mean(&block.kind.name, known.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if known.is_empty() => "this block takes no nested blocks".to_string(),
                        None => format!(
                            "blocks here: {}",
                            known
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                }),
            );
            return;
        };
        // Nearly every nested block has none of a declaration's head parts.
        if block.id.is_some() || block.on.is_some() || block.from.is_some() || block.in_.is_some() {
            self.head_parts_unexpected(block, spec.kind);
        }
        let name = match &block.name {
            Some(ast::DeclName::Ident(i)) => Some(i.name.clone()),
            Some(ast::DeclName::Str(s)) => self.interpolate(s, env, ctx).map(Into::into),
            None => None,
        };
        match (&name, spec.named) {
            // A name written as a string whose interpolation failed is reported there.
            (None, true) if block.name.is_some() => return,
            (None, true) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BAD_DECLARATION_HEAD,
                        format!("a `{}` block needs a name", spec.kind),
                        block.kind.span,
                        "name missing after this",
                    )
                    .with_help(format!("write `{} NAME {{ … }}`", spec.kind)),
                );
                return;
            }
            (Some(_), false) => {
                let span = block.name.as_ref().map_or(block.kind.span, |n| n.span());
                self.diags.push(
                    Diagnostic::error(
                        Code::BAD_DECLARATION_HEAD,
                        format!("a `{}` block takes no name", spec.kind),
                        span,
                        "unexpected name",
                    )
                    .with_help(format!("write `{} {{ … }}` without a name", spec.kind)),
                );
                return;
            }
            _ => {}
        }
        // A name written as a string is shown as one: `route "chat.lab"`. Only a
        // diagnostic needs it.
        let shown = || match (&name, &block.name) {
            (Some(n), Some(ast::DeclName::Str(_))) => format!("{} \"{n}\"", spec.kind),
            (Some(n), _) => format!("{} {n}", spec.kind),
            (None, _) => spec.kind.to_string(),
        };
        if let Some(first) = fields.find_block(spec.kind, &name) {
            self.diags.push(
                Diagnostic::error(
                    Code::DUPLICATE_DECLARATION,
                    format!("`{}` appears twice in one block", shown()),
                    block.head_span(),
                    "again here",
                )
                .with_help("merge the two blocks into one")
                .with_label(first, "first here"),
            );
            return;
        }
        let mut inner = Fields::sized_for(block.body.entries.iter());
        for entry in &block.body.entries {
            self.check_entry(entry, env, spec.schema, ctx, &mut inner, Level::Nested);
        }
        self.check_required(&mut inner, spec.schema, block.head_span(), &|_| {
            format!("`{}`", shown())
        });
        fields.add_block(SubBlock {
            kind: spec.kind,
            name,
            name_span: block.head_span(),
            doc: block.doc.as_deref().map(str::to_string),
            fields: inner,
        });
    }
}

impl Sema<'_> {
    /// Reports each part of a declaration's head (ID, `on`, `from`, `in`) that nested
    /// block `block` of kind `kind` has.
    #[cold]
    fn head_parts_unexpected(&mut self, block: &ast::Decl, kind: &str) {
        for (present, what) in [
            (block.id.as_ref().map(|e| e.span), "an ID"),
            (block.on.as_ref().map(|p| p.span), "`on`"),
            (block.from.as_deref().map(|p| p.span), "`from`"),
            (block.in_.as_deref().map(|p| p.span), "`in`"),
        ] {
            if let Some(span) = present {
                self.diags.push(
                    Diagnostic::error(
                        Code::BAD_DECLARATION_HEAD,
                        format!("a `{kind}` block takes no {what}"),
                        span,
                        "unexpected here",
                    )
                    .with_help(
                        "only top-level declarations take IDs, `on`, `from` and `in`; remove it",
                    ),
                );
            }
        }
    }
}

/// Whether an expression is a literal whose value needs nothing but itself: numbers,
/// quantities, booleans, plain strings, addresses, prefixes, MACs, ports, and lists and
/// ranges of those.
fn self_contained(expr: &ast::Expr) -> bool {
    match &expr.kind {
        ast::ExprKind::Number(_)
        | ast::ExprKind::Quantity(..)
        | ast::ExprKind::Bool(_)
        | ast::ExprKind::Ipv4(_)
        | ast::ExprKind::Ipv6(_)
        | ast::ExprKind::Prefix(..)
        | ast::ExprKind::Mac(_)
        | ast::ExprKind::Port(..) => true,
        ast::ExprKind::Str(s) => s.as_plain().is_some(),
        ast::ExprKind::List(items) => items.iter().all(self_contained),
        ast::ExprKind::Range(a, b) => self_contained(a) && self_contained(b),
        _ => false,
    }
}
