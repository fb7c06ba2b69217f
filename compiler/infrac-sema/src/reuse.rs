//! Reusing the previous analysis's declaration checks after an edit.
//!
//! The language server analyses a lab again after every keystroke, and most of that work
//! is checking declarations the keystroke did not touch. When asked to (see
//! [`crate::Loader::reuse`]), an analysis keeps a record of each declaration's check:
//! the checked fields, the diagnostics it reported, the attribute values it evaluated,
//! its other effects on the analysis, and the declarations it read. The next analysis
//! replays a record instead of checking again when nothing the check depended on can
//! have changed:
//!
//! - every file was made from the previous analysis's tree by `infrac_syntax::reparse`,
//!   so the edit is known and confined to whole top-level items, and the files are the
//!   same ones in the same order;
//! - the declarations are the same, in the same order, with the same kinds, names,
//!   namespaces, templates and loop variables, so every name resolves, and every "did
//!   you mean" reads, as before;
//! - the declaration lies outside the edit, and so do, transitively, the declarations
//!   its check read (an attribute value that read another declaration counts as a read
//!   of that one too);
//! - at the moment of the replay the attribute values the check found already evaluated
//!   are evaluated again, and the ones it evaluated itself are not yet, so the replay
//!   has the effects, in the same order, that checking would have.
//!
//! Spans after the edit move by the edit's length; a record holding a span inside the
//! edit is never replayed. Anything else is checked afresh and recorded anew, so the
//! analysis is the one checking everything would give (the differential tests compare
//! the two).

use crate::decls::{DeclIdx, Env};
use crate::fields::{Field, Fields};
use crate::value::{Kind, Value};
use crate::Sema;
use ecow::EcoString;
use infrac_diagnostics::{Diagnostic, Span};
use infrac_syntax::Edit;
use std::sync::Arc;

/// What the next analysis needs to reuse this one's declaration checks.
#[derive(Debug)]
pub struct Reuse {
    /// How many source files it read (the edits say which they are).
    files: usize,
    headers: Vec<Header>,
    duplicates: Vec<DeclIdx>,
    unknown_kind_names: Vec<String>,
    /// The namespaces the imports bind, and those of them whose module is missing, in
    /// order: a path through a namespace resolves by them (through a missing one it
    /// resolves to nothing, silently), and so does a "did you mean".
    namespaces: Vec<String>,
    missing_namespaces: Vec<String>,
    /// Taken by the next analysis, which moves each record it replays into its own.
    records: std::sync::Mutex<Vec<Option<Record>>>,
    /// What each declaration's check and attribute values read.
    deps: Vec<Vec<DeclIdx>>,
    /// How many declaration checks were replayed from the analysis before.
    replayed: usize,
}

impl Reuse {
    /// How many declaration checks this analysis replayed from the one before.
    pub fn replayed(&self) -> usize {
        self.replayed
    }
}

/// What identifies a declaration for name resolution.
#[derive(Debug)]
struct Header {
    keyword: &'static str,
    kind: Kind,
    name: EcoString,
    name_span: Span,
    namespace: Option<String>,
    template: Option<DeclIdx>,
    env: Env,
}

/// One declaration's check and its effects.
#[derive(Debug, Clone)]
struct Record {
    /// Shared with the builder that asked; unshared again (or copied, if a builder kept
    /// it) by the next analysis, which moves its spans in place.
    fields: Arc<Fields>,
    diags: Vec<Diagnostic>,
    effects: Effects,
    written_prefixes: Vec<(Span, u8)>,
    /// The declarations it read.
    deps: Vec<DeclIdx>,
    /// Where its spans end, when they all lie in one file: learnt when it is first
    /// replayed, so a later replay before every edit (typing at the end of a file) leaves
    /// it as it is without visiting each span.
    extent: Option<Extent>,
}

/// The one file every span of a record lies in, and the furthest end among them.
#[derive(Debug, Clone, Copy)]
struct Extent {
    file: infrac_diagnostics::FileId,
    end: u32,
}

/// What the spans seen so far have in common: nothing seen, all in one file, or not.
#[derive(Clone, Copy)]
enum Seen {
    Nothing,
    One(Extent),
    Files,
}

impl Seen {
    fn add(&mut self, span: Span) {
        *self = match *self {
            Seen::Nothing => Seen::One(Extent {
                file: span.file,
                end: span.end,
            }),
            Seen::One(e) if e.file == span.file => Seen::One(Extent {
                file: e.file,
                end: e.end.max(span.end),
            }),
            Seen::One(_) | Seen::Files => Seen::Files,
        }
    }
}

