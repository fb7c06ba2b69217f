//! Laying the concrete syntax tree out as text: indentation, one-line blocks, broken
//! lists, and the alignment rules described in the parent module.

use super::cst::{Body, Comment, Decl, Entry, Expr, FileCst, Node, Seq, StrPiece, Trivia};

/// The widest a line may be before a block or list is broken over several lines.
pub(super) const WIDTH: usize = 100;

/// Two spaces per level.
const INDENT: usize = 2;

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, to: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..to {
        out.push(' ');
    }
    out
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// The whole file.
pub(super) fn file(cst: &FileCst) -> String {
    let lines = body_lines(&cst.items, &cst.dangling, 0);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------
// One-line forms. `None` means the construct cannot be written on one line: it holds a
// comment, or its author broke it over lines.

fn flat_expr(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Text(t) => t.clone(),
        Expr::Str {
            open,
            parts,
            verbatim,
        } => {
            let mut out = open.clone();
            for part in parts {
                match part {
                    StrPiece::Text(t) => out.push_str(t),
                    StrPiece::Interp(inner) => match flat_expr(inner) {
                        Some(text) => {
                            out.push('{');
                            out.push_str(&text);
                            out.push('}');
                        }
                        None => return Some(verbatim.clone()),
                    },
                }
            }
            out.push('"');
            out
        }
        Expr::Binary(l, op, r) => format!("{} {op} {}", flat_expr(l)?, flat_expr(r)?),
        Expr::Range(l, r) => format!("{}..{}", flat_expr(l)?, flat_expr(r)?),
        Expr::Placed(v, target) => format!("{} on {target}", flat_expr(v)?),
        Expr::Paren(inner) => format!("({})", flat_expr(inner)?),
        Expr::List(seq) => format!("[{}]", flat_seq(seq)?),
        Expr::Call(name, seq) => format!("{name}({})", flat_seq(seq)?),
        Expr::Instance(path, body) => format!("{path} {}", flat_body(body)?),
    })
}

fn has_comment(trivia: &[Trivia]) -> bool {
    trivia.iter().any(|t| matches!(t, Trivia::Comment(_)))
}

fn flat_seq(seq: &Seq) -> Option<String> {
    if seq.open.is_some()
        || has_comment(&seq.dangling)
        || (!seq.flat_intent && !seq.items.is_empty())
    {
        return None;
    }
    let mut parts = Vec::new();
    for item in &seq.items {
        if has_comment(&item.leading) || item.trailing.is_some() {
            return None;
        }
        parts.push(flat_expr(&item.expr)?);
    }
    Some(parts.join(", "))
}

fn flat_body(body: &Body) -> Option<String> {
    if body.open.is_some()
        || has_comment(&body.dangling)
        || (!body.flat_intent && !body.entries.is_empty())
    {
        return None;
    }
    if body.entries.is_empty() {
        return Some("{}".into());
    }
    let mut parts = Vec::new();
    for entry in &body.entries {
        if has_comment(&entry.leading) || entry.trailing.is_some() {
            return None;
        }
        parts.push(flat_node(&entry.node)?);
    }
    Some(format!("{{ {} }}", parts.join(", ")))
}

fn head(decl: &Decl) -> String {
    let mut out = decl.kind.clone();
    for part in [&decl.name, &decl.id].into_iter().flatten() {
        out.push(' ');
        out.push_str(&flat_expr(part).unwrap_or_default());
    }
    for (word, path) in &decl.clauses {
        out.push_str(&format!(" {word} {path}"));
    }
    out
}

fn rule_rest(to: &str, ports: &[Expr], sources: &Option<Expr>) -> Option<String> {
    let mut out = to.to_string();
    if !ports.is_empty() {
        let ports: Option<Vec<String>> = ports.iter().map(flat_expr).collect();
        out.push(' ');
        out.push_str(&ports?.join(", "));
    }
    if let Some(sources) = sources {
        out.push_str(" from ");
        out.push_str(&flat_expr(sources)?);
    }
    Some(out)
}

fn forward_rest(target: &str, target_port: &Option<String>) -> String {
    match target_port {
        Some(port) => format!("{target}:{port}"),
        None => target.to_string(),
    }
}

