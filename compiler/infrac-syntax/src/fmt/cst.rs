//! The formatter's concrete syntax tree: what the text says, with its comments and blank
//! lines, read from the lexer's tokens by a small recursive-descent reader.
//!
//! The reader only runs on text the real parser accepted without errors, so it mirrors the
//! grammar of `parser.rs` without any recovery; when it meets something it does not
//! expect it gives up, and the formatter refuses the text rather than guess.

use crate::lexer::lex;
use crate::token::Token;
use infrac_diagnostics::{FileId, Span};

/// A `#` or `##` comment as written.
#[derive(Debug, Clone)]
pub(super) struct Comment {
    /// The text from `#` to the end of the line, trailing blanks removed.
    pub text: String,
    /// Byte offset of the `#`.
    pub start: usize,
    /// 0-based line.
    pub line: usize,
    /// 0-based column of the `#`, in characters.
    pub col: usize,
}

/// What sits on the lines between two constructs.
#[derive(Debug, Clone)]
pub(super) enum Trivia {
    /// One or more empty lines (kept as one).
    Blank,
    /// A comment on a line of its own.
    Comment(String),
}

/// One line of a block (or a top-level item) with the comments around it.
#[derive(Debug)]
pub(super) struct Entry {
    pub leading: Vec<Trivia>,
    pub node: Node,
    /// A comment after the entry on its last line.
    pub trailing: Option<Comment>,
}

/// What an entry is.
#[derive(Debug)]
pub(super) enum Node {
    /// `import "path" [as name]`, already laid out.
    Import(String),
    /// `name = value`; `name` is `a.b` or `policy input` as written.
    Attr { name: String, value: Expr },
    /// `kind [name] [id] [on P] [from P] [in P] { body }`.
    Decl(Decl),
    /// `for var in range { body }`.
    For {
        var: String,
        range: Expr,
        body: Body,
    },
    /// `allow|deny FROM -> TO [PORTS] [from SOURCES]`.
    Filter {
        action: String,
        from: String,
        to: String,
        ports: Vec<Expr>,
        sources: Option<Expr>,
    },
    /// `forward ZONE PORT -> TARGET[:PORT]`.
    Forward {
        from: String,
        port: Expr,
        target: String,
        target_port: Option<String>,
    },
    /// `masquerade ZONES -> ZONE`.
    Masquerade { zones: Expr, to: String },
    /// `expect FROM -> REST`, `REST` laid out (`TO [PORTS] OUTCOME… [on ROUTER]`).
    Expect { from: String, rest: String },
}

