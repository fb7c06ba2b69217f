//! Expressions: `VALUE [.. VALUE] [on PATH]` over sums, products and atoms.

use super::{above, binary, bounded, leaf, Direct, GiveUp, Step};
use crate::ast::*;
use crate::token::Lexeme;

impl Direct<'_> {
    /// `RANGE [on PATH]`.
    pub(super) fn expr(&mut self) -> Step<Expr> {
        let Some(atom) = self.atom()? else {
            return Ok(None);
        };
        // Nearly every value is one atom that ends its entry or argument: no operator
        // follows, so the levels above it would each only look and hand it back.
        if !matches!(
            self.peek(),
            Some(
                Lexeme::Star
                    | Lexeme::Slash
                    | Lexeme::Plus
                    | Lexeme::Minus
                    | Lexeme::DotDot
                    | Lexeme::On
            )
        ) {
            return Ok(Some(atom));
        }
        let product = self.product_after(atom)?;
        let sum = self.sum_after(product)?;
        let range = self.range_after(sum)?;
        self.placed_after(range)
    }

    /// `value [on PATH]`, after the value.
    fn placed_after(&mut self, value: Expr) -> Step<Expr> {
        match self.placement(&Lexeme::On) {
            Some(target) => {
                let span = value.span.to(target.span);
                let below = value.depth;
                above(ExprKind::Placed(Box::new((value, target))), span, below).map(Some)
            }
            None => Ok(Some(value)),
        }
    }

    /// `SUM [.. SUM]`, after the first sum.
    fn range_after(&mut self, lo: Expr) -> Result<Expr, GiveUp> {
        if !self.at(&Lexeme::DotDot) {
            return Ok(lo);
        }
        let before = self.pos;
        self.pos += 1;
        match self.sum()? {
            Some(hi) => {
                let span = lo.span.to(hi.span);
                let below = lo.depth.max(hi.depth);
                above(ExprKind::Range(Box::new(lo), Box::new(hi)), span, below)
            }
            None => {
                self.pos = before;
                Ok(lo)
            }
        }
    }

    pub(super) fn sum(&mut self) -> Step<Expr> {
        match self.product()? {
            Some(left) => self.sum_after(left).map(Some),
            None => Ok(None),
        }
    }

    /// The rest of a sum after its first product.
    fn sum_after(&mut self, mut left: Expr) -> Result<Expr, GiveUp> {
        loop {
            let op = match self.peek() {
                Some(Lexeme::Plus) => BinOp::Add,
                Some(Lexeme::Minus) => BinOp::Sub,
                _ => return Ok(left),
            };
            let before = self.pos;
            self.pos += 1;
            match self.product()? {
                Some(right) => left = binary(op, left, right)?,
                None => {
                    self.pos = before;
                    return Ok(left);
                }
            }
        }
    }

    pub(super) fn product(&mut self) -> Step<Expr> {
        match self.atom()? {
            Some(left) => self.product_after(left).map(Some),
            None => Ok(None),
        }
    }

    /// The rest of a product after its first atom.
    fn product_after(&mut self, mut left: Expr) -> Result<Expr, GiveUp> {
        loop {
            let op = match self.peek() {
                Some(Lexeme::Star) => BinOp::Mul,
                Some(Lexeme::Slash) => BinOp::Div,
                _ => return Ok(left),
            };
            let before = self.pos;
            self.pos += 1;
            match self.atom()? {
                Some(right) => left = binary(op, left, right)?,
                None => {
                    self.pos = before;
                    return Ok(left);
                }
            }
        }
    }

    // Inlined into its callers, the expression it makes stays in registers: returned
    // through memory, the caller read it back before the stores had landed, a stall on
    // every value of a lab (parsing a 10,000-guest lab took 13% longer).
    #[inline(always)]
    pub(super) fn atom(&mut self) -> Step<Expr> {
        let start = self.pos;
        let Some((token, span)) = self.tokens.get(start) else {
            return Ok(None);
        };
        let kind = match token {
            Lexeme::Number(n) => ExprKind::Number(*n),
            Lexeme::Quantity(n, unit) => ExprKind::Quantity(
                *n,
                crate::token::name_text(Lexeme::unit(self.src, *span, *unit)),
            ),
            Lexeme::True => ExprKind::Bool(true),
            Lexeme::False => ExprKind::Bool(false),
            Lexeme::Ipv4(a) => ExprKind::Ipv4(*a),
            Lexeme::Ipv6(a) => ExprKind::Ipv6(*a),
            Lexeme::Prefix(a, len) => ExprKind::Prefix(*a, *len),
            Lexeme::Mac(m) => ExprKind::Mac(*m),
            Lexeme::Port(p, lo, hi) => ExprKind::Port(*p, *lo, *hi),
            Lexeme::StrStart => match self.attempt(Self::string)? {
                Some(s) => return bounded(ExprKind::Str(s), self.span_from(start)).map(Some),
                None => return Ok(None),
            },
            Lexeme::LBracket => {
                let items = self.list(Lexeme::RBracket)?;
                return bounded(ExprKind::List(items), self.span_from(start)).map(Some);
            }
            Lexeme::Ident(()) => {
                if matches!(self.peek_at(1), Some(Lexeme::LParen)) {
                    self.pos += 2;
                    if let Some(args) = self.arguments()? {
                        let name = Box::new(self.named(*span));
                        let span = self.span_from(start);
                        let below = args.iter().map(|arg| arg.depth).max().unwrap_or(0);
                        return above(ExprKind::Call(name, args), span, below).map(Some);
                    }
                    self.pos = start;
                }
                let path = self.path().ok_or(GiveUp)?;
                return match self.block()? {
                    Some(block) => {
                        let kind = ExprKind::Instance(Box::new((path, block)));
                        bounded(kind, self.span_from(start)).map(Some)
                    }
                    None => {
                        let span = path.span;
                        Ok(Some(leaf(ExprKind::Path(path), span)))
                    }
                };
            }
            Lexeme::LParen => {
                self.pos += 1;
                let inner = self.expr()?.ok_or(GiveUp)?;
                if !self.eat(&Lexeme::RParen) {
                    return Err(GiveUp);
                }
                return bounded(inner.kind, self.span_from(start)).map(Some);
            }
            _ => return Ok(None),
        };
        self.pos += 1;
        Ok(Some(leaf(kind, *span)))
    }

    /// `[a, b, …]` with a trailing comma allowed; once `[` is there, it must close.
    pub(super) fn list(&mut self, close: Lexeme) -> Result<Vec<Expr>, GiveUp> {
        self.pos += 1;
        let items = self.separated()?;
        if !self.eat(&close) {
            return Err(GiveUp);
        }
        Ok(items)
    }

    /// A call's arguments after its `(`; a call that does not close is not a call.
    pub(super) fn arguments(&mut self) -> Step<Vec<Expr>> {
        let items = self.separated()?;
        Ok(self.eat(&Lexeme::RParen).then_some(items))
    }

    /// Expressions separated by commas, with a trailing comma allowed.
    pub(super) fn separated(&mut self) -> Result<Vec<Expr>, GiveUp> {
        // Room for two: most calls and lists are that short, and the default of four
        // would leave half of every such list unused.
        let mut items = Vec::with_capacity(2);
        while let Some(item) = self.expr()? {
            items.push(item);
            if !self.eat(&Lexeme::Comma) {
                break;
            }
        }
        Ok(items)
    }

    /// `"text {interpolation} text"`.
    pub(super) fn string(&mut self) -> Step<StrLit> {
        let start = self.pos;
        self.pos += 1;
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(&Lexeme::StrText(escaped)) => {
                    let text = Lexeme::string_text(self.src, self.span_at(self.pos), escaped);
                    self.pos += 1;
                    parts.push(StrPart::Text(text));
                }
                Some(Lexeme::InterpOpen) => {
                    self.pos += 1;
                    let Some(inner) = self.expr()? else {
                        return Ok(None);
                    };
                    if !self.eat(&Lexeme::InterpClose) {
                        return Ok(None);
                    }
                    parts.push(StrPart::Interp(inner));
                }
                _ => break,
            }
        }
        if !self.eat(&Lexeme::StrEnd) {
            return Ok(None);
        }
        Ok(Some(StrLit {
            parts: parts.into(),
            span: self.span_from(start),
        }))
    }
}