/// What a check did to the analysis besides reporting, noted while it ran.
#[derive(Debug, Clone, Default)]
struct Effects {
    /// Attribute values it evaluated, of any declaration.
    created: Vec<Evaluated>,
    /// Attribute values it found evaluated.
    hits: Vec<(DeclIdx, EcoString)>,
    used_namespaces: Vec<String>,
    failed_attrs: Vec<(Span, &'static str)>,
}

/// An attribute value a check evaluated, and the declarations its evaluation read.
#[derive(Debug, Clone)]
struct Evaluated {
    decl: DeclIdx,
    attr: EcoString,
    value: Option<Value>,
    read: Vec<DeclIdx>,
}

/// The bookkeeping of an analysis that keeps records.
#[derive(Default)]
pub(crate) struct Trace {
    /// One list per evaluation or check in progress: the declarations it read.
    readers: Vec<Vec<DeclIdx>>,
    deps: Vec<Vec<DeclIdx>>,
    /// The declaration check being recorded (checks do not nest; one that would marks
    /// the outer one as not recordable).
    window: Option<Window>,
    records: Vec<Option<Record>>,
    /// Whether each declaration was checked at least once: only a first check is
    /// recorded or replayed.
    checked: Vec<bool>,
    replayed: usize,
    previous: Option<Previous>,
}

struct Window {
    decl: DeclIdx,
    diags_at: usize,
    written_at: usize,
    effects: Effects,
    recordable: bool,
}

/// The previous analysis's records, and which of them still hold.
struct Previous {
    reuse: Arc<Reuse>,
    /// The edit of each file, by file id.
    edits: Vec<Edit>,
    records: Vec<Option<Record>>,
    /// Whether each declaration may be replayed.
    clean: Vec<bool>,
}

impl Previous {
    /// `span` as it is after the edits; `false` when the edit covers it.
    fn moved(&self, span: &mut Span) -> bool {
        let Some(edit) = self.edits.get(span.file.0 as usize) else {
            return false;
        };
        if span.end <= edit.start {
            return true;
        }
        if span.start >= edit.old_end {
            let delta = i64::from(edit.new_end) - i64::from(edit.old_end);
            let at = |n: u32| u32::try_from(i64::from(n) + delta).ok();
            match (at(span.start), at(span.end)) {
                (Some(start), Some(end)) => {
                    span.start = start;
                    span.end = end;
                    return true;
                }
                _ => return false,
            }
        }
        false
    }

    /// Whether every span of a record with `extent` ends before the edit of its file, so
    /// none of them moves.
    fn before_the_edits(&self, extent: Option<Extent>) -> bool {
        extent.is_some_and(|e| {
            self.edits
                .get(e.file.0 as usize)
                .is_some_and(|edit| e.end <= edit.start)
        })
    }

    /// Whether `span` (in the new text) lies in or touches an edit.
    fn edited(&self, span: Span) -> bool {
        self.edits
            .get(span.file.0 as usize)
            .is_some_and(|e| span.start <= e.new_end && e.start <= span.end)
    }
}

impl Trace {
    pub(crate) fn new(previous: Option<Arc<Reuse>>) -> Trace {
        Trace {
            previous: previous.map(|reuse| Previous {
                reuse,
                edits: Vec::new(),
                records: Vec::new(),
                clean: Vec::new(),
            }),
            ..Trace::default()
        }
    }

    fn read(&mut self, decl: DeclIdx) {
        if let Some(reader) = self.readers.last_mut() {
            if reader.last() != Some(&decl) {
                reader.push(decl);
            }
        }
    }

    fn deps_mut(&mut self, decl: DeclIdx) -> &mut Vec<DeclIdx> {
        slot(&mut self.deps, decl)
    }
}

/// The entry of `decl` in a table by declaration, grown to hold it.
fn slot<T: Default>(table: &mut Vec<T>, decl: DeclIdx) -> &mut T {
    let at = decl.0 as usize;
    if table.len() <= at {
        table.resize_with(at + 1, T::default);
    }
    &mut table[at]
}

impl<'a> Sema<'a> {
    /// Notes that the work in progress read declaration `decl`'s body.
    #[inline]
    pub(crate) fn note_read(&mut self, decl: DeclIdx) {
        if let Some(trace) = &mut self.trace {
            trace.read(decl);
        }
    }

    /// Notes a memoised attribute value found evaluated.
    #[inline]
    pub(crate) fn note_hit(&mut self, decl: DeclIdx, name: &str) {
        if let Some(trace) = &mut self.trace {
            trace.read(decl);
            if let Some(window) = &mut trace.window {
                window.effects.hits.push((decl, name.into()));
            }
        }
    }

