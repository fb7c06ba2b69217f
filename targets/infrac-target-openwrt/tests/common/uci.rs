//! A strict UCI reader: libuci's quoting rules (openwrt/uci `file.c`), and nothing libuci
//! accepts only by accident.
//!
//! Lines are `config TYPE ['NAME']`, `option NAME 'VALUE'`, `list NAME 'VALUE'`, blank, or
//! comments starting with `#`. Words are concatenations of bare characters, `'…'`
//! (literal up to the next quote) and `"…"` (backslash escapes the next character), and
//! a backslash outside quotes escapes the next character. Rejected: other or abbreviated
//! commands (`package`, `c`, `o`), `;` and `#` outside quotes, a quote or backslash left
//! open at the end of a line (libuci would continue on the next line), control
//! characters, names that `uci_validate_name` refuses, options before the first section,
//! an option set twice or as both `option` and `list`, two sections of one name. Then
//! [`check_schema`] checks section types and option names against
//! `scripts/validators/uci-schema.txt`, the allow-list `uci.sh` uses too.

use std::collections::BTreeMap;

/// An option's value: `option` or `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Single(String),
    List(Vec<String>),
}

/// One `config` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: String,
    pub name: Option<String>,
    pub options: Vec<(String, Value)>,
    pub line: usize,
}

impl Section {
    /// The value of an `option`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options.iter().find_map(|(k, v)| match v {
            Value::Single(s) if k == key => Some(s.as_str()),
            _ => None,
        })
    }

    /// The values of a `list`, or of an `option` split at white space (how OpenWrt's
    /// shell and ucode readers take list-like options).
    pub fn values(&self, key: &str) -> Vec<String> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| match v {
                Value::List(l) => l.clone(),
                Value::Single(s) => s.split_whitespace().map(str::to_string).collect(),
            })
            .unwrap_or_default()
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The words of one line with UCI's quoting, each with whether it was written bare.
fn words(line: &str, at: usize) -> Result<Vec<(String, bool)>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        if i >= chars.len() {
            return Ok(out);
        }
        let (mut word, mut bare) = (String::new(), true);
        while i < chars.len() && chars[i] != ' ' && chars[i] != '\t' {
            match chars[i] {
                '\'' => {
                    let end = chars[i + 1..]
                        .iter()
                        .position(|&c| c == '\'')
                        .ok_or(format!(
                            "line {at}: unterminated ' (values must end on their line)"
                        ))?;
                    word.extend(&chars[i + 1..i + 1 + end]);
                    i += end + 2;
                    bare = false;
                }
                '"' => {
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None => {
                                return Err(format!(
                                    "line {at}: unterminated \" (values must end on their line)"
                                ))
                            }
                            Some('\\') => {
                                let next = chars
                                    .get(i + 1)
                                    .ok_or(format!("line {at}: backslash at the end of a line"))?;
                                word.push(*next);
                                i += 2;
                            }
                            Some('"') => {
                                i += 1;
                                break;
                            }
                            Some(c) => {
                                word.push(*c);
                                i += 1;
                            }
                        }
                    }
                    bare = false;
                }
                '\\' => {
                    let next = chars
                        .get(i + 1)
                        .ok_or(format!("line {at}: backslash at the end of a line"))?;
                    word.push(*next);
                    i += 2;
                    bare = false;
                }
                c @ ('#' | ';') => return Err(format!("line {at}: `{c}` outside quotes")),
                c => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        out.push((word, bare));
    }
}

/// Parses a UCI file strictly.
pub fn parse(text: &str) -> Result<Vec<Section>, String> {
    let mut sections: Vec<Section> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let at = index + 1;
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!("line {at}: control character"));
        }
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words = words(line, at)?;
        let ((command, bare), args) = (&words[0], &words[1..]);
        let args: Vec<&str> = args.iter().map(|(w, _)| w.as_str()).collect();
        match (command.as_str(), *bare) {
            ("config", true) => {
                let (kind, name) = match args[..] {
                    [kind] => (kind, None),
                    [kind, name] => (kind, Some(name)),
                    _ => return Err(format!("line {at}: `config TYPE ['NAME']` expected")),
                };
                if !is_name(kind) {
                    return Err(format!("line {at}: invalid section type `{kind}`"));
                }
                if let Some(name) = name {
                    if !is_name(name) {
                        return Err(format!("line {at}: invalid section name `{name}`"));
                    }
                    if names.iter().any(|n| n == name) {
                        return Err(format!("line {at}: section `{name}` declared twice"));
                    }
                    names.push(name.to_string());
                }
                sections.push(Section {
                    kind: kind.to_string(),
                    name: name.map(str::to_string),
                    options: Vec::new(),
                    line: at,
                });
            }
            (command @ ("option" | "list"), true) => {
                let section = sections
                    .last_mut()
                    .ok_or(format!("line {at}: `{command}` before the first section"))?;
                let [key, value] = args[..] else {
                    return Err(format!("line {at}: `{command} NAME 'VALUE'` expected"));
                };
                if !is_name(key) {
                    return Err(format!("line {at}: invalid option name `{key}`"));
                }
                let existing = section.options.iter_mut().find(|(k, _)| k == key);
                match (command, existing) {
                    ("list", Some((_, Value::List(values)))) => values.push(value.to_string()),
                    (_, Some(_)) => {
                        return Err(format!("line {at}: `{key}` set twice in one section"))
                    }
                    ("list", None) => section
                        .options
                        .push((key.to_string(), Value::List(vec![value.to_string()]))),
                    (_, None) => section
                        .options
                        .push((key.to_string(), Value::Single(value.to_string()))),
                }
            }
            _ => return Err(format!("line {at}: unknown command `{command}`")),
        }
    }
    Ok(sections)
}

/// Per file name, per section type, option name and whether it may be a list.
pub type Schema = BTreeMap<String, BTreeMap<String, BTreeMap<String, bool>>>;

/// The allow-list `scripts/validators/uci-schema.txt`.
pub fn schema() -> Schema {
    let path = infrac_testkit::root().join("scripts/validators/uci-schema.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut schema = Schema::new();
    let mut current = String::new();
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(file) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = file.to_string();
            continue;
        }
        let (kind, options) = line.split_once('=').unwrap_or((line, ""));
        let entry = schema
            .entry(current.clone())
            .or_default()
            .entry(kind.trim().to_string())
            .or_default();
        for word in options.split_whitespace() {
            entry.insert(word.trim_end_matches('*').to_string(), word.ends_with('*'));
        }
    }
    schema
}

/// What in `sections` the allow-list of the file `file` does not allow.
pub fn check_schema(schema: &Schema, file: &str, sections: &[Section]) -> Vec<String> {
    let Some(types) = schema.get(file) else {
        return vec![format!("no schema for a UCI file named `{file}`")];
    };
    let mut problems = Vec::new();
    for s in sections {
        let Some(options) = types.get(&s.kind) else {
            problems.push(format!(
                "line {}: `config {}` is not a section of {file}",
                s.line, s.kind
            ));
            continue;
        };
        for (key, value) in &s.options {
            match (options.get(key), value) {
                (None, _) => problems.push(format!(
                    "section at line {}: `{key}` is not an option of `config {}`",
                    s.line, s.kind
                )),
                (Some(false), Value::List(_)) => problems.push(format!(
                    "section at line {}: `{key}` of `config {}` cannot be a list",
                    s.line, s.kind
                )),
                _ => {}
            }
        }
    }
    problems
}
