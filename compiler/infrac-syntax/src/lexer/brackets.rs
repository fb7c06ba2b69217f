//! Brackets: nesting, the newline rules they switch, and mismatches reported where they
//! happen.

use super::*;

impl Lexer<'_> {
    #[inline(always)]
    pub(super) fn open_delim(&mut self, delim: u8, token: Lexeme) {
        let start = self.pos;
        self.pos += 1;
        if self.open.len() >= MAX_NESTING {
            self.skip_too_deep(start);
            return;
        }
        self.open.push((delim, self.span(start, self.pos)));
        match delim {
            b'{' => {
                if let Some(Mode::Code { braces, .. }) = self.modes.last_mut() {
                    *braces += 1;
                }
                // Newlines inside a block are significant again, even within a list.
                self.groups.push(0);
            }
            _ => {
                if let Some(g) = self.groups.last_mut() {
                    *g += 1;
                }
            }
        }
        self.push(token, start);
    }

    /// Reports nesting past [`MAX_NESTING`] and skips to the matching close bracket.
    #[cold]
    pub(super) fn skip_too_deep(&mut self, start: usize) {
        let mut depth = 1usize;
        while self.pos < self.bytes.len() && depth > 0 {
            match self.bytes[self.pos] {
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.error(
            Code::SYNTAX_TOO_DEEP,
            format!("brackets nested more than {MAX_NESTING} deep"),
            start,
            start + 1,
            "this bracket opens one level too many; its contents are skipped",
            "flatten the expression; nothing in the language needs this depth",
        );
        // The skipped contents stand in as one malformed value, so nothing downstream
        // mistakes the remaining brackets for an empty list or block.
        self.push(Lexeme::Invalid, start);
    }

    /// A `}`; true when it ends an interpolation, back in the string.
    pub(super) fn close_brace(&mut self) -> bool {
        let start = self.pos;
        if let Some(Mode::Code {
            interp: true,
            braces: 0,
        }) = self.modes.last()
        {
            self.pos += 1;
            self.modes.pop();
            self.groups.pop();
            self.push(Lexeme::InterpClose, start);
            return true;
        }
        self.close_delim(b'{', Lexeme::RBrace);
        false
    }

    /// Pops the innermost open bracket, undoing what opening it did to newline handling.
    #[inline]
    pub(super) fn pop_open(&mut self) -> Option<u8> {
        let (delim, _) = self.open.pop()?;
        if delim == b'{' {
            if let Some(Mode::Code { braces, .. }) = self.modes.last_mut() {
                *braces = braces.saturating_sub(1);
            }
            if self.groups.len() > 1 {
                self.groups.pop();
            }
        } else if let Some(g) = self.groups.last_mut() {
            *g = g.saturating_sub(1);
        }
        Some(delim)
    }

    #[inline(always)]
    pub(super) fn close_delim(&mut self, opener: u8, token: Lexeme) {
        let start = self.pos;
        self.pos += 1;
        if self.open.last().is_some_and(|&(top, _)| top == opener) {
            self.pop_open();
            self.push(token, start);
            return;
        }
        self.close_unmatched(opener, token, start);
    }

    /// A closing bracket that does not close the innermost open one.
    #[cold]
    #[inline(never)]
    pub(super) fn close_unmatched(&mut self, opener: u8, token: Lexeme, start: usize) {
        let Some(&(top, top_span)) = self.open.last() else {
            if opener == b'{' {
                self.out.stray_braces.push(start);
            }
            self.error(
                Code::SYNTAX_UNEXPECTED,
                format!("unexpected `{}`", self.bytes[start] as char),
                start,
                self.pos,
                "nothing is open here to close",
                "remove it, or open the bracket it was meant to close",
            );
            return;
        };
        let found = self.bytes[start] as char;
        let expected = closer_of(top) as char;
        let same_line = !self.src[top_span.end as usize..start].contains('\n');
        let outer = self.open.iter().any(|(d, _)| *d == opener);
        let next_bracket = self.bytes[self.pos..]
            .iter()
            .find(|c| b"{}[]()".contains(c))
            .copied();
        let here = self.span(start, self.pos);
        let mismatched = || {
            Diagnostic::error(
                Code::SYNTAX_UNCLOSED,
                format!("mismatched `{found}`"),
                here,
                format!("expected `{expected}` here"),
            )
            .with_label(top_span, "to close this")
            .with_help(format!("replace it with `{expected}`"))
        };
        // `nic x { ports = [eno1, mtu = 9000 }`: the block was opened on this line and
        // nothing after this `}` on it closes the block, so this `}` is the block's and
        // the list before it is what was left open.
        let ends_block_of_this_line = outer && {
            let line_end = self.src[start..]
                .find('\n')
                .map_or(self.src.len(), |i| start + i);
            let rest = &self.bytes[self.pos..line_end];
            let block_here = self
                .open
                .iter()
                .rev()
                .find(|(d, _)| *d == opener)
                .is_some_and(|(_, span)| !self.src[span.end as usize..start].contains('\n'));
            block_here && !rest.contains(&self.bytes[start])
        };
        if next_bracket == Some(closer_of(top)) {
            // The expected closer follows: this one is stray, and the parser never sees it.
            self.out.diagnostics.push(mismatched());
        } else if outer && (!same_line || ends_block_of_this_line) {
            // The closer belongs to an outer bracket and the inner ones were left open:
            // close them here so the rest of the file keeps its structure.
            self.out
                .diagnostics
                .push(unclosed(top, top_span).with_label(
                    here,
                    format!("this `{found}` ends the enclosing block first"),
                ));
            while let Some(&(d, _)) = self.open.last() {
                if d == opener {
                    break;
                }
                self.pop_open();
                self.out
                    .tokens
                    .push((closer_token(d), self.span(start, start)));
            }
            self.pop_open();
            self.push(token, start);
        } else {
            // Most likely a typo for the expected closer: read it as that one.
            self.out.diagnostics.push(mismatched());
            self.pop_open();
            self.push(closer_token(top), start);
        }
    }
}

impl Lexer<'_> {
    /// Where the name is, when the line starting at `self.pos` starts an attribute,
    /// `NAME =`, in a column no deeper than the line that opened the innermost list or
    /// call: written there, it is the next entry of the block, not an item of the list,
    /// which no `=` can be.
    #[cold]
    pub(super) fn attribute_starts_line(&self) -> Option<(usize, usize)> {
        let &(open, span) = self.open.last()?;
        if open == b'{' {
            return None;
        }
        let bytes = self.bytes;
        let indent = |from: usize| {
            bytes[from..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count()
        };
        let opened_line = self.src[..span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let column = indent(self.pos);
        if column > indent(opened_line) {
            return None;
        }
        let start = self.pos + column;
        if !bytes.get(start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let end = name_end(bytes, start + 1);
        let after = end + indent(end);
        (bytes.get(after) == Some(&b'=') && !matches!(bytes.get(after + 1), Some(b'=' | b'>')))
            .then_some((start, end))
    }

    /// Closes the lists and calls left open before the attribute named at `name`, on the
    /// line after the line break at `at`, and reports the innermost.
    #[cold]
    pub(super) fn close_groups_before_attribute(&mut self, at: usize, name: (usize, usize)) {
        let Some(&(open, span)) = self.open.last() else {
            return;
        };
        let here = self.span(at, at);
        self.out.diagnostics.push(
            unclosed(open, span)
                .with_label(self.span(name.0, name.1), "the next attribute starts here"),
        );
        while let Some(&(d, _)) = self.open.last() {
            if d == b'{' {
                break;
            }
            self.pop_open();
            self.out.tokens.push((closer_token(d), here));
        }
    }
}

/// The closing bracket of an opening one.
pub(super) fn closer_of(open: u8) -> u8 {
    match open {
        b'{' => b'}',
        b'[' => b']',
        _ => b')',
    }
}

/// The token of the bracket that closes `open`.
pub(super) fn closer_token(open: u8) -> Lexeme {
    match open {
        b'{' => Lexeme::RBrace,
        b'[' => Lexeme::RBracket,
        _ => Lexeme::RParen,
    }
}

/// A bracket opened at `span` and never closed, with the closer to add.
pub(super) fn unclosed(open: u8, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::SYNTAX_UNCLOSED,
        format!("unclosed `{}`", open as char),
        span,
        "opened here and never closed",
    )
    .with_help(format!("add the matching `{}`", closer_of(open) as char))
}
