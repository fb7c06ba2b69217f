//! A renderer-neutral flowchart (nodes, nested groups, edges) and its Mermaid writer.
//!
//! Views build a [`Flowchart`] from the model with stable string keys such as
//! `guest:k3s-worker-1`; the writer turns keys into Mermaid-safe identifiers and escapes
//! every label, so names with hyphens, dots, spaces or quotes never break the syntax.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;
use std::fmt::Write;
use std::rc::Rc;

/// The direction a flowchart (or one group of it) is laid out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Top to bottom.
    TopDown,
    /// Left to right.
    LeftRight,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::TopDown => "TB",
            Direction::LeftRight => "LR",
        }
    }
}

/// The outline of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Box,
    Rounded,
    Stadium,
    Circle,
    Cylinder,
    Hexagon,
}

/// What a node or group stands for; each has its own colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Host,
    Vm,
    Lxc,
    Cluster,
    Namespace,
    App,
    Network,
    Uplink,
    Router,
    Peer,
    Prefix,
    Internet,
    Proxy,
    Note,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Host => "host",
            Class::Vm => "vm",
            Class::Lxc => "lxc",
            Class::Cluster => "cluster",
            Class::Namespace => "namespace",
            Class::App => "app",
            Class::Network => "network",
            Class::Uplink => "uplink",
            Class::Router => "router",
            Class::Peer => "peer",
            Class::Prefix => "prefix",
            Class::Internet => "internet",
            Class::Proxy => "proxy",
            Class::Note => "note",
        }
    }

    /// Fill, stroke and text colour: light fills with dark text stay readable on both
    /// white pages and GitHub's dark theme.
    fn style(self) -> &'static str {
        match self {
            Class::Host => "fill:#f5f5f5,stroke:#424242,stroke-width:2px,color:#212121",
            Class::Vm => "fill:#e3f2fd,stroke:#1565c0,color:#0d47a1",
            Class::Lxc => "fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20",
            Class::Cluster => "fill:#fff8e1,stroke:#f9a825,stroke-width:2px,color:#5d4037",
            Class::Namespace => "fill:#fffde7,stroke:#fbc02d,color:#5d4037",
            Class::App => "fill:#fff3e0,stroke:#ef6c00,color:#bf360c",
            Class::Network => "fill:#e0f7fa,stroke:#00838f,color:#004d40",
            Class::Uplink => "fill:#fce4ec,stroke:#ad1457,color:#880e4f",
            Class::Router => "fill:#ede7f6,stroke:#4527a0,stroke-width:2px,color:#311b92",
            Class::Peer => "fill:#fbe9e7,stroke:#d84315,color:#bf360c",
            Class::Prefix => "fill:#f1f8e9,stroke:#558b2f,color:#33691e",
            Class::Internet => "fill:#eceff1,stroke:#455a64,color:#263238",
            Class::Proxy => "fill:#f3e5f5,stroke:#6a1b9a,color:#4a148c",
            Class::Note => "fill:#fafafa,stroke:#9e9e9e,stroke-dasharray:4 3,color:#616161",
        }
    }
}

/// One box in the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// A stable key, `kind:name`; unique within the chart.
    pub key: String,
    /// Label lines, plain text (escaped when written).
    pub lines: Vec<String>,
    pub shape: Shape,
    pub class: Class,
}

impl Node {
    /// A node with a key, label lines, shape and class.
    pub fn new(key: impl Into<String>, lines: Vec<String>, shape: Shape, class: Class) -> Self {
        Node {
            key: key.into(),
            lines,
            shape,
            class,
        }
    }
}

/// A titled box around nodes and further groups (a Mermaid subgraph).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// A stable key, unique within the chart; edges may point at it.
    pub key: String,
    pub lines: Vec<String>,
    pub direction: Option<Direction>,
    pub class: Class,
    pub items: Vec<Item>,
}

impl Group {
    /// An empty group.
    pub fn new(key: impl Into<String>, lines: Vec<String>, class: Class) -> Self {
        Group {
            key: key.into(),
            lines,
            direction: None,
            class,
            items: Vec::new(),
        }
    }
}

/// A node or a group.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Node(Node),
    Group(Group),
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A solid arrow.
    Arrow,
    /// A dotted arrow: an indirect or conditional path.
    Dotted,
    /// A thick arrow: the main path.
    Thick,
    /// A solid line without an arrowhead: a symmetric relation such as a BGP session.
    Plain,
    /// Not drawn; only influences the layout.
    Invisible,
}

/// Extra emphasis for an edge's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    /// Traffic that is refused.
    Denied,
    /// Traffic that is translated (NAT) or forwarded.
    Translated,
}

/// A connection between two nodes or groups, by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub lines: Vec<String>,
    pub line: Line,
    pub tone: Tone,
}

