//! Every span of a syntax tree, visited to rewrite it: moved by the length of an edit
//! (`parser/incremental.rs`) or blanked so that two layouts of one text compare equal
//! (`fmt/strip.rs`). Every node is taken apart field by field, so a node or field added
//! to the tree does not compile until this walk reaches its spans.

use crate::ast::*;
use infrac_diagnostics::Span;

/// A tree whose spans can all be rewritten.
pub(crate) trait Spans {
    /// Calls `f` on every span of the tree, once each.
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F);
}

impl Spans for Span {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        f(self);
    }
}

impl<T: Spans> Spans for Vec<T> {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        for x in self {
            x.each_span(f);
        }
    }
}

impl<T: Spans> Spans for ThinVec<T> {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        for x in self {
            x.each_span(f);
        }
    }
}

impl<T: Spans> Spans for Option<T> {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        if let Some(x) = self {
            x.each_span(f);
        }
    }
}

impl<T: Spans> Spans for Box<T> {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        (**self).each_span(f);
    }
}

impl Spans for Ident {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Ident { name: _, span } = self;
        span.each_span(f);
    }
}

impl Spans for Item {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            Item::Import(import) => import.each_span(f),
            Item::Decl(decl) => std::sync::Arc::make_mut(decl).each_span(f),
            Item::For(for_loop) => for_loop.each_span(f),
            Item::Expect(expect) => expect.each_span(f),
            Item::Error(span) => span.each_span(f),
        }
    }
}

impl Spans for Import {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Import {
            path: _,
            path_span,
            alias,
            span,
        } = self;
        path_span.each_span(f);
        alias.each_span(f);
        span.each_span(f);
    }
}

impl Spans for Expect {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Expect {
            from,
            to,
            ports,
            outcome,
            on,
            span,
        } = self;
        from.each_span(f);
        to.each_span(f);
        ports.each_span(f);
        outcome.each_span(f);
        on.each_span(f);
        span.each_span(f);
    }
}

impl Spans for Decl {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Decl {
            doc: _,
            kind,
            name,
            id,
            on,
            from,
            in_,
            body,
            span,
            loops: _,
        } = self;
        kind.each_span(f);
        name.each_span(f);
        id.each_span(f);
        on.each_span(f);
        from.each_span(f);
        in_.each_span(f);
        body.each_span(f);
        span.each_span(f);
    }
}

impl Spans for DeclName {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            DeclName::Ident(ident) => ident.each_span(f),
            DeclName::Str(s) => s.each_span(f),
        }
    }
}

impl Spans for Block {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Block { entries, span } = self;
        entries.each_span(f);
        span.each_span(f);
    }
}

impl Spans for Entry {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            Entry::Attr(attr) => attr.each_span(f),
            Entry::Block(decl) => decl.each_span(f),
            Entry::Rule(rule) => rule.each_span(f),
            Entry::For(for_loop) => for_loop.each_span(f),
            Entry::Error(span) => span.each_span(f),
        }
    }
}

impl Spans for AttrName {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            AttrName::One(name) => name.each_span(f),
            AttrName::Dotted(names) => names.iter_mut().for_each(|name| name.each_span(f)),
        }
    }
}

impl Spans for Attr {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Attr { path, value } = self;
        path.each_span(f);
        value.each_span(f);
    }
}

impl Spans for Rule {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            Rule::Filter {
                action,
                from,
                to,
                ports,
                sources,
                span,
            } => {
                action.each_span(f);
                from.each_span(f);
                to.each_span(f);
                ports.each_span(f);
                sources.each_span(f);
                span.each_span(f);
            }
            Rule::Masquerade { zones, to, span } => {
                zones.each_span(f);
                to.each_span(f);
                span.each_span(f);
            }
            Rule::Forward {
                from,
                port,
                target,
                target_port,
                span,
            } => {
                from.each_span(f);
                port.each_span(f);
                target.each_span(f);
                target_port.each_span(f);
                span.each_span(f);
            }
        }
    }
}

impl Spans for ForLoop {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let ForLoop {
            var,
            range,
            body,
            span,
        } = self;
        var.each_span(f);
        range.each_span(f);
        body.each_span(f);
        span.each_span(f);
    }
}

impl Spans for Path {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Path { segments, span } = self;
        segments.each_span(f);
        span.each_span(f);
    }
}

impl Spans for StrLit {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let StrLit { parts, span } = self;
        parts.each_span(f);
        span.each_span(f);
    }
}

impl Spans for StrPart {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        match self {
            StrPart::Text(_) => {}
            StrPart::Interp(expr) => expr.each_span(f),
        }
    }
}

impl Spans for Expr {
    fn each_span<F: FnMut(&mut Span) + ?Sized>(&mut self, f: &mut F) {
        let Expr {
            kind,
            span,
            depth: _,
        } = self;
        span.each_span(f);
        match kind {
            ExprKind::Number(_)
            | ExprKind::Quantity(..)
            | ExprKind::Bool(_)
            | ExprKind::Ipv4(_)
            | ExprKind::Ipv6(_)
            | ExprKind::Prefix(..)
            | ExprKind::Mac(_)
            | ExprKind::Port(..)
            | ExprKind::Error => {}
            ExprKind::Str(s) => s.each_span(f),
            ExprKind::Path(path) => path.each_span(f),
            ExprKind::List(items) => items.each_span(f),
            ExprKind::Call(name, args) => {
                name.each_span(f);
                args.each_span(f);
            }
            ExprKind::Binary(_, left, right) | ExprKind::Range(left, right) => {
                left.each_span(f);
                right.each_span(f);
            }
            ExprKind::Placed(placed) => {
                let (value, target) = &mut **placed;
                value.each_span(f);
                target.each_span(f);
            }
            ExprKind::Instance(instance) => {
                let (base, block) = &mut **instance;
                base.each_span(f);
                block.each_span(f);
            }
        }
    }
}

impl Rule {
    /// Calls `f` on every span of the rule: sema moves the rules of a declaration check
    /// it reuses after an edit.
    pub fn each_span_mut(&mut self, f: &mut dyn FnMut(&mut Span)) {
        self.each_span(f);
    }
}