/// A declaration.
#[derive(Debug)]
pub(super) struct Decl {
    pub kind: String,
    pub name: Option<Expr>,
    pub id: Option<Expr>,
    /// `on`, `from` and `in` clauses in order, with their paths.
    pub clauses: Vec<(&'static str, String)>,
    pub body: Body,
}

/// The inside of `{ }`.
#[derive(Debug)]
pub(super) struct Body {
    /// A comment on the line of the `{`.
    pub open: Option<Comment>,
    pub entries: Vec<Entry>,
    /// Comments (and blank lines) before the `}`.
    pub dangling: Vec<Trivia>,
    /// Whether the author wrote the first entry on the line of the `{`: such a block
    /// stays on one line when it can.
    pub flat_intent: bool,
}

/// The inside of `[ ]` or a call's `( )`.
#[derive(Debug)]
pub(super) struct Seq {
    pub open: Option<Comment>,
    pub items: Vec<SeqItem>,
    pub dangling: Vec<Trivia>,
    pub flat_intent: bool,
}

/// One element of a list or argument of a call.
#[derive(Debug)]
pub(super) struct SeqItem {
    pub leading: Vec<Trivia>,
    pub expr: Expr,
    pub trailing: Option<Comment>,
}

/// An expression, keeping the parentheses and literal spellings of the source.
#[derive(Debug)]
pub(super) enum Expr {
    /// A literal, name or path exactly as written.
    Text(String),
    /// A string: its opening quote (`"` or `r"`), parts, and its verbatim source for when
    /// an interpolation cannot be laid out.
    Str {
        open: String,
        parts: Vec<StrPiece>,
        verbatim: String,
    },
    Binary(Box<Expr>, &'static str, Box<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Placed(Box<Expr>, String),
    Paren(Box<Expr>),
    List(Seq),
    Call(String, Seq),
    Instance(String, Body),
}

/// A piece of a string literal.
#[derive(Debug)]
pub(super) enum StrPiece {
    /// Text exactly as written, escapes included.
    Text(String),
    Interp(Expr),
}

/// A whole file.
#[derive(Debug)]
pub(super) struct FileCst {
    pub items: Vec<Entry>,
    pub dangling: Vec<Trivia>,
}

/// The text of every comment in `src`, in order.
pub(super) fn comment_texts(src: &str) -> Vec<String> {
    reader(src).comments.into_iter().map(|c| c.text).collect()
}

fn reader(src: &str) -> Reader<'_> {
    let lexed = lex(src, FileId(0));
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut reader = Reader {
        src,
        comments: Vec::new(),
        comment_on_line: std::collections::HashMap::new(),
        claimed: Vec::new(),
        tokens: lexed.tokens,
        pos: 0,
        line_starts,
    };
    reader.find_comments();
    reader
}

/// Reads `src` into a [`FileCst`]; `Err` names what the reader could not place.
pub(super) fn read(src: &str) -> Result<FileCst, String> {
    let mut reader = reader(src);
    let file = reader.file()?;
    if let Some(i) = reader.claimed.iter().position(|c| !c) {
        return Err(format!(
            "the comment on line {} sits where the formatter cannot keep it",
            reader.comments[i].line + 1
        ));
    }
    Ok(file)
}

struct Reader<'a> {
    src: &'a str,
    tokens: Vec<(Token, Span)>,
    pos: usize,
    line_starts: Vec<usize>,
    comments: Vec<Comment>,
    comment_on_line: std::collections::HashMap<usize, usize>,
    claimed: Vec<bool>,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    /// Comments are what the lexer skips between tokens: everything from a `#` in such a
    /// gap to the end of its line.
    fn find_comments(&mut self) {
        let mut gaps = Vec::new();
        let mut prev = 0usize;
        for (_, span) in &self.tokens {
            let start = span.start as usize;
            if start > prev {
                gaps.push((prev, start));
            }
            prev = prev.max(span.end as usize);
        }
        gaps.push((prev, self.src.len()));
        for (from, to) in gaps {
            let mut at = from;
            while let Some(i) = self.src[at..to].find('#') {
                let start = at + i;
                let end = self.src[start..]
                    .find(['\n', '\r'])
                    .map_or(self.src.len(), |e| start + e);
                let line = self.line_of(start);
                let col = self.src[self.line_starts[line]..start].chars().count();
                self.comment_on_line.insert(line, self.comments.len());
                self.comments.push(Comment {
                    text: self.src[start..end].trim_end().to_string(),
                    start,
                    line,
                    col,
                });
                at = end.min(to);
                if at >= to {
                    break;
                }
            }
        }
        self.claimed = vec![false; self.comments.len()];
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    fn line_is_blank(&self, line: usize) -> bool {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.src.len());
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.src.len());
        self.src[start..end].trim().is_empty()
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead).map(|(t, _)| t)
    }

    fn span_at(&self, i: usize) -> Span {
        self.tokens
            .get(i)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| Span::new(FileId(0), self.src.len(), self.src.len()))
    }

    fn text_of(&self, i: usize) -> &'a str {
        let s = self.span_at(i);
        &self.src[s.start as usize..s.end as usize]
    }

    fn fail<T>(&self, what: &str) -> R<T> {
        let at = self.span_at(self.pos).start as usize;
        Err(format!(
            "unexpected token on line {} (expected {what})",
            self.line_of(at) + 1
        ))
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &Token, what: &str) -> R<()> {
        if self.eat(token) {
            Ok(())
        } else {
            self.fail(what)
        }
    }

    fn ident(&mut self) -> R<String> {
        match self.peek() {
            Some(Token::Ident(name)) => {
                let name = name.to_string();
                self.pos += 1;
                Ok(name)
            }
            _ => self.fail("a name"),
        }
    }

    fn is_ident(&self, ahead: usize, word: &str) -> bool {
        matches!(self.peek_at(ahead), Some(Token::Ident(n)) if n == word)
    }

    /// The lines strictly between `after` and `before`: blank lines and own-line comments.
    fn trivia_between(&mut self, after: Option<usize>, before: usize) -> Vec<Trivia> {
        let first = after.map_or(0, |l| l + 1);
        let mut out = Vec::new();
        for line in first..before {
            if let Some(&c) = self.comment_on_line.get(&line) {
                if !self.claimed[c] {
                    self.claimed[c] = true;
                    out.push(Trivia::Comment(self.comments[c].text.clone()));
                    continue;
                }
            }
            if self.line_is_blank(line) && !matches!(out.last(), Some(Trivia::Blank)) {
                out.push(Trivia::Blank);
            }
        }
        out
    }

    /// The comment ending the line of token `last`, if only commas stand between them.
    fn trailing_after(&mut self, last: usize) -> Option<Comment> {
        let end = self.span_at(last).end as usize;
        let line = self.line_of(end.saturating_sub(1).max(self.span_at(last).start as usize));
        let &c = self.comment_on_line.get(&line)?;
        if self.claimed[c] || self.comments[c].start < end {
            return None;
        }
        let mut i = last + 1;
        while i < self.tokens.len() && (self.span_at(i).start as usize) < self.comments[c].start {
            if self.tokens[i].0 != Token::Comma {
                return None;
            }
            i += 1;
        }
        self.claimed[c] = true;
        Some(self.comments[c].clone())
    }

    /// A comment on the line of the bracket at token `open` when nothing but line breaks
    /// follows the bracket before it.
    fn open_comment(&mut self, open: usize) -> Option<Comment> {
        let line = self.line_of(self.span_at(open).start as usize);
        let &c = self.comment_on_line.get(&line)?;
        if self.claimed[c] || self.comments[c].start < self.span_at(open).end as usize {
            return None;
        }
        let mut i = open + 1;
        while i < self.tokens.len() && (self.span_at(i).start as usize) < self.comments[c].start {
            if self.tokens[i].0 != Token::Newline {
                return None;
            }
            i += 1;
        }
        self.claimed[c] = true;
        Some(self.comments[c].clone())
    }

    fn line_of_token(&self, i: usize) -> usize {
        self.line_of(self.span_at(i).start as usize)
    }

    fn file(&mut self) -> R<FileCst> {
        let mut items = Vec::new();
        let mut prev_line: Option<usize> = None;
        loop {
            while self.eat(&Token::Newline) {}
            if self.pos >= self.tokens.len() {
                break;
            }
            let first = self.pos;
            let leading = self.trivia_between(prev_line, self.line_of_token(first));
            let node = if self.peek() == Some(&Token::Import) {
                self.import()?
            } else if self.is_ident(0, "expect") && self.peek_at(2) == Some(&Token::Arrow) {
                self.expect_item()?
            } else {
                self.entry_node()?
            };
            let last = self.pos - 1;
            let trailing = self.trailing_after(last);
            prev_line = Some(self.line_of_token(last));
            items.push(Entry {
                leading,
                node,
                trailing,
            });
            match self.peek() {
                None | Some(Token::Newline) => {}
                _ => return self.fail("the end of the line"),
            }
        }
        let end_line = self.line_starts.len();
        let dangling = self.trivia_between(prev_line, end_line);
        Ok(FileCst { items, dangling })
    }

    fn import(&mut self) -> R<Node> {
        self.expect(&Token::Import, "`import`")?;
        let path = self.string()?;
        let Expr::Str { verbatim, .. } = path else {
            return self.fail("a quoted path");
        };
        let mut text = format!("import {verbatim}");
        if self.eat(&Token::As) {
            text.push_str(" as ");
            text.push_str(&self.ident()?);
        }
        Ok(Node::Import(text))
    }

    /// One entry, trying the alternatives in the parser's order.
    fn entry_node(&mut self) -> R<Node> {
        if self.peek() == Some(&Token::For) {
            self.pos += 1;
            let var = self.ident()?;
            self.expect(&Token::In, "`in`")?;
            let range = self.expr()?;
            let body = self.body()?;
            return Ok(Node::For { var, range, body });
        }
        // `a.b.c =`
        let mut i = 0;
        while matches!(self.peek_at(i), Some(Token::Ident(_))) {
            if self.peek_at(i + 1) == Some(&Token::Dot) {
                i += 2;
            } else {
                break;
            }
        }
        if matches!(self.peek_at(i), Some(Token::Ident(_)))
            && self.peek_at(i + 1) == Some(&Token::Eq)
        {
            let mut name = String::new();
            for k in 0..=i {
                name.push_str(self.text_of(self.pos + k));
            }
            self.pos += i + 2;
            let value = self.expr()?;
            return Ok(Node::Attr { name, value });
        }
        if self.is_ident(0, "policy")
            && matches!(self.peek_at(1), Some(Token::Ident(_)))
            && self.peek_at(2) == Some(&Token::Eq)
        {
            self.pos += 1;
            let chain = self.ident()?;
            self.pos += 1;
            let value = self.expr()?;
            return Ok(Node::Attr {
                name: format!("policy {chain}"),
                value,
            });
        }
        if (self.is_ident(0, "allow") || self.is_ident(0, "deny"))
            && matches!(self.peek_at(1), Some(Token::Ident(_)))
            && self.peek_at(2) == Some(&Token::Arrow)
        {
            return self.filter();
        }
        if self.is_ident(0, "masquerade") {
            let save = (self.pos, self.claimed.clone());
            match self.masquerade() {
                Ok(node) => return Ok(node),
                Err(_) => (self.pos, self.claimed) = save,
            }
        }
        if self.is_ident(0, "forward") {
            let save = (self.pos, self.claimed.clone());
            match self.forward() {
                Ok(node) => return Ok(node),
                Err(_) => (self.pos, self.claimed) = save,
            }
        }
        Ok(Node::Decl(self.decl()?))
    }

    fn filter(&mut self) -> R<Node> {
        let action = self.ident()?;
        let from = self.ident()?;
        self.expect(&Token::Arrow, "`->`")?;
        let to = self.ident()?;
        let mut ports = Vec::new();
        if let Some(port) = self.port_item()? {
            ports.push(port);
            while self.peek() == Some(&Token::Comma) {
                let save = self.pos;
                self.pos += 1;
                match self.port_item()? {
                    Some(port) => ports.push(port),
                    None => {
                        self.pos = save;
                        break;
                    }
                }
            }
        }
        let sources = if self.eat(&Token::From) {
            Some(self.expr()?)
        } else {
            None
        };
        Ok(Node::Filter {
            action,
            from,
            to,
            ports,
            sources,
        })
    }

    fn port_item(&mut self) -> R<Option<Expr>> {
        match self.peek() {
            Some(Token::Port(..)) => {
                self.pos += 1;
                Ok(Some(Expr::Text(self.text_of(self.pos - 1).to_string())))
            }
            Some(Token::Ident(_)) => Ok(Some(Expr::Text(self.path()?))),
            _ => Ok(None),
        }
    }

    fn masquerade(&mut self) -> R<Node> {
        self.pos += 1;
        let zones = self.expr()?;
        self.expect(&Token::Arrow, "`->`")?;
        let to = self.ident()?;
        self.end_of_entry()?;
        Ok(Node::Masquerade { zones, to })
    }

    fn forward(&mut self) -> R<Node> {
        self.pos += 1;
        let from = self.ident()?;
        let Some(port) = self.port_item()? else {
            return self.fail("a port");
        };
        self.expect(&Token::Arrow, "`->`")?;
        let target = self.ident()?;
        let target_port = if self.eat(&Token::Colon) {
            match self.peek() {
                Some(Token::Number(_)) => {
                    self.pos += 1;
                    Some(self.text_of(self.pos - 1).to_string())
                }
                _ => return self.fail("a port number"),
            }
        } else {
            None
        };
        self.end_of_entry()?;
        Ok(Node::Forward {
            from,
            port,
            target,
            target_port,
        })
    }

    /// `expect FROM -> TO [PORTS] OUTCOME… [on ROUTER]`, as `parser/expect.rs` reads it.
    fn expect_item(&mut self) -> R<Node> {
        self.pos += 1;
        let from = self.endpoint()?;
        self.expect(&Token::Arrow, "`->`")?;
        let mut rest = self.endpoint()?;
        let mut ports = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Port(..)) => {
                    self.pos += 1;
                    ports.push(self.text_of(self.pos - 1).to_string());
                }
                Some(Token::Ident(word))
                    if !crate::parser::OUTCOME_WORDS.contains(&word.as_str()) =>
                {
                    ports.push(self.path()?)
                }
                _ => break,
            }
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        if !ports.is_empty() {
            rest.push(' ');
            rest.push_str(&ports.join(", "));
        }
        while matches!(self.peek(), Some(Token::Ident(_))) {
            rest.push(' ');
            rest.push_str(&self.ident()?);
        }
        if self.eat(&Token::On) {
            rest.push_str(" on ");
            rest.push_str(&self.ident()?);
        }
        Ok(Node::Expect { from, rest })
    }

    /// A name or address literal as written.
    fn endpoint(&mut self) -> R<String> {
        match self.peek() {
            Some(Token::Ipv4(_) | Token::Ipv6(_)) => {
                self.pos += 1;
                Ok(self.text_of(self.pos - 1).to_string())
            }
            _ => self.ident(),
        }
    }

    /// An entry must end its line, as in the parser; used where an alternative may fail.
    fn end_of_entry(&self) -> R<()> {
        match self.peek() {
            None | Some(Token::Newline | Token::Comma | Token::RBrace) => Ok(()),
            _ => self.fail("the end of the entry"),
        }
    }

    fn decl(&mut self) -> R<Decl> {
        let kind = self.ident()?;
        let name = match self.peek() {
            Some(Token::Ident(_)) => Some(Expr::Text(self.ident()?)),
            Some(Token::StrStart) => Some(self.string()?),
            _ => None,
        };
        let id = match self.peek() {
            Some(Token::Number(_)) => {
                self.pos += 1;
                Some(Expr::Text(self.text_of(self.pos - 1).to_string()))
            }
            Some(Token::LParen) => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(&Token::RParen, "`)`")?;
                Some(Expr::Paren(Box::new(inner)))
            }
            _ => None,
        };
        let mut clauses = Vec::new();
        for (token, word) in [(Token::On, "on"), (Token::From, "from"), (Token::In, "in")] {
            if self.eat(&token) {
                clauses.push((word, self.path()?));
            }
        }
        let body = self.body()?;
        Ok(Decl {
            kind,
            name,
            id,
            clauses,
            body,
        })
    }

    fn path(&mut self) -> R<String> {
        let mut text = self.ident()?;
        while self.peek() == Some(&Token::Dot) && matches!(self.peek_at(1), Some(Token::Ident(_))) {
            self.pos += 1;
            text.push('.');
            text.push_str(&self.ident()?);
        }
        Ok(text)
    }

    fn body(&mut self) -> R<Body> {
        let open_at = self.pos;
        self.expect(&Token::LBrace, "`{`")?;
        let open_line = self.line_of_token(open_at);
        let open = self.open_comment(open_at);
        let mut entries = Vec::new();
        let mut prev_line = Some(open_line);
        let mut flat_intent = true;
        loop {
            while matches!(self.peek(), Some(Token::Newline | Token::Comma)) {
                self.pos += 1;
            }
            if self.peek() == Some(&Token::RBrace) || self.peek().is_none() {
                break;
            }
            let first = self.pos;
            if entries.is_empty() {
                flat_intent = self.line_of_token(first) == open_line;
            }
            let leading = self.trivia_between(prev_line, self.line_of_token(first));
            let node = self.entry_node()?;
            self.end_of_entry()?;
            let last = self.pos - 1;
            let trailing = self.trailing_after(last);
            prev_line = Some(self.line_of_token(last));
            entries.push(Entry {
                leading,
                node,
                trailing,
            });
        }
        let close = self.pos;
        self.expect(&Token::RBrace, "`}`")?;
        let dangling = self.trivia_between(prev_line, self.line_of_token(close));
        Ok(Body {
            open,
            entries,
            dangling,
            flat_intent,
        })
    }

    fn seq(&mut self, close: &Token) -> R<Seq> {
        let open_at = self.pos - 1;
        let open_line = self.line_of_token(open_at);
        let open = self.open_comment(open_at);
        let mut items = Vec::new();
        let mut prev_line = Some(open_line);
        let mut flat_intent = true;
        loop {
            if self.peek() == Some(close) {
                break;
            }
            let first = self.pos;
            if items.is_empty() {
                flat_intent = self.line_of_token(first) == open_line;
            }
            let leading = self.trivia_between(prev_line, self.line_of_token(first));
            let expr = self.expr()?;
            let last = self.pos - 1;
            let has_comma = self.eat(&Token::Comma);
            let trailing = self.trailing_after(last);
            prev_line = Some(self.line_of_token(if has_comma { self.pos - 1 } else { last }));
            items.push(SeqItem {
                leading,
                expr,
                trailing,
            });
            if !has_comma {
                break;
            }
        }
        let close_at = self.pos;
        self.expect(close, "a closing bracket")?;
        let dangling = self.trivia_between(prev_line, self.line_of_token(close_at));
        Ok(Seq {
            open,
            items,
            dangling,
            flat_intent,
        })
    }

    fn expr(&mut self) -> R<Expr> {
        let value = self.range()?;
        if self.eat(&Token::On) {
            let target = self.path()?;
            return Ok(Expr::Placed(Box::new(value), target));
        }
        Ok(value)
    }

    fn range(&mut self) -> R<Expr> {
        let lo = self.sum()?;
        if self.eat(&Token::DotDot) {
            let hi = self.sum()?;
            return Ok(Expr::Range(Box::new(lo), Box::new(hi)));
        }
        Ok(lo)
    }

    fn sum(&mut self) -> R<Expr> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Some(Token::Plus) => "+",
                Some(Token::Minus) => "-",
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.product()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
    }

    fn product(&mut self) -> R<Expr> {
        let mut left = self.atom()?;
        loop {
            let op = match self.peek() {
                Some(Token::Star) => "*",
                Some(Token::Slash) => "/",
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.atom()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
    }

    fn atom(&mut self) -> R<Expr> {
        match self.peek() {
            Some(
                Token::Number(_)
                | Token::Quantity(..)
                | Token::True
                | Token::False
                | Token::Ipv4(_)
                | Token::Ipv6(_)
                | Token::Prefix(..)
                | Token::Mac(_)
                | Token::Port(..),
            ) => {
                self.pos += 1;
                Ok(Expr::Text(self.text_of(self.pos - 1).to_string()))
            }
            Some(Token::StrStart) => self.string(),
            Some(Token::LBracket) => {
                self.pos += 1;
                Ok(Expr::List(self.seq(&Token::RBracket)?))
            }
            Some(Token::LParen) => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(&Token::RParen, "`)`")?;
                Ok(Expr::Paren(Box::new(inner)))
            }
            Some(Token::Ident(_)) if self.peek_at(1) == Some(&Token::LParen) => {
                let name = self.ident()?;
                self.pos += 1;
                Ok(Expr::Call(name, self.seq(&Token::RParen)?))
            }
            Some(Token::Ident(_)) => {
                let path = self.path()?;
                if self.peek() == Some(&Token::LBrace) {
                    let body = self.body()?;
                    return Ok(Expr::Instance(path, body));
                }
                Ok(Expr::Text(path))
            }
            _ => self.fail("a value"),
        }
    }

    fn string(&mut self) -> R<Expr> {
        let start_at = self.pos;
        self.expect(&Token::StrStart, "a string")?;
        let open = self.text_of(start_at).to_string();
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(Token::StrText(_)) => {
                    parts.push(StrPiece::Text(self.text_of(self.pos).to_string()));
                    self.pos += 1;
                }
                Some(Token::InterpOpen) => {
                    self.pos += 1;
                    let inner = self.expr()?;
                    self.expect(&Token::InterpClose, "`}`")?;
                    parts.push(StrPiece::Interp(inner));
                }
                Some(Token::StrEnd) => {
                    self.pos += 1;
                    break;
                }
                _ => return self.fail("the end of the string"),
            }
        }
        let from = self.span_at(start_at).start as usize;
        let to = self.span_at(self.pos - 1).end as usize;
        Ok(Expr::Str {
            open,
            parts,
            verbatim: self.src[from..to].to_string(),
        })
    }
}
