//! Diagnostics as SARIF 2.1.0, the format GitHub code scanning ingests.

use infrac_diagnostics::{Code, Diagnostic, SourceMap, Span, CODES};
use serde_json::{json, Value};

fn region(map: &SourceMap, span: Span) -> Option<(String, Value)> {
    let file = map.get(span.file)?;
    let start = file.line_col(span.start as usize);
    let end = file.line_col(span.end as usize);
    Some((
        file.name.clone(),
        json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        }),
    ))
}

fn location(
    map: &SourceMap,
    span: Span,
    message: Option<&str>,
    id: Option<usize>,
) -> Option<Value> {
    let (uri, region) = region(map, span)?;
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
            "region": region,
        }
    });
    if let Some(m) = message {
        loc["message"] = json!({ "text": m });
    }
    if let Some(id) = id {
        loc["id"] = json!(id);
    }
    Some(loc)
}

fn level(d: &Diagnostic) -> &'static str {
    if d.is_error() {
        "error"
    } else {
        "warning"
    }
}

/// A SARIF 2.1.0 log with one run: every code as a rule, every diagnostic as a result.
pub fn diagnostics_sarif(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let rules: Vec<Value> = CODES
        .iter()
        .map(|info| {
            let first_paragraph = info
                .explanation
                .split("\n\n")
                .find(|p| !p.trim_start().starts_with('#') && !p.trim().is_empty())
                .unwrap_or(info.title)
                .trim()
                .replace('\n', " ");
            json!({
                "id": info.code.0,
                "name": info.title,
                "shortDescription": { "text": info.title },
                "fullDescription": { "text": first_paragraph },
                "help": { "text": format!("Run `infrac explain {}` for the full explanation.", info.code.0), "markdown": info.explanation },
                "defaultConfiguration": { "level": if info.code.0.starts_with('W') { "warning" } else { "error" } },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if !d.primary.message.is_empty() {
                text.push_str(&format!(": {}", d.primary.message));
            }
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            for note in &d.notes {
                text.push_str(&format!("\nnote: {note}"));
            }
            let related: Vec<Value> = d.labels.iter().enumerate().filter_map(|(i, l)| location(map, l.span, Some(&l.message), Some(i + 1))).collect();
            let rule_index = CODES.iter().position(|c| c.code == d.code);
            let mut result = json!({
                "ruleId": d.code.0,
                "level": level(d),
                "message": { "text": text },
                "locations": location(map, d.primary.span, None, None).into_iter().collect::<Vec<_>>(),
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "infrac",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/infrac/infrac",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into())
}

/// Escapes workflow-command data (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (data escapes plus `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Diagnostics as GitHub Actions workflow commands (`::error file=…::message`), which
/// GitHub shows as annotations on the pull request.
pub fn diagnostics_github(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = if d.is_error() { "error" } else { "warning" };
        let mut message = format!("{}: {}", d.message, d.primary.message);
        for label in &d.labels {
            if let Some(file) = map.get(label.span.file) {
                let at = file.line_col(label.span.start as usize);
                message.push_str(&format!(
                    "\n{}:{}:{}: {}",
                    file.name, at.line, at.column, label.message
                ));
            }
        }
        for note in &d.notes {
            message.push_str(&format!("\nnote: {note}"));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let title = format!("{} {}", d.code, Code::info(d.code).map_or("", |i| i.title));
        match map.get(d.primary.span.file) {
            Some(file) => {
                let start = file.line_col(d.primary.span.start as usize);
                let end = file.line_col(d.primary.span.end as usize);
                out.push_str(&format!(
                    "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                    escape_property(&file.name),
                    start.line,
                    start.column,
                    end.line,
                    end.column,
                    escape_property(&title),
                    escape_data(&message)
                ));
            }
            None => out.push_str(&format!(
                "::{command} title={}::{}\n",
                escape_property(&title),
                escape_data(&message)
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