    /// Starts evaluating an attribute value of `decl`.
    #[inline]
    pub(crate) fn note_evaluating(&mut self) {
        if let Some(trace) = &mut self.trace {
            trace.readers.push(Vec::new());
        }
    }

    /// Finishes evaluating attribute `name` of `decl` into `value`.
    #[inline]
    pub(crate) fn note_evaluated(&mut self, decl: DeclIdx, name: &str, value: &Option<Value>) {
        let Some(trace) = &mut self.trace else {
            return;
        };
        let read = trace.readers.pop().unwrap_or_default();
        trace.deps_mut(decl).extend(read.iter().copied());
        trace.read(decl);
        if let Some(window) = &mut trace.window {
            window.effects.created.push(Evaluated {
                decl,
                attr: name.into(),
                value: value.clone(),
                read,
            });
        }
    }

    pub(crate) fn use_namespace(&mut self, ns: &str) {
        if let Some(window) = self.trace.as_mut().and_then(|t| t.window.as_mut()) {
            if !self.used_namespaces.contains(ns) {
                window.effects.used_namespaces.push(ns.to_owned());
            }
        }
        self.used_namespaces.insert(ns.to_owned());
    }

    /// Whether the top-level attribute `name` of the declaration whose name is at `head`
    /// was written and failed: reported there, and not to be judged again where it is read.
    pub(crate) fn attr_failed(&self, head: Span, name: &'static str) -> bool {
        self.failed_attrs.contains(&(head, name))
    }

    pub(crate) fn fail_attr(&mut self, head: Span, name: &'static str) {
        if let Some(window) = self.trace.as_mut().and_then(|t| t.window.as_mut()) {
            window.effects.failed_attrs.push((head, name));
        }
        self.failed_attrs.insert((head, name));
    }

    /// Decides which of the previous analysis's records hold, once declarations are
    /// collected.
    pub(crate) fn plan_reuse(&mut self, modules: &[crate::decls::Module]) {
        let Some(mut trace) = self.trace.take() else {
            return;
        };
        // Every declaration has an entry in both tables by the end (`finish_reuse`):
        // sized once here rather than grown one declaration at a time.
        trace.records.resize_with(self.decls.len(), || None);
        trace.deps.resize_with(self.decls.len(), Vec::new);
        trace.checked.resize(self.decls.len(), false);
        if let Some(previous) = trace.previous.take() {
            trace.previous = self.still_valid(previous, modules);
        }
        self.trace = Some(trace);
    }

    fn sorted_missing_namespaces(&self) -> Vec<String> {
        let mut missing: Vec<String> = self.missing_namespaces.iter().cloned().collect();
        missing.sort_unstable();
        missing
    }

    fn still_valid(
        &mut self,
        mut previous: Previous,
        modules: &[crate::decls::Module],
    ) -> Option<Previous> {
        let reuse = Arc::clone(&previous.reuse);
        // Every file made from the previous tree, the same files in the same order.
        let mut edits: Vec<Option<Edit>> = vec![None; reuse.files];
        for module in modules {
            let Some(file) = module.file else {
                continue;
            };
            let edit = module.edit?;
            if edit.file != file {
                return None;
            }
            *edits.get_mut(file.0 as usize)? = Some(edit);
        }
        previous.edits = edits.into_iter().collect::<Option<Vec<_>>>()?;
        if self.decls.len() != reuse.headers.len()
            || self.unknown_kind_names.len() != reuse.unknown_kind_names.len()
            || !reuse
                .unknown_kind_names
                .iter()
                .all(|n| self.unknown_kind_names.contains(n))
            || self.duplicates.len() != reuse.duplicates.len()
            || !reuse.duplicates.iter().all(|d| self.duplicates.contains(d))
            || !self.namespaces.iter().eq(&reuse.namespaces)
            || self.sorted_missing_namespaces() != reuse.missing_namespaces
        {
            return None;
        }
        let mut touched = vec![false; self.decls.len()];
        for (i, (inst, old)) in self.decls.iter().zip(&reuse.headers).enumerate() {
            if inst.keyword != old.keyword
                || inst.kind != old.kind
                || inst.name != old.name
                || inst.namespace != old.namespace
                || inst.template != old.template
                || inst.env != old.env
            {
                return None;
            }
            touched[i] = previous.edited(inst.decl.span)
                || inst.entries().any(|e| previous.edited(entry_span(e)));
            if !touched[i] {
                let mut span = old.name_span;
                if !previous.moved(&mut span) || span != inst.name_span {
                    return None;
                }
            }
        }
        // A declaration is dirty when touched or when it read a dirty one.
        let mut readers: Vec<Vec<u32>> = vec![Vec::new(); self.decls.len()];
        for (reader, deps) in reuse.deps.iter().enumerate() {
            for dep in deps {
                if let Some(list) = readers.get_mut(dep.0 as usize) {
                    list.push(reader as u32);
                }
            }
        }
        let mut dirty = touched;
        let mut work: Vec<u32> = (0..dirty.len() as u32)
            .filter(|&i| dirty[i as usize])
            .collect();
        while let Some(d) = work.pop() {
            for &r in &readers[d as usize] {
                if !dirty[r as usize] {
                    dirty[r as usize] = true;
                    work.push(r);
                }
            }
        }
        previous.clean = dirty.into_iter().map(|d| !d).collect();
        previous.records =
            std::mem::take(&mut *reuse.records.lock().unwrap_or_else(|e| e.into_inner()));
        Some(previous)
    }

