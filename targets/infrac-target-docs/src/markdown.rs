//! Markdown building blocks the pages share: escaped table cells, tables, percentages.

use crate::text::push_decimal;
use serde::Serialize;

/// Text made safe for one GitHub-flavoured Markdown table cell: characters that would
/// end the cell, start markup or HTML are escaped, line breaks become spaces.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_cell(&mut out, text);
    out
}

/// What [`cell`] writes instead of the character that starts at byte `i` of `bytes`, and
/// that character's length in bytes; `None` for a character it keeps as it is.
fn escape_at(bytes: &[u8], i: usize) -> Option<(&'static str, usize)> {
    let with = match bytes[i] {
        b'|' => "\\|",
        b'\\' => "\\\\",
        b'*' => "\\*",
        b'_' => "\\_",
        b'`' => "\\`",
        b'[' => "\\[",
        b']' => "\\]",
        b'#' => "\\#",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'&' => "&amp;",
        b'\n' | b'\r' | b'\t' => " ",
        // The other control characters are dropped: C0 and DEL here, C1 (U+0080 to
        // U+009F, encoded C2 80 to C2 9F) below.
        0..=0x1f | 0x7f => "",
        0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return Some(("", 2)),
        _ => return None,
    };
    Some((with, 1))
}

/// A table of the bytes that start a character [`escape_at`] may change: every byte
/// it changes, and `C2`, though only C1 controls start with it.
const MAY_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20
            || matches!(
                b as u8,
                b'|' | b'\\' | b'*' | b'_' | b'`' | b'[' | b']' | b'#' | b'<' | b'>' | b'&'
            );
        // DEL, and the lead byte of the C1 controls.
        table[b] |= b == 0x7f || b == 0xc2;
        b += 1;
    }
    table
};

/// Whether [`cell`] may change `text`: a quick test that lets most cells of a large lab
/// (names, addresses, `g1 (VM 100)`) be copied as they are. It only errs towards yes.
fn may_escape(text: &str) -> bool {
    let mut words = text.as_bytes().chunks_exact(8);
    // Eight bytes at a time without a branch for each: most cells have none of these.
    for word in words.by_ref() {
        if word
            .iter()
            .fold(false, |any, &b| any | MAY_ESCAPE[usize::from(b)])
        {
            return true;
        }
    }
    (words.remainder().iter()).any(|&b| MAY_ESCAPE[usize::from(b)])
}