fn flat_node(node: &Node) -> Option<String> {
    Some(match node {
        Node::Import(text) => text.clone(),
        Node::Attr { name, value } => format!("{name} = {}", flat_expr(value)?),
        Node::Decl(decl) => format!("{} {}", head(decl), flat_body(&decl.body)?),
        Node::For { var, range, body } => {
            format!("for {var} in {} {}", flat_expr(range)?, flat_body(body)?)
        }
        Node::Filter {
            action,
            from,
            to,
            ports,
            sources,
        } => format!("{action} {from} -> {}", rule_rest(to, ports, sources)?),
        Node::Forward {
            from,
            port,
            target,
            target_port,
        } => format!(
            "forward {from} {} -> {}",
            flat_expr(port)?,
            forward_rest(target, target_port)
        ),
        Node::Masquerade { zones, to } => format!("masquerade {} -> {to}", flat_expr(zones)?),
        Node::Expect { from, rest } => format!("expect {from} -> {rest}"),
    })
}

// ---------------------------------------------------------------------------------------
// Broken forms. An expression's lines: the first continues the current line, the others
// carry their own indentation.

fn join(mut left: Vec<String>, sep: &str, right: Vec<String>) -> Vec<String> {
    let mut right = right.into_iter();
    if let (Some(last), Some(first)) = (left.last_mut(), right.next()) {
        last.push_str(sep);
        last.push_str(&first);
    }
    left.extend(right);
    left
}

fn expr_lines(e: &Expr, ind: usize, force: bool) -> Vec<String> {
    if !force {
        if let Some(flat) = flat_expr(e) {
            return vec![flat];
        }
    }
    match e {
        Expr::List(seq) => seq_lines("[".into(), "]", seq, ind),
        Expr::Call(name, seq) => seq_lines(format!("{name}("), ")", seq, ind),
        Expr::Instance(path, body) => block_lines(path.clone(), body, ind, false),
        Expr::Binary(l, op, r) => join(
            expr_lines(l, ind, false),
            &format!(" {op} "),
            expr_lines(r, ind, false),
        ),
        Expr::Range(l, r) => join(expr_lines(l, ind, false), "..", expr_lines(r, ind, false)),
        Expr::Placed(v, target) => {
            join(expr_lines(v, ind, false), &format!(" on {target}"), vec![])
        }
        Expr::Paren(inner) => join(
            join(vec!["(".into()], "", expr_lines(inner, ind, false)),
            ")",
            vec![],
        ),
        Expr::Text(_) | Expr::Str { .. } => vec![flat_expr(e).unwrap_or_default()],
    }
}

/// Emits own-line trivia at `ind`: comments as written, at most one blank line, none at
/// the start of a block.
fn push_trivia(out: &mut Vec<String>, trivia: &[Trivia], ind: usize) {
    for t in trivia {
        match t {
            Trivia::Blank => {
                if out.last().is_some_and(|l| !l.is_empty()) {
                    out.push(String::new());
                }
            }
            Trivia::Comment(text) => out.push(format!("{}{text}", spaces(ind))),
        }
    }
}

/// Appends trailing comments to lines, aligned on one column: the rightmost column any
/// of them was written at, or two spaces after the widest line when that is further
/// right (or when the written column would push a line past [`WIDTH`]).
fn place_comments(lines: &mut [String], marks: &[(usize, &Comment)]) {
    if marks.is_empty() {
        return;
    }
    let min = marks
        .iter()
        .map(|(i, _)| width(&lines[*i]) + 2)
        .max()
        .unwrap_or(0);
    let preferred = marks.iter().map(|(_, c)| c.col).max().unwrap_or(0);
    let mut col = min.max(preferred);
    if marks.iter().any(|(_, c)| col + width(&c.text) > WIDTH) {
        col = min;
    }
    for (i, c) in marks {
        let line = &mut lines[*i];
        let text = pad(line, col);
        *line = text + &c.text;
    }
}

