//! Markdown building blocks the pages share: escaped table cells, tables, percentages.

use serde::Serialize;

/// Text made safe for one GitHub-flavoured Markdown table cell: characters that would
/// end the cell, start markup or HTML are escaped, line breaks become spaces.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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
    out
}

/// Several values in one cell, one per line.
pub fn lines<I, S>(items: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    items
        .into_iter()
        .map(|s| cell(s.as_ref()))
        .collect::<Vec<_>>()
        .join("<br>")
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
#[derive(Debug, Clone, Serialize)]
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

    /// Adds a row of escaped cells; missing cells are left blank.
    pub fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.head.len(), String::new());
        self.rows.push(cells);
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
    fn percentages() {
        assert_eq!(percent(1.0, 4.0), "25.0%");
        assert_eq!(percent(1.0, 1e9), "< 0.1%");
        assert_eq!(percent(0.0, 0.0), "0%");
        assert_eq!(percent(3.0, 0.0), "over");
    }
}