/// Appends `text` to `out` as [`cell`] writes it: the runs between characters that
/// change are copied whole, found by [`MAY_ESCAPE`] rather than by trying each byte.
pub fn push_cell(out: &mut String, text: &str) {
    if !may_escape(text) {
        out.push_str(text);
        return;
    }
    let bytes = text.as_bytes();
    let (mut i, mut kept) = (0, 0);
    while let Some(skip) = bytes[i..].iter().position(|&b| MAY_ESCAPE[usize::from(b)]) {
        i += skip;
        match escape_at(bytes, i) {
            // `i` and `i + len` are character boundaries: the escaped characters are ASCII
            // or a whole two-byte C1 control.
            Some((with, len)) => {
                out.push_str(&text[kept..i]);
                out.push_str(with);
                i += len;
                kept = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[kept..]);
}

/// Escapes, as [`cell`] does, what was appended to `out` since byte `start`: cells written
/// in place with `write!` pass the same escaping as any other.
pub fn escape_from(out: &mut String, start: usize) {
    if may_escape(&out[start..]) {
        let written = out.split_off(start);
        push_cell(out, &written);
    }
}

/// Several values in one cell, one per line.
pub fn lines<I, S>(items: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        push_cell(&mut out, item.as_ref());
    }
    out
}

/// A doc comment in a table cell: its Markdown is kept, only what would break the
/// table is escaped.
pub fn doc_cell(doc: &str) -> String {
    doc.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// A doc comment as a paragraph of its own.
pub fn doc_block(doc: Option<&str>) -> Option<String> {
    doc.map(|d| d.trim().to_string()).filter(|d| !d.is_empty())
}

/// A table, written out as its rows are added.
///
/// A page's template sees it as `rows`, how many there are, and `markdown`, the table
/// written out: a lab's inventory and address plan have a row per guest and per address,
/// which the template engine would convert and join cell by cell. Large tables write
/// their cells straight into the text with [`Table::add`] instead of a `String` per cell.
#[derive(Debug, Clone)]
pub struct Table {
    columns: usize,
    rows: usize,
    /// The header line, the alignment line and a line per row.
    text: String,
}

impl Table {
    /// An empty table with these columns; a column whose name ends in `>` is
    /// right-aligned (numbers), the marker is dropped.
    pub fn new(columns: &[&str]) -> Table {
        let mut text = String::from("|");
        for column in columns {
            text.push(' ');
            push_cell(&mut text, column.trim_end_matches('>'));
            text.push_str(" |");
        }
        text.push_str("\n|");
        for column in columns {
            text.push_str(if column.ends_with('>') {
                " ---: |"
            } else {
                " --- |"
            });
        }
        text.push('\n');
        Table {
            columns: columns.len(),
            rows: 0,
            text,
        }
    }

    /// Adds a row of escaped cells; missing cells are left blank, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.add(|row| {
            for cell in cells.iter().take(row.columns) {
                row.raw(cell);
            }
        });
    }

    /// Adds the row `write` writes cell by cell; cells it leaves out are blank.
    pub fn add(&mut self, write: impl FnOnce(&mut Row)) {
        self.text.push('|');
        let mut row = Row {
            out: &mut self.text,
            columns: self.columns,
            cells: 0,
        };
        write(&mut row);
        debug_assert!(
            row.cells <= row.columns,
            "a row with more cells than columns"
        );
        for _ in row.cells..row.columns {
            row.out.push_str("  |");
        }
        self.text.push('\n');
        self.rows += 1;
    }
}

/// A row of a [`Table`] being written: each method writes one cell.
pub struct Row<'t> {
    out: &'t mut String,
    columns: usize,
    cells: usize,
}

impl Row<'_> {
    /// A cell written by `write` and then escaped as [`cell`] escapes text.
    pub fn with(&mut self, write: impl FnOnce(&mut String)) -> &mut Self {
        self.escaped(write, false)
    }

    /// A cell as [`Row::with`] writes it, `—` when it is empty.
    pub fn with_or_dash(&mut self, write: impl FnOnce(&mut String)) -> &mut Self {
        self.escaped(write, true)
    }

    fn escaped(&mut self, write: impl FnOnce(&mut String), dash: bool) -> &mut Self {
        self.out.push(' ');
        let start = self.out.len();
        write(self.out);
        escape_from(self.out, start);
        self.end_cell_from(start, dash)
    }

    /// A cell of text, escaped as [`cell`] escapes it.
    pub fn cell(&mut self, text: &str) -> &mut Self {
        self.out.push(' ');
        push_cell(self.out, text);
        self.end_cell()
    }

    /// A cell written as it is: text already escaped, or a number or fixed word that
    /// escaping would leave unchanged anyway.
    pub fn raw(&mut self, text: &str) -> &mut Self {
        self.raw_with(|out| out.push_str(text))
    }

    /// A cell of a whole number.
    pub fn int(&mut self, n: impl Into<u64>) -> &mut Self {
        self.raw_with(|out| push_decimal(out, n))
    }

    /// A cell written by `write` as it is (see [`Row::raw`]).
    pub fn raw_with(&mut self, write: impl FnOnce(&mut String)) -> &mut Self {
        self.out.push(' ');
        write(self.out);
        self.end_cell()
    }

    /// Several values in one cell as [`lines`] writes them, each written by `write` and
    /// escaped.
    pub fn lines<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        write: impl FnMut(&mut String, T),
    ) -> &mut Self {
        self.lines_cell(items, write, false)
    }

    /// A cell as [`Row::lines`] writes it, `—` when the values write nothing.
    pub fn lines_or_dash<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        write: impl FnMut(&mut String, T),
    ) -> &mut Self {
        self.lines_cell(items, write, true)
    }

    fn lines_cell<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut write: impl FnMut(&mut String, T),
        dash: bool,
    ) -> &mut Self {
        self.out.push(' ');
        let cell_start = self.out.len();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push_str("<br>");
            }
            let start = self.out.len();
            write(self.out, item);
            escape_from(self.out, start);
        }
        self.end_cell_from(cell_start, dash)
    }

    /// Ends the cell that starts at byte `start`, with `—` in it when `dash` is asked for
    /// and nothing was written.
    fn end_cell_from(&mut self, start: usize, dash: bool) -> &mut Self {
        if dash && self.out.len() == start {
            self.out.push('—');
        }
        self.end_cell()
    }

    fn end_cell(&mut self) -> &mut Self {
        self.out.push_str(" |");
        self.cells += 1;
        self
    }
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut table = serializer.serialize_struct("Table", 2)?;
        table.serialize_field("rows", &self.rows)?;
        table.serialize_field("markdown", &self.text)?;
        table.end()
    }
}