fn seq_lines(open: String, close: &str, seq: &Seq, ind: usize) -> Vec<String> {
    let inner = ind + INDENT;
    let mut out = vec![open];
    if let Some(c) = &seq.open {
        out[0].push_str("  ");
        out[0].push_str(&c.text);
    }
    let mut marks = Vec::new();
    for item in &seq.items {
        push_trivia(&mut out, &item.leading, inner);
        let flat = flat_expr(&item.expr).filter(|f| inner + width(f) < WIDTH);
        let mut lines = match flat {
            Some(f) => vec![f],
            None => expr_lines(&item.expr, inner, true),
        };
        if let Some(first) = lines.first_mut() {
            *first = format!("{}{first}", spaces(inner));
        }
        if let Some(last) = lines.last_mut() {
            last.push(',');
        }
        out.extend(lines);
        if let Some(c) = &item.trailing {
            marks.push((out.len() - 1, c));
        }
    }
    push_trivia(&mut out, &seq.dangling, inner);
    trim_blank_end(&mut out);
    place_comments(&mut out, &marks);
    out.push(format!("{}{close}", spaces(ind)));
    out
}

/// `head {` … `}` over several lines; `absolute` says whether the head line already
/// carries its indentation (a declaration) or continues another line (an instance).
fn block_lines(head: String, body: &Body, ind: usize, absolute: bool) -> Vec<String> {
    let mut first = vec![format!("{head} {{")];
    if let Some(c) = &body.open {
        if absolute {
            place_comments(&mut first, &[(0, c)]);
        } else {
            first[0].push_str("  ");
            first[0].push_str(&c.text);
        }
    }
    first.extend(body_lines(&body.entries, &body.dangling, ind + INDENT));
    first.push(format!("{}}}", spaces(ind)));
    first
}

fn trim_blank_end(out: &mut Vec<String>) {
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
}

// ---------------------------------------------------------------------------------------
// Blocks: runs of one-line entries and their alignment.

/// How one entry of a block is laid out.
enum Shape {
    Attr {
        name: String,
        value: String,
    },
    /// A declaration written on one line.
    Block {
        head: String,
        kind: String,
        single_word: bool,
        cells: Vec<(String, String)>,
    },
    Filter {
        action: String,
        from: String,
        rest: String,
    },
    Forward {
        from: String,
        port: String,
        rest: String,
    },
    Plain(String),
    /// Lines with their indentation.
    Multi(Vec<String>),
}

fn cell_key(node: &Node) -> String {
    match node {
        Node::Attr { name, .. } => name.clone(),
        Node::Decl(decl) => decl.kind.clone(),
        other => flat_node(other).unwrap_or_default(),
    }
}

fn breakable(e: &Expr) -> bool {
    matches!(e, Expr::List(_) | Expr::Call(..) | Expr::Instance(..))
}

fn shape(entry: &Entry, ind: usize) -> Shape {
    let fits = |text: &str| ind + width(text) <= WIDTH;
    match &entry.node {
        Node::Attr { name, value } => match flat_expr(value) {
            Some(v) if fits(&format!("{name} = {v}")) || !breakable(value) => Shape::Attr {
                name: name.clone(),
                value: v,
            },
            _ => {
                let lines = expr_lines(value, ind, true);
                let mut lines = join(vec![format!("{}{name} =", spaces(ind))], " ", lines);
                if lines.is_empty() {
                    lines.push(String::new());
                }
                Shape::Multi(lines)
            }
        },
        Node::Decl(decl) => {
            let head_text = head(decl);
            let flat = flat_body(&decl.body).filter(|b| fits(&format!("{head_text} {b}")));
            match flat {
                Some(_) => Shape::Block {
                    single_word: decl.name.is_none()
                        && decl.id.is_none()
                        && decl.clauses.is_empty(),
                    kind: decl.kind.clone(),
                    cells: decl
                        .body
                        .entries
                        .iter()
                        .map(|e| (cell_key(&e.node), flat_node(&e.node).unwrap_or_default()))
                        .collect(),
                    head: head_text,
                },
                None => {
                    let mut lines = block_lines(head_text, &decl.body, ind, true);
                    lines[0] = format!("{}{}", spaces(ind), lines[0]);
                    Shape::Multi(lines)
                }
            }
        }
        Node::For { var, range, body } => {
            let head_text = format!("for {var} in {}", expr_lines(range, ind, false).join("\n"));
            match flat_node(&entry.node).filter(|f| fits(f)) {
                Some(f) => Shape::Plain(f),
                None => {
                    let mut lines = block_lines(head_text, body, ind, true);
                    lines[0] = format!("{}{}", spaces(ind), lines[0]);
                    Shape::Multi(lines)
                }
            }
        }
        Node::Filter {
            action,
            from,
            to,
            ports,
            sources,
        } => Shape::Filter {
            action: action.clone(),
            from: from.clone(),
            rest: rule_rest(to, ports, sources).unwrap_or_default(),
        },
        Node::Forward {
            from,
            port,
            target,
            target_port,
        } => Shape::Forward {
            from: from.clone(),
            port: flat_expr(port).unwrap_or_default(),
            rest: forward_rest(target, target_port),
        },
        // Consecutive expectations line up their arrows, like `allow`/`deny` rules.
        Node::Expect { from, rest } => Shape::Filter {
            action: "expect".into(),
            from: from.clone(),
            rest: rest.clone(),
        },
        Node::Import(_) | Node::Masquerade { .. } => {
            Shape::Plain(flat_node(&entry.node).unwrap_or_default())
        }
    }
}

