//! A renderer-neutral flowchart (nodes, nested groups, edges) and its Mermaid writer.
//!
//! Views build a [`Flowchart`] from the model with stable string keys such as
//! `guest:k3s-worker-1`; the writer turns keys into Mermaid-safe identifiers and escapes
//! every label, so names with hyphens, dots, spaces or quotes never break the syntax.

use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt::Write;

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
    by_key: FxHashMap<&'c str, String>,
}

impl<'c> Ids<'c> {
    fn assign(chart: &'c Flowchart) -> Ids<'c> {
        // Hashed, not ordered: the identifiers depend on the order items are visited in,
        // never on the maps' order, and a diagram of 10,000 guests looks up 20,000 keys.
        let mut ids = Ids {
            by_key: FxHashMap::default(),
        };
        let mut taken = FxHashSet::default();
        fn visit<'c>(item: &'c Item, ids: &mut Ids<'c>, taken: &mut FxHashSet<String>) {
            let key = match item {
                Item::Node(n) => &n.key,
                Item::Group(g) => &g.key,
            };
            if !ids.by_key.contains_key(key.as_str()) {
                let base = identifier(key);
                let mut id = base.clone();
                let mut n = 2;
                while taken.contains(&id) {
                    id = format!("{base}_{n}");
                    n += 1;
                }
                taken.insert(id.clone());
                ids.by_key.insert(key, id);
            }
            if let Item::Group(g) = item {
                for inner in &g.items {
                    visit(inner, ids, taken);
                }
            }
        }
        for item in &chart.items {
            visit(item, &mut ids, &mut taken);
        }
        ids
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.by_key.get(key).map(String::as_str)
    }
}

/// A Mermaid-safe identifier for a key: ASCII letters, digits and `_`, always starting
/// with a letter. The kind prefix (`guest_`, `net_`) keeps names such as `end`, or
/// names starting with `o` or `x` (which Mermaid reads as edge heads), out of reach.
pub fn identifier(key: &str) -> String {
    let mut id = String::with_capacity(key.len() + 2);
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
    // Fast path: a line of printable ASCII without any of the escaped characters is
    // written as it is, which is what the loop below would write.
    if text.bytes().all(|b| {
        (b' '..=b'~').contains(&b) && !matches!(b, b'#' | b'"' | b'<' | b'>' | b'&' | b'|' | b'`')
    }) {
        out.push_str(text);
        return;
    }
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
}

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
    fn labels_escape_markup_and_quotes() {
        let text = label(&["a \"b\" <c> & #d | `e`".into(), "second".into()]);
        assert_eq!(
            text,
            "a #quot;b#quot; #lt;c#gt; #amp; #35;d #124; #96;e#96;<br/>second"
        );
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