impl Edge {
    /// A plain arrow without a label.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Edge {
            from: from.into(),
            to: to.into(),
            lines: Vec::new(),
            line: Line::Arrow,
            tone: Tone::Normal,
        }
    }

    /// The same edge with label lines.
    pub fn label(mut self, lines: Vec<String>) -> Self {
        self.lines = lines;
        self
    }

    /// The same edge drawn another way.
    pub fn line(mut self, line: Line) -> Self {
        self.line = line;
        self
    }

    /// The same edge in another colour.
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }
}

/// A whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Flowchart {
    pub title: String,
    pub direction: Direction,
    pub items: Vec<Item>,
    pub edges: Vec<Edge>,
}

impl Flowchart {
    /// An empty chart.
    pub fn new(title: impl Into<String>, direction: Direction) -> Self {
        Flowchart {
            title: title.into(),
            direction,
            items: Vec::new(),
            edges: Vec::new(),
        }
    }

    /// The chart in Mermaid flowchart syntax, ending with a newline.
    pub fn to_mermaid(&self) -> String {
        let ids = Ids::assign(self);
        let mut out = String::with_capacity(4096);
        let _ = writeln!(out, "---\ntitle: {}\n---", yaml_string(&self.title));
        let _ = writeln!(out, "flowchart {}", self.direction.as_str());
        let mut used = Vec::new();
        for item in &self.items {
            write_item(&mut out, item, &ids, 1, &mut used);
        }
        // `linkStyle` counts the edges as written, so skipped ones must not be counted.
        // In edge order, so already sorted by index.
        let mut styled: Vec<(usize, Tone)> = Vec::new();
        let mut index = 0;
        for edge in &self.edges {
            let (Some(from), Some(to)) = (ids.get(&edge.from), ids.get(&edge.to)) else {
                continue;
            };
            let arrow = match edge.line {
                Line::Arrow => "-->",
                Line::Dotted => "-.->",
                Line::Thick => "==>",
                Line::Plain => "---",
                Line::Invisible => "~~~",
            };
            out.push_str("    ");
            out.push_str(from);
            out.push(' ');
            out.push_str(arrow);
            if !edge.lines.is_empty() && edge.line != Line::Invisible {
                out.push_str("|\"");
                label_into(&mut out, &edge.lines);
                out.push_str("\"|");
            }
            out.push(' ');
            out.push_str(to);
            out.push('\n');
            if edge.tone != Tone::Normal {
                styled.push((index, edge.tone));
            }
            index += 1;
        }
        used.sort();
        used.dedup();
        for class in &used {
            let _ = writeln!(out, "    classDef {} {}", class.name(), class.style());
        }
        for tone in [Tone::Denied, Tone::Translated] {
            let indices: Vec<String> = styled
                .iter()
                .filter(|(_, t)| *t == tone)
                .map(|(i, _)| i.to_string())
                .collect();
            if indices.is_empty() {
                continue;
            }
            let style = match tone {
                Tone::Denied => "stroke:#c62828,stroke-width:2px,color:#c62828",
                _ => "stroke:#6a1b9a,stroke-width:2px,color:#4a148c",
            };
            let _ = writeln!(out, "    linkStyle {} {style}", indices.join(","));
        }
        out
    }
}

fn write_item(out: &mut String, item: &Item, ids: &Ids, depth: usize, used: &mut Vec<Class>) {
    let indent = |out: &mut String| {
        for _ in 0..depth {
            out.push_str("    ");
        }
    };
    match item {
        Item::Node(node) => {
            let Some(id) = ids.get(&node.key) else { return };
            let (open, close) = match node.shape {
                Shape::Box => ("[", "]"),
                Shape::Rounded => ("(", ")"),
                Shape::Stadium => ("([", "])"),
                Shape::Circle => ("((", "))"),
                Shape::Cylinder => ("[(", ")]"),
                Shape::Hexagon => ("{{", "}}"),
            };
            indent(out);
            out.push_str(id);
            out.push_str(open);
            out.push('"');
            label_into(out, &node.lines);
            out.push('"');
            out.push_str(close);
            out.push_str(":::");
            out.push_str(node.class.name());
            out.push('\n');
            used.push(node.class);
        }
        Item::Group(group) => {
            let Some(id) = ids.get(&group.key) else {
                return;
            };
            indent(out);
            out.push_str("subgraph ");
            out.push_str(id);
            out.push_str(" [\"");
            label_into(out, &group.lines);
            out.push_str("\"]\n");
            if let Some(direction) = group.direction {
                indent(out);
                out.push_str("    direction ");
                out.push_str(direction.as_str());
                out.push('\n');
            }
            for inner in &group.items {
                write_item(out, inner, ids, depth + 1, used);
            }
            indent(out);
            out.push_str("end\n");
            // `class` is ignored on a subgraph that edges point at; `style` is not.
            indent(out);
            out.push_str("style ");
            out.push_str(id);
            out.push(' ');
            out.push_str(group.class.style());
            out.push('\n');
        }
    }
}

