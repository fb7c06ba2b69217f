//! Markdown building blocks the pages share: escaped table cells, tables, percentages.

use serde::Serialize;

/// Text made safe for one GitHub-flavoured Markdown table cell: characters that would
/// end the cell, start markup or HTML are escaped, line breaks become spaces.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_cell(&mut out, text);
    out
}

/// Appends `text` to `out` as [`cell`] writes it.
fn push_cell(out: &mut String, text: &str) {
    // Names and addresses, most cells of a large lab's tables, need no escaping.
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'.' | b'-' | b':' | b'/' | b','))
    {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
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
pub fn doc_block(doc: &Option<String>) -> Option<String> {
    doc.as_ref()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
}

/// A table: header cells, column alignment, rows of already escaped cells.
///
/// A page's template sees it as `rows`, how many there are, and `markdown`, the table
/// written out: a lab's inventory and address plan have a row per guest and per address,
/// which the template engine would convert and join cell by cell.
#[derive(Debug, Clone)]
pub struct Table {
    pub head: Vec<String>,
    /// `---` or `---:` per column.
    pub align: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns; a column whose name ends in `>` is
    /// right-aligned (numbers), the marker is dropped.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            head: columns
                .iter()
                .map(|c| cell(c.trim_end_matches('>')))
                .collect(),
            align: columns
                .iter()
                .map(|c| if c.ends_with('>') { "---:" } else { "---" })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// The table in Markdown: a line for the header, the alignment and each row.
    pub fn markdown(&self) -> String {
        fn line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
            out.push('|');
            for cell in cells {
                out.push(' ');
                out.push_str(cell.as_ref());
                out.push_str(" |");
            }
            out.push('\n');
        }
        let mut out = String::new();
        line(&mut out, &self.head);
        line(&mut out, &self.align);
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    /// Adds a row of escaped cells; missing cells are left blank.
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.head.len(), String::new());
        self.rows.push(cells);
    }
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut table = serializer.serialize_struct("Table", 2)?;
        table.serialize_field("rows", &self.rows.len())?;
        table.serialize_field("markdown", &self.markdown())?;
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
    fn percentages() {
        assert_eq!(percent(1.0, 4.0), "25.0%");
        assert_eq!(percent(1.0, 1e9), "< 0.1%");
        assert_eq!(percent(0.0, 0.0), "0%");
        assert_eq!(percent(3.0, 0.0), "over");
    }
}