    /// The fields of `decl` from the previous analysis's record of its check, with the
    /// check's effects on this analysis; `None` when the record does not hold: then
    /// check it.
    pub(crate) fn replay(&mut self, decl: DeclIdx) -> Option<Arc<Fields>> {
        let trace = self.trace.as_ref()?;
        if trace.window.is_some()
            || !self.in_progress.is_empty()
            || trace.checked.get(decl.0 as usize).copied().unwrap_or(false)
        {
            return None;
        }
        let previous = trace.previous.as_ref()?;
        if !previous
            .clean
            .get(decl.0 as usize)
            .copied()
            .unwrap_or(false)
        {
            return None;
        }
        let old = previous.records.get(decl.0 as usize)?.as_ref()?;
        let memo = |d: DeclIdx, n: &str| self.memoised(d, n).is_some();
        if !old.effects.hits.iter().all(|(d, n)| memo(*d, n))
            || old.effects.created.iter().any(|e| memo(e.decl, &e.attr))
        {
            return None;
        }
        let trace = self.trace.as_mut()?;
        let previous = trace.previous.as_mut()?;
        let mut record = previous.records.get_mut(decl.0 as usize)?.take()?;
        if !previous.before_the_edits(record.extent) {
            let seen = std::cell::Cell::new(Seen::Nothing);
            let moved = move_record(&mut record, &|span| {
                let ok = previous.moved(span);
                let mut s = seen.get();
                s.add(*span);
                seen.set(s);
                ok
            });
            if !moved {
                return None;
            }
            record.extent = match seen.get() {
                Seen::One(extent) => Some(extent),
                Seen::Nothing | Seen::Files => None,
            };
        }
        *slot(&mut trace.checked, decl) = true;
        trace.replayed += 1;
        trace.deps_mut(decl).extend(record.deps.iter().copied());
        for e in &record.effects.created {
            trace.deps_mut(e.decl).extend(e.read.iter().copied());
        }
        self.diags.extend(record.diags.iter().cloned());
        for e in &record.effects.created {
            self.memoise(e.decl, e.attr.clone(), e.value.clone());
        }
        for ns in &record.effects.used_namespaces {
            self.used_namespaces.insert(ns.clone());
        }
        for f in &record.effects.failed_attrs {
            self.failed_attrs.insert(*f);
        }
        self.written_prefixes
            .extend(record.written_prefixes.iter().copied());
        let fields = Arc::clone(&record.fields);
        if let Some(trace) = &mut self.trace {
            *slot(&mut trace.records, decl) = Some(record);
        }
        Some(fields)
    }

    /// Starts recording the check of `decl`; `false` when it will not be recorded.
    pub(crate) fn open_window(&mut self, decl: DeclIdx) -> bool {
        let Some(trace) = &mut self.trace else {
            return false;
        };
        let first = !std::mem::replace(slot(&mut trace.checked, decl), true);
        if let Some(outer) = &mut trace.window {
            outer.recordable = false;
            return false;
        }
        if !first || !self.in_progress.is_empty() {
            return false;
        }
        trace.readers.push(vec![decl]);
        trace.window = Some(Window {
            decl,
            diags_at: self.diags.len(),
            written_at: self.written_prefixes.len(),
            effects: Effects::default(),
            recordable: true,
        });
        true
    }