/// Mermaid identifiers for every key in a chart, assigned in order of appearance.
struct Ids<'c> {
    // Shared with the set of taken identifiers: one allocation per identifier.
    by_key: FxHashMap<&'c str, Rc<str>>,
}

impl<'c> Ids<'c> {
    fn assign(chart: &'c Flowchart) -> Ids<'c> {
        // Hashed, not ordered: the identifiers depend on the order items are visited in,
        // never on the maps' order, and a diagram of 10,000 guests looks up 20,000 keys.
        struct Assign<'c> {
            ids: Ids<'c>,
            taken: FxHashSet<Rc<str>>,
            base: String,
        }
        fn visit<'c>(item: &'c Item, state: &mut Assign<'c>) {
            let key = match item {
                Item::Node(n) => &n.key,
                Item::Group(g) => &g.key,
            };
            if let Entry::Vacant(slot) = state.ids.by_key.entry(key.as_str()) {
                state.base.clear();
                identifier_into(&mut state.base, key);
                let mut id: Rc<str> = Rc::from(state.base.as_str());
                let mut n = 2;
                while !state.taken.insert(Rc::clone(&id)) {
                    id = Rc::from(format!("{}_{n}", state.base));
                    n += 1;
                }
                slot.insert(id);
            }
            if let Item::Group(g) = item {
                for inner in &g.items {
                    visit(inner, state);
                }
            }
        }
        // Sized for every item up front: a large diagram would otherwise rehash both
        // tables many times over.
        fn count(items: &[Item]) -> usize {
            items
                .iter()
                .map(|item| match item {
                    Item::Node(_) => 1,
                    Item::Group(g) => 1 + count(&g.items),
                })
                .sum()
        }
        let items = count(&chart.items);
        let mut state = Assign {
            ids: Ids {
                by_key: FxHashMap::with_capacity_and_hasher(items, Default::default()),
            },
            taken: FxHashSet::with_capacity_and_hasher(items, Default::default()),
            base: String::new(),
        };
        for item in &chart.items {
            visit(item, &mut state);
        }
        state.ids
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.by_key.get(key).map(|id| &**id)
    }
}

/// A Mermaid-safe identifier for a key: ASCII letters, digits and `_`, always starting
/// with a letter. The kind prefix (`guest_`, `net_`) keeps names such as `end`, or
/// names starting with `o` or `x` (which Mermaid reads as edge heads), out of reach.
pub fn identifier(key: &str) -> String {
    let mut id = String::with_capacity(key.len() + 2);
    identifier_into(&mut id, key);
    id
}

/// [`identifier`], appended to `id`.
fn identifier_into(id: &mut String, key: &str) {
    // ASCII letters and digits are kept; any run of other characters becomes a single
    // `_`, dropped at the end. The identifier starts with a letter exactly when the key
    // does.
    if !key
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic())
    {
        id.push_str("n_");
    }
    // Byte by byte: no byte of a non-ASCII character is alphanumeric, so such a
    // character falls into a run of other characters just as it would read whole.
    id.reserve(key.len());
    let mut gap = false;
    for &b in key.as_bytes() {
        if b.is_ascii_alphanumeric() {
            if gap {
                id.push('_');
                gap = false;
            }
            id.push(char::from(b));
        } else {
            gap = true;
        }
    }
}

/// Label lines joined with `<br/>`, each escaped for a double-quoted Mermaid label.
///
/// Mermaid decodes `#name;` and `#code;` entities inside labels, so every character that
/// could end the label or be read as markup is written as one.
pub fn label(lines: &[String]) -> String {
    let mut out = String::new();
    label_into(&mut out, lines);
    out
}

/// [`label`], appended to `out`.
fn label_into(out: &mut String, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        escape_into(out, line);
    }
}

fn escape_into(out: &mut String, text: &str) {
    // Runs of text that need no escaping are copied whole: most labels are plain, and
    // many hold non-ASCII separators such as `·` that a per-character loop would be
    // slow on. Every byte that starts a character needing work is flagged in `SPECIAL`;
    // the only multi-byte such characters are the C1 controls (U+0080..=U+009F, encoded
    // as 0xC2 0x80..=0x9F), which are dropped like the C0 controls.
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| SPECIAL[usize::from(b)]) {
        i += offset;
        let (replacement, width) = match bytes[i] {
            b'#' => ("#35;", 1),
            b'"' => ("#quot;", 1),
            b'<' => ("#lt;", 1),
            b'>' => ("#gt;", 1),
            b'&' => ("#amp;", 1),
            b'|' => ("#124;", 1),
            b'`' => ("#96;", 1),
            b'\n' | b'\r' | b'\t' => (" ", 1),
            0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => ("", 2),
            // A non-control character led by 0xC2, such as `·`: kept.
            0xC2 => {
                i += 1;
                continue;
            }
            _ => ("", 1),
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        i += width;
        start = i;
    }
    out.push_str(&text[start..]);
}

