//! Positions in the LSP's terms: lines ended by LF, CRLF or a lone CR (as the lexer and
//! the source map count them) and characters counted in UTF-16 code units.

use lsp_types::{Position, Range};

/// The byte offset of an LSP position. A character past the end of its line means the
/// end of the line (before its line break), a line past the end of the text the end of
/// the text, and a position inside a surrogate pair the start of its character: the
/// protocol asks servers to clamp rather than fail.
pub(crate) fn offset(text: &str, starts: &[usize], position: Position) -> usize {
    let Some(&start) = starts.get(position.line as usize) else {
        return text.len();
    };
    let end = starts
        .get(position.line as usize + 1)
        .copied()
        .unwrap_or(text.len());
    let line = text.get(start..end).unwrap_or("");
    let line = line.trim_end_matches(['\n', '\r']);
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        let next = units + c.len_utf16();
        if next > position.character as usize {
            return start + i;
        }
        units = next;
    }
    start + line.len()
}

/// The LSP position of a byte offset (clamped into the text and onto a character).
pub(crate) fn position(text: &str, starts: &[usize], offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = line_of(starts, offset);
    let start = starts.get(line).copied().unwrap_or(0);
    let character = utf16_len(text.get(start..offset).unwrap_or(""));
    Position::new(line as u32, character as u32)
}

/// The line `offset` is on.
fn line_of(starts: &[usize], offset: usize) -> usize {
    match starts.binary_search(&offset) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    }
}

/// The length of `text` in UTF-16 code units, the protocol's characters.
fn utf16_len(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().map(char::len_utf16).sum()
    }
}

/// [`position`] for offsets asked for mostly in increasing order, as a walk over a
/// document's tokens asks: each costs the distance from the one before, not a search of
/// the line starts and a count from the start of its line. An offset before the last one
/// asked for is searched for.
pub(crate) struct Cursor<'a> {
    text: &'a str,
    starts: &'a [usize],
    line: usize,
    /// The last offset asked for, and its column in UTF-16 units.
    offset: usize,
    units: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str, starts: &'a [usize]) -> Self {
        Cursor {
            text,
            starts,
            line: 0,
            offset: starts.first().copied().unwrap_or(0),
            units: 0,
        }
    }

    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            self.line = line_of(self.starts, offset);
            self.offset = self.starts.get(self.line).copied().unwrap_or(0);
            self.units = 0;
        }
        while let Some(&next) = self.starts.get(self.line + 1) {
            if next > offset {
                break;
            }
            self.line += 1;
            self.offset = next;
            self.units = 0;
        }
        self.units += utf16_len(self.text.get(self.offset..offset).unwrap_or(""));
        self.offset = offset;
        Position::new(self.line as u32, self.units as u32)
    }
}

/// The byte range of an LSP range, its ends ordered.
pub(crate) fn byte_range(text: &str, range: Range) -> std::ops::Range<usize> {
    let starts = infrac_diagnostics::line_starts(text);
    let a = offset(text, &starts, range.start);
    let b = offset(text, &starts, range.end);
    a.min(b)..a.max(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_diagnostics::line_starts;

    fn at(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn utf16_columns_and_all_line_endings() {
        let text = "a€😀b\r\nx\ry\nz";
        let starts = line_starts(text);
        assert_eq!(starts.len(), 4);
        // `€` is one UTF-16 unit, `😀` two.
        assert_eq!(offset(text, &starts, at(0, 2)), "a€".len());
        assert_eq!(offset(text, &starts, at(0, 4)), "a€😀".len());
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(offset(text, &starts, at(0, 3)), "a€".len());
        // Past the end of the line: before its CRLF.
        assert_eq!(offset(text, &starts, at(0, 99)), "a€😀b".len());
        assert_eq!(offset(text, &starts, at(2, 0)), text.find('y').unwrap_or(0));
        assert_eq!(offset(text, &starts, at(9, 0)), text.len());
        // Every offset but the middle of a CRLF (which has no position of its own).
        for (i, _) in text
            .char_indices()
            .filter(|(i, _)| !text[..*i].ends_with('\r'))
        {
            assert_eq!(offset(text, &starts, position(text, &starts, i)), i);
        }
    }

    #[test]
    fn the_cursor_agrees_with_position_forwards_and_back() {
        let text = "a€😀b\r\nx\ry\nzz😀z\n";
        let starts = line_starts(text);
        let mut cursor = Cursor::new(text, &starts);
        // Every offset (inside characters too, and past the end), in order, then a few
        // going back and forth.
        let order = (0..=text.len() + 2).chain([3, 0, 12, 7, 7, text.len(), 1]);
        for i in order {
            assert_eq!(cursor.position(i), position(text, &starts, i), "offset {i}");
        }
    }
}