    /// Finishes recording the check of `decl`, which gave `fields`.
    pub(crate) fn close_window(&mut self, decl: DeclIdx, fields: &Arc<Fields>) {
        let Some(trace) = &mut self.trace else {
            return;
        };
        let Some(window) = trace.window.take() else {
            return;
        };
        let read = trace.readers.pop().unwrap_or_default();
        trace.deps_mut(decl).extend(read.iter().copied());
        if !window.recordable || window.decl != decl {
            return;
        }
        *slot(&mut trace.records, decl) = Some(Record {
            fields: Arc::clone(fields),
            diags: self.diags[window.diags_at..].to_vec(),
            effects: window.effects,
            written_prefixes: self.written_prefixes[window.written_at..].to_vec(),
            deps: read,
            extent: None,
        });
    }

    /// The records this analysis leaves for the next one.
    pub(crate) fn finish_reuse(
        &mut self,
        sources: &infrac_diagnostics::SourceMap,
    ) -> Option<Reuse> {
        let trace = self.trace.take()?;
        let mut records = trace.records;
        records.resize_with(self.decls.len(), || None);
        let mut deps = trace.deps;
        deps.resize_with(self.decls.len(), Vec::new);
        for list in &mut deps {
            list.sort_unstable();
            list.dedup();
        }
        Some(Reuse {
            files: sources.iter().count(),
            headers: self
                .decls
                .iter()
                .map(|d| Header {
                    keyword: d.keyword,
                    kind: d.kind,
                    name: d.name.clone(),
                    name_span: d.name_span,
                    namespace: d.namespace.clone(),
                    template: d.template,
                    env: d.env.clone(),
                })
                .collect(),
            duplicates: self.duplicates.iter().copied().collect(),
            unknown_kind_names: self.unknown_kind_names.iter().cloned().collect(),
            namespaces: self.namespaces.iter().cloned().collect(),
            missing_namespaces: self.sorted_missing_namespaces(),
            records: std::sync::Mutex::new(records),
            replayed: trace.replayed,
            deps,
        })
    }
}

fn entry_span(entry: &infrac_syntax::ast::Entry) -> Span {
    use infrac_syntax::ast::Entry;
    match entry {
        Entry::Attr(a) => a.span(),
        Entry::Block(b) => b.span,
        Entry::Rule(r) => r.span(),
        Entry::For(f) => f.span,
        Entry::Error(span) => *span,
    }
}

/// Moves every span of `record` with `moved`; `false` when one cannot be moved.
fn move_record(record: &mut Record, moved: &impl Fn(&mut Span) -> bool) -> bool {
    let mut ok = move_fields(Arc::make_mut(&mut record.fields), moved);
    for d in &mut record.diags {
        ok &= moved(&mut d.primary.span);
        for label in &mut d.labels {
            ok &= moved(&mut label.span);
        }
    }
    for e in &mut record.effects.created {
        if let Some(value) = &mut e.value {
            ok &= move_value(value, moved);
        }
    }
    for (span, _) in &mut record.effects.failed_attrs {
        ok &= moved(span);
    }
    for (span, _) in &mut record.written_prefixes {
        ok &= moved(span);
    }
    ok
}

fn move_fields(fields: &mut Fields, moved: &impl Fn(&mut Span) -> bool) -> bool {
    let mut ok = true;
    for Field { value, span, .. } in &mut fields.attrs {
        ok &= moved(span) && move_value(value, moved);
    }
    for block in &mut fields.blocks {
        ok &= moved(&mut block.name_span) && move_fields(&mut block.fields, moved);
    }
    for (rule, env) in &mut fields.rules {
        rule.each_span_mut(&mut |span| ok &= moved(span));
        for (_, value) in env {
            ok &= move_value(value, moved);
        }
    }
    ok
}

fn move_value(value: &mut Value, moved: &impl Fn(&mut Span) -> bool) -> bool {
    match value {
        Value::Range(lo, hi) => move_value(lo, moved) && move_value(hi, moved),
        Value::List(items) => items
            .iter_mut()
            .all(|(v, span)| moved(span) && move_value(v, moved)),
        Value::Placed(inner, _, span) => {
            moved(span) && moved(&mut inner.1) && move_value(&mut inner.0, moved)
        }
        Value::Instance(_, attrs) => attrs
            .iter_mut()
            .all(|(_, v, span)| moved(span) && move_value(v, moved)),
        Value::Count(_, inner) => move_value(inner, moved),
        Value::Int(_)
        | Value::Float(_)
        | Value::Bool(_)
        | Value::Str(_)
        | Value::Bytes(_)
        | Value::Milli(_)
        | Value::Freq(_)
        | Value::Speed(_)
        | Value::Duration(_)
        | Value::Ip(_)
        | Value::Net(..)
        | Value::Mac(_)
        | Value::Port(_)
        | Value::Ref(_)
        | Value::Word(_)
        | Value::Secret(_)
        | Value::Expose(_)
        | Value::BgpPeers => true,
    }
}