fn has_blank(trivia: &[Trivia]) -> bool {
    trivia.iter().any(|t| matches!(t, Trivia::Blank))
}

fn body_lines(entries: &[Entry], dangling: &[Trivia], ind: usize) -> Vec<String> {
    let shapes: Vec<Shape> = entries.iter().map(|e| shape(e, ind)).collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let mut end = start + 1;
        if !matches!(shapes[start], Shape::Multi(_)) {
            while end < entries.len()
                && !matches!(shapes[end], Shape::Multi(_))
                && !has_blank(&entries[end].leading)
            {
                end += 1;
            }
        }
        run_lines(&entries[start..end], &shapes[start..end], ind, &mut out);
        start = end;
    }
    push_trivia(&mut out, dangling, ind);
    trim_blank_end(&mut out);
    out
}

/// Two one-line declarations in a row share a table when they are of one kind or list
/// the same attributes.
fn same_table(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (
            Shape::Block {
                kind: ka,
                cells: ca,
                ..
            },
            Shape::Block {
                kind: kb,
                cells: cb,
                ..
            },
        ) => {
            ka == kb
                || (!ca.is_empty()
                    && ca.len() == cb.len()
                    && ca.iter().zip(cb).all(|((x, _), (y, _))| x == y))
        }
        _ => false,
    }
}

/// The lines of the rows `range` of a table, aligned: heads padded to one width, and each
/// cell padded so the next cell starts in one column across consecutive rows whose cells
/// so far name the same attributes.
fn table_rows(shapes: &[Shape], min_head: usize, ind: usize) -> Vec<String> {
    let rows: Vec<(&String, &Vec<(String, String)>)> = shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Block { head, cells, .. } => Some((head, cells)),
            _ => None,
        })
        .collect();
    let plain = |head_width: usize, pads: &[Vec<usize>]| -> Vec<String> {
        rows.iter()
            .enumerate()
            .map(|(r, (head, cells))| {
                let mut line = pad(head, head_width);
                if cells.is_empty() {
                    return line + " {}";
                }
                line.push_str(" { ");
                for (j, (_, text)) in cells.iter().enumerate() {
                    if j + 1 < cells.len() {
                        line.push_str(&pad(&format!("{text},"), pads[r][j]));
                        line.push(' ');
                    } else {
                        line.push_str(text);
                    }
                }
                line + " }"
            })
            .collect()
    };
    let head_width = rows
        .iter()
        .map(|(h, _)| width(h))
        .max()
        .unwrap_or(0)
        .max(min_head);
    let mut pads: Vec<Vec<usize>> = rows.iter().map(|(_, c)| vec![0; c.len()]).collect();
    let most = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    for j in 0..most.saturating_sub(1) {
        let key = |r: usize| -> Option<Vec<&String>> {
            let cells = rows[r].1;
            (cells.len() > j).then(|| cells[..=j].iter().map(|(k, _)| k).collect())
        };
        let mut r = 0;
        while r < rows.len() {
            let Some(k) = key(r) else {
                r += 1;
                continue;
            };
            let mut e = r + 1;
            while e < rows.len() && key(e).as_ref() == Some(&k) {
                e += 1;
            }
            let w = (r..e)
                .filter(|&x| rows[x].1.len() > j + 1)
                .map(|x| width(&rows[x].1[j].1) + 1)
                .max()
                .unwrap_or(0);
            for p in pads.iter_mut().take(e).skip(r) {
                if p.len() > j {
                    p[j] = w;
                }
            }
            r = e;
        }
    }
    let aligned = plain(head_width, &pads);
    if aligned.iter().all(|l| ind + width(l) <= WIDTH) {
        aligned
    } else {
        let none: Vec<Vec<usize>> = rows.iter().map(|(_, c)| vec![0; c.len()]).collect();
        plain(0, &none)
    }
}

