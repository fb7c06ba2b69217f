//! Spans removed from an AST, so two parses of differently laid out text compare equal
//! exactly when they mean the same.

use crate::ast::*;
use infrac_diagnostics::{FileId, Span};

const NOWHERE: Span = Span {
    file: FileId(0),
    start: 0,
    end: 0,
};

/// `file` with every span set to one dummy value.
pub(super) fn strip(mut file: File) -> File {
    for item in &mut file.items {
        match item {
            Item::Import(import) => {
                import.path_span = NOWHERE;
                import.span = NOWHERE;
                if let Some(alias) = &mut import.alias {
                    ident(alias);
                }
            }
            Item::Decl(d) => decl(d),
            Item::For(f) => for_loop(f),
            Item::Expect(x) => {
                x.span = NOWHERE;
                expr(&mut x.from);
                expr(&mut x.to);
                x.ports.iter_mut().for_each(expr);
                x.outcome.iter_mut().for_each(ident);
                if let Some(on) = &mut x.on {
                    ident(on);
                }
            }
            Item::Error(span) => *span = NOWHERE,
        }
    }
    file
}

fn ident(i: &mut Ident) {
    i.span = NOWHERE;
}

fn path(p: &mut Path) {
    p.span = NOWHERE;
    p.segments.iter_mut().for_each(ident);
}

fn str_lit(s: &mut StrLit) {
    s.span = NOWHERE;
    for part in &mut s.parts {
        if let StrPart::Interp(e) = part {
            expr(e);
        }
    }
}

fn decl(d: &mut Decl) {
    d.span = NOWHERE;
    ident(&mut d.kind);
    match &mut d.name {
        Some(DeclName::Ident(i)) => ident(i),
        Some(DeclName::Str(s)) => str_lit(s),
        None => {}
    }
    if let Some(id) = &mut d.id {
        expr(id);
    }
    for p in [&mut d.on, &mut d.from, &mut d.in_].into_iter().flatten() {
        path(p);
    }
    block(&mut d.body);
}

fn block(b: &mut Block) {
    b.span = NOWHERE;
    b.entries.iter_mut().for_each(entry);
}

fn for_loop(f: &mut ForLoop) {
    f.span = NOWHERE;
    ident(&mut f.var);
    expr(&mut f.range);
    f.body.iter_mut().for_each(entry);
}

fn entry(e: &mut Entry) {
    match e {
        Entry::Attr(a) => {
            a.span = NOWHERE;
            a.path.iter_mut().for_each(ident);
            expr(&mut a.value);
        }
        Entry::Block(d) => decl(d),
        Entry::Rule(rule) => match &mut **rule {
            Rule::Filter {
                action,
                from,
                to,
                ports,
                sources,
                span,
            } => {
                *span = NOWHERE;
                ident(action);
                ident(from);
                ident(to);
                ports.iter_mut().for_each(expr);
                if let Some(s) = sources {
                    expr(s);
                }
            }
            Rule::Masquerade { zones, to, span } => {
                *span = NOWHERE;
                expr(zones);
                ident(to);
            }
            Rule::Forward {
                from,
                port,
                target,
                target_port,
                span,
            } => {
                *span = NOWHERE;
                ident(from);
                expr(port);
                ident(target);
                if let Some(p) = target_port {
                    expr(p);
                }
            }
        },
        Entry::For(f) => for_loop(f),
        Entry::Error(span) => *span = NOWHERE,
    }
}

fn expr(e: &mut Expr) {
    e.span = NOWHERE;
    match &mut e.kind {
        ExprKind::Str(s) => str_lit(s),
        ExprKind::Path(p) => path(p),
        ExprKind::List(items) => items.iter_mut().for_each(expr),
        ExprKind::Call(name, args) => {
            ident(name);
            args.iter_mut().for_each(expr);
        }
        ExprKind::Binary(_, l, r) | ExprKind::Range(l, r) => {
            expr(l);
            expr(r);
        }
        ExprKind::Placed(v, p) => {
            expr(v);
            path(p);
        }
        ExprKind::Instance(p, b) => {
            path(p);
            block(b);
        }
        _ => {}
    }
}