/// Bytes that may start a character [`escape_into`] does not copy as it is: the
/// escaped ASCII characters, the C0 controls and DEL, and 0xC2, the lead byte of the C1
/// controls (and of other characters, checked by the caller).
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    let escaped = b"#\"<>&|`";
    let mut i = 0;
    while i < escaped.len() {
        table[escaped[i] as usize] = true;
        i += 1;
    }
    table[0x7F] = true;
    table[0xC2] = true;
    table
};

/// A double-quoted YAML string for the front matter's title.
fn yaml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_mermaid_safe() {
        assert_eq!(identifier("guest:k3s-worker-1"), "guest_k3s_worker_1");
        assert_eq!(identifier("net:a.b c"), "net_a_b_c");
        assert_eq!(identifier("9lives"), "n_9lives");
        assert_eq!(identifier(":"), "n_");
    }

    #[test]
    fn identifiers_match_the_character_rules() {
        fn by_char(key: &str) -> String {
            let mut id = String::new();
            for c in key.chars() {
                if c.is_ascii_alphanumeric() {
                    id.push(c);
                } else if !id.ends_with('_') {
                    id.push('_');
                }
            }
            while id.ends_with('_') {
                id.pop();
            }
            match id.as_bytes().first() {
                Some(c) if c.is_ascii_alphabetic() => id,
                _ => format!("n_{id}"),
            }
        }
        for key in [
            "",
            ":",
            "::",
            "_",
            "a",
            "9",
            ":a",
            "_a_",
            "a__b",
            "a:-.b",
            "guest:k3s-worker-1",
            "9lives",
            "é",
            "éa",
            "aé",
            "a·b",
            "a 🚀 b",
            "ns:a/b",
            "x-",
            "--x--",
            "Z_9",
        ] {
            assert_eq!(identifier(key), by_char(key), "{key:?}");
        }
    }

    #[test]
    fn labels_escape_markup_and_quotes() {
        let text = label(&["a \"b\" <c> & #d | `e`".into(), "second".into()]);
        assert_eq!(
            text,
            "a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; #96;e#96;<br/>second"
        );
    }

    /// The character-at-a-time rules the run-copying writer must match.
    fn escape_by_char(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '#' => out.push_str("#35;"),
                '"' => out.push_str("#quot;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '&' => out.push_str("#amp;"),
                '|' => out.push_str("#124;"),
                '`' => out.push_str("#96;"),
                '\n' | '\r' | '\t' => out.push(' '),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out
    }

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn escaping_matches_the_character_rules() {
        let tricky = [
            "",
            "plain",
            "2 vCPU · 2 GiB",
            "\"quoted\" name",
            "#",
            "a#b;c",
            "x;y",
            "<b>bold</b> & <i>",
            "a|b`c`",
            "tab\there\r\nnext",
            "\u{0}\u{1}\u{1f}\u{7f}",
            "c1 \u{80}\u{85}\u{9f} end",
            "\u{a0}\u{ad}\u{c2}\u{c0}",
            "é ü ñ ß Ω 中文 ·",
            "emoji 🚀 👩‍💻 🇩🇪",
            "\u{2028}\u{2029}\u{feff}\u{200b}",
            "##\"\"<<>>&&||``",
            "\u{85}#\u{b7}\u{9f}\u{a0}",
            "ends with a control\u{9c}",
        ];
        for text in tricky {
            assert_eq!(escaped(text), escape_by_char(text), "{text:?}");
        }
        // Every character up to U+0800 (all one- and two-byte encodings) and a sample
        // beyond, each alone and between plain text.
        let chars = (0..0x800u32)
            .chain([0xFFFD, 0xFEFF, 0x1F680, 0x10FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            for text in [c.to_string(), format!("a{c}b{c}{c}·")] {
                assert_eq!(escaped(&text), escape_by_char(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn colliding_keys_get_distinct_identifiers() {
        let mut chart = Flowchart::new("t", Direction::LeftRight);
        for key in ["guest:a-b", "guest:a_b", "guest:a.b"] {
            chart.items.push(Item::Node(Node::new(
                key,
                vec![key.into()],
                Shape::Box,
                Class::Vm,
            )));
        }
        let text = chart.to_mermaid();
        assert!(text.contains("guest_a_b[\"guest:a-b\"]"));
        assert!(text.contains("guest_a_b_2[\"guest:a_b\"]"));
        assert!(text.contains("guest_a_b_3[\"guest:a.b\"]"));
    }
}