fn run_lines(entries: &[Entry], shapes: &[Shape], ind: usize, out: &mut Vec<String>) {
    let name_width = shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Attr { name, .. } => Some(width(name)),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut texts: Vec<Vec<String>> = Vec::with_capacity(shapes.len());
    let mut k = 0;
    while k < shapes.len() {
        match &shapes[k] {
            Shape::Attr { name, value } => {
                texts.push(vec![format!("{} = {value}", pad(name, name_width))]);
                k += 1;
            }
            Shape::Block { .. } => {
                let mut e = k + 1;
                while e < shapes.len() && same_table(&shapes[e - 1], &shapes[e]) {
                    e += 1;
                }
                // A table right below attributes, whose heads are bare kinds, continues
                // their column: its `{` lines up with their `=`.
                let below_attr = k > 0 && matches!(shapes[k - 1], Shape::Attr { .. });
                let bare = shapes[k..e].iter().all(|s| {
                    matches!(
                        s,
                        Shape::Block {
                            single_word: true,
                            ..
                        }
                    )
                });
                let min_head = if below_attr && bare { name_width } else { 0 };
                for row in table_rows(&shapes[k..e], min_head, ind) {
                    texts.push(vec![row]);
                }
                k = e;
            }
            Shape::Filter { .. } => {
                let mut e = k;
                while e < shapes.len() && matches!(shapes[e], Shape::Filter { .. }) {
                    e += 1;
                }
                let (mut aw, mut fw) = (0, 0);
                for s in &shapes[k..e] {
                    if let Shape::Filter { action, from, .. } = s {
                        aw = aw.max(width(action));
                        fw = fw.max(width(from));
                    }
                }
                for s in &shapes[k..e] {
                    if let Shape::Filter { action, from, rest } = s {
                        texts.push(vec![format!(
                            "{} {} -> {rest}",
                            pad(action, aw),
                            pad(from, fw)
                        )]);
                    }
                }
                k = e;
            }
            Shape::Forward { .. } => {
                let mut e = k;
                while e < shapes.len() && matches!(shapes[e], Shape::Forward { .. }) {
                    e += 1;
                }
                let (mut fw, mut pw) = (0, 0);
                for s in &shapes[k..e] {
                    if let Shape::Forward { from, port, .. } = s {
                        fw = fw.max(width(from));
                        pw = pw.max(width(port));
                    }
                }
                for s in &shapes[k..e] {
                    if let Shape::Forward { from, port, rest } = s {
                        texts.push(vec![format!(
                            "forward {} {} -> {rest}",
                            pad(from, fw),
                            pad(port, pw)
                        )]);
                    }
                }
                k = e;
            }
            Shape::Plain(text) => {
                texts.push(vec![text.clone()]);
                k += 1;
            }
            Shape::Multi(lines) => {
                texts.push(lines.clone());
                k += 1;
            }
        }
    }
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for ((entry, shape), text) in entries.iter().zip(shapes).zip(texts) {
        push_trivia_into(&mut lines, out, &entry.leading, ind);
        let multi = matches!(shape, Shape::Multi(_));
        for line in text {
            if multi {
                lines.push(line);
            } else {
                lines.push(format!("{}{line}", spaces(ind)));
            }
        }
        if let Some(c) = &entry.trailing {
            marks.push((lines.len() - 1, c));
        }
    }
    place_comments(&mut lines, &marks);
    out.extend(lines);
}

/// Like [`push_trivia`], for lines that will be appended to `out`.
fn push_trivia_into(lines: &mut Vec<String>, out: &[String], trivia: &[Trivia], ind: usize) {
    for t in trivia {
        match t {
            Trivia::Blank => {
                let last = lines.last().or(out.last());
                if last.is_some_and(|l| !l.is_empty()) {
                    lines.push(String::new());
                }
            }
            Trivia::Comment(text) => lines.push(format!("{}{text}", spaces(ind))),
        }
    }
}