/// A share as a percentage with one decimal (`37.5%`), `< 0.1%` for tiny non-zero shares.
pub fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return if part > 0.0 {
            "over".into()
        } else {
            "0%".into()
        };
    }
    let p = part * 100.0 / whole;
    if p > 0.0 && p < 0.05 {
        "< 0.1%".into()
    } else {
        format!("{p:.1}%")
    }
}

/// An optional value as a cell, `—` when absent.
pub fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_table_and_markup_characters() {
        assert_eq!(cell("a|b *c* <d> _e_"), "a\\|b \\*c\\* &lt;d&gt; \\_e\\_");
        assert_eq!(cell("two\nlines"), "two lines");
        assert_eq!(
            doc_cell("Keep `code`\nand | pipes"),
            "Keep `code` and \\| pipes"
        );
    }

    #[test]
    fn plain_cells_and_lines_are_kept_as_they_are() {
        assert_eq!(
            cell("web-1 10.0.0.1/24, fe80::1"),
            "web-1 10.0.0.1/24, fe80::1"
        );
        assert_eq!(cell("é\u{7}x"), "éx");
        assert_eq!(lines(["a_b", "c"]), "a\\_b<br>c");
        assert_eq!(lines(Vec::<String>::new()), "");
    }

    #[test]
    fn escaping_keeps_unicode_and_drops_control_characters() {
        assert_eq!(cell("naïve\u{85}|x\u{9f}\u{a0}y"), "naïve\\|x\u{a0}y");
        assert_eq!(cell("\u{7f}a&b#\\"), "a&amp;b\\#\\\\");
    }

    #[test]
    fn the_quick_test_misses_nothing_the_escaping_changes() {
        for c in (0..0x1000u32).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert!(may_escape(&text) || cell(&text) == text, "{c:?}");
        }
    }

    #[test]
    fn tables_write_rows_cell_by_cell() {
        let mut table = Table::new(&["Name", "Size>", "Notes"]);
        table.row(vec!["a".into(), "1".into(), "x".into(), "dropped".into()]);
        table.add(|row| {
            row.cell("b|c")
                .int(2u8)
                .lines_or_dash(["u_v", "w"], |out, s| out.push_str(s));
        });
        table.add(|row| {
            row.with(|out| out.push_str("<d>"))
                .with_or_dash(|_| {})
                .lines_or_dash(Vec::<&str>::new(), |out, s| out.push_str(s));
        });
        table.add(|row| {
            row.raw("e");
        });
        assert_eq!(
            table.text,
            "| Name | Size | Notes |\n| --- | ---: | --- |\n| a | 1 | x |\n\
             | b\\|c | 2 | u\\_v<br>w |\n| &lt;d&gt; | — | — |\n| e |  |  |\n"
        );
        assert_eq!(table.rows, 4);
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(1.0, 4.0), "25.0%");
        assert_eq!(percent(1.0, 1e9), "< 0.1%");
        assert_eq!(percent(0.0, 0.0), "0%");
        assert_eq!(percent(3.0, 0.0), "over");
    }
}
