//! The declaration table's rows: one declaration after `for` expansion, and the
//! declarations that share a name.

use super::{DeclIdx, Env};
use crate::schema::Schema;
use crate::value::Kind;
use infrac_diagnostics::Span;
use infrac_syntax::ast;

/// One declaration after `for` expansion.
#[derive(Debug)]
pub struct DeclInst<'a> {
    pub keyword: &'static str,
    pub kind: Kind,
    pub schema: &'static Schema,
    /// Inline when short, as nearly every name is: one allocation fewer per declaration.
    pub name: ecow::EcoString,
    pub name_span: Span,
    pub decl: &'a ast::Decl,
    pub env: Env,
    pub namespace: Option<String>,
    /// The entries of its template that its body does not override, in the template's
    /// order; they come before the body's own (see [`DeclInst::entries`]). Empty without
    /// a template: a declaration's own entries are read from its body, not listed again
    /// (a list of four per guest of a large lab).
    pub inherited: Vec<&'a ast::Entry>,
    pub template: Option<DeclIdx>,
    /// Whether an import binds its name too, so a path starting with it names the
    /// namespace's entries, not this declaration's attributes.
    pub shadowed: bool,
}

/// The declarations of one name, in source order: read as a slice. Nearly every name is
/// declared once, and a list of one would be an allocation per declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    Once(DeclIdx),
    /// Two or more: a duplicate, reported.
    More(Vec<DeclIdx>),
}

impl Declared {
    /// Adds a later declaration of the name.
    pub fn push(&mut self, idx: DeclIdx) {
        match self {
            Declared::Once(first) => *self = Declared::More(vec![*first, idx]),
            Declared::More(all) => all.push(idx),
        }
    }
}

impl std::ops::Deref for Declared {
    type Target = [DeclIdx];

    fn deref(&self) -> &[DeclIdx] {
        match self {
            Declared::Once(idx) => std::slice::from_ref(idx),
            Declared::More(all) => all,
        }
    }
}

impl<'a> DeclInst<'a> {
    /// The body, with the template's entries merged in before it. Every entry is read
    /// with the declaration's loop variables, [`DeclInst::env`].
    pub fn entries(&self) -> impl Iterator<Item = &'a ast::Entry> + use<'a, '_> {
        self.inherited
            .iter()
            .copied()
            .chain(self.decl.body.entries.iter())
    }

    /// Whether a line of the body (or of the template's) did not parse: it may be the one
    /// that sets any attribute, and its syntax error is reported.
    pub fn has_unparsed_line(&self) -> bool {
        self.entries().any(|e| matches!(e, ast::Entry::Error(_)))
    }

    /// How many entries [`DeclInst::entries`] gives.
    pub fn entry_count(&self) -> usize {
        self.inherited.len() + self.decl.body.entries.len()
    }

    /// The `i`-th of [`DeclInst::entries`].
    pub fn entry(&self, i: usize) -> Option<&'a ast::Entry> {
        match i.checked_sub(self.inherited.len()) {
            None => self.inherited.get(i).copied(),
            Some(own) => self.decl.body.entries.get(own),
        }
    }
}
