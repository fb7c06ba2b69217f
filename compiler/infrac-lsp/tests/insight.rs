//! What the server tells about a lab: hover facts (budgets, addresses, firewall rules),
//! completion by kind, semantic tokens and inlay hints, over the protocol.

mod common;

use common::Client;
use lsp_types::request::{
    Completion, HoverRequest, InlayHintRequest, Request as _, SemanticTokensFullDeltaRequest,
    SemanticTokensFullRequest,
};
use lsp_types::Position;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use common::labs as navigation;

fn lab_folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("infrac-lsp-insight-{}", std::process::id()))
        .join(test);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("nets.infra"), navigation::NETS).unwrap_or_else(|e| panic!("{e}"));
    dir.join("lab.infra")
}

fn find(text: &str, needle: &str, nth: usize, shift: u32) -> Position {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {needle:?}"));
    let line = text[..offset].matches('\n').count() as u32;
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Position::new(line, column as u32 + shift)
}

fn at(path: &Path, position: Position) -> Value {
    json!({"textDocument": {"uri": common::uri(path)}, "position": position})
}

fn hover_text(client: &mut Client, path: &Path, position: Position) -> String {
    let hover = client.ask(HoverRequest::METHOD, at(path, position));
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const LAB: &str = navigation::LAB;

#[test]
fn hover_shows_values_types_and_budgets() {
    let lab = lab_folder("hover");
    let mut client = Client::start();
    client.open(&lab, LAB);
    client.next_publication(&lab);

    // The evaluated value of a computed address, and the attribute's type.
    let text = hover_text(&mut client, &lab, find(LAB, "host(lan.ipv4, 61)", 0, 1));
    assert!(text.contains("value `192.168.10.61`"), "{text}");
    let text = hover_text(&mut client, &lab, find(LAB, "cores  = 2", 0, 1));
    assert!(text.contains("a number of cores"), "{text}");
    assert!(text.contains("value `2`"), "{text}");

    // A host: its CPU, memory and pool headroom (56 threads, 4 × 32 GiB; the guests ask
    // for 4 vCPUs, 6 GiB and 96 GiB of the 500 GiB pool).
    let text = hover_text(&mut client, &lab, find(LAB, "on pve", 0, 4));
    assert!(text.contains("CPU: 4 of 56 used"), "{text}");
    assert!(text.contains("memory: 6 GiB of 128 GiB used"), "{text}");
    assert!(
        text.contains("pool `local-lvm`: 96 GiB of 500 GiB used"),
        "{text}"
    );
    // A pool where a disk is placed.
    let text = hover_text(&mut client, &lab, find(LAB, "on local-lvm", 0, 4));
    assert!(text.contains("404 GiB free"), "{text}");
    // A network: used and free addresses and the next free one.
    let text = hover_text(&mut client, &lab, find(LAB, "nic lan", 1, 5));
    assert!(text.contains("3 used, 251 free of 254"), "{text}");
    assert!(text.contains("next free 192.168.10.2"), "{text}");
    // A stdlib entry: its kind, namespace and doc.
    let text = hover_text(&mut client, &lab, find(LAB, "dell.r730", 0, 6));
    assert!(text.contains("chassis dell.r730"), "{text}");
    assert!(text.contains("stdlib/hardware/dell.infra"), "{text}");
    client.shutdown();
}

/// ORION with `rules` written after its `allow lan -> wan`, open in a fresh server: the
/// server, the lab's path and its text.
fn orion_with_rules(test: &str, rules: &str, tail: &str) -> (Client, PathBuf, String) {
    let orion = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/orion.infra");
    let text = std::fs::read_to_string(&orion).unwrap_or_else(|e| panic!("{e}"));
    let text = text.replacen(
        "  allow lan   -> wan\n",
        &format!("  allow lan   -> wan\n{rules}"),
        1,
    ) + tail;
    let lab = lab_folder(test);
    let client = Client::start();
    client.open(&lab, &text);
    client.next_publication(&lab);
    (client, lab, text)
}

#[test]
fn hover_on_a_firewall_rule_tells_what_it_decides_and_whether_it_is_shadowed() {
    // An extra rule no packet reaches: `allow lan -> wan` already decides all of it.
    let (mut client, lab, text) = orion_with_rules(
        "firewall",
        "  deny  lan   -> wan tcp/25\n",
        "\nexpect lan -> wan tcp/443 allowed\n",
    );
    let hover = hover_text(&mut client, &lab, find(&text, "allow lan   -> wan", 0, 2));
    assert!(hover.contains("forward chain"), "{hover}");
    assert!(
        hover.contains("first match for new connections lan → wan"),
        "{hover}"
    );
    assert!(!hover.contains("shadowed"), "{hover}");
    // The expectation it proves.
    assert!(
        hover.contains("- `expect lan -> wan tcp/443 allowed` (lab.infra:"),
        "{hover}"
    );
    let hover = hover_text(&mut client, &lab, find(&text, "deny  lan   -> wan", 0, 2));
    assert!(hover.contains("**shadowed**"), "{hover}");
    assert!(hover.contains("lab.infra:"), "{hover}");
    client.shutdown();
}

#[test]
fn hover_on_a_rule_repeated_many_times_names_five_covering_rules() {
    // The eighth copy is covered by `allow lan -> wan` and the seven copies before it.
    let (mut client, lab, text) =
        orion_with_rules("repeated", &"  deny  lan   -> wan tcp/25\n".repeat(8), "");
    let hover = hover_text(&mut client, &lab, find(&text, "deny  lan   -> wan", 7, 2));
    assert!(hover.contains("**shadowed**"), "{hover}");
    assert_eq!(hover.matches("lab.infra:").count(), 5, "{hover}");
    assert!(hover.contains(", and 3 more)"), "{hover}");
    client.shutdown();
}

#[test]
fn completion_offers_names_by_kind_units_and_stdlib_entries() {
    let lab = lab_folder("completion");
    let mut client = Client::start();
    client.open(&lab, LAB);
    client.next_publication(&lab);
    // Later requests read the text as typed now; the names come from the last check.
    let typing = format!(
        "{LAB}\nvm cache 102 on p {{\n  disk = 8GiB on l\n  nic l\n  memory = 512M\n  os = os.deb\n}}\n"
    );
    client.change(
        &lab,
        2,
        vec![lsp_types::TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: typing.clone(),
        }],
    );
    let complete = |client: &mut Client, position: Position| {
        client.ask(Completion::METHOD, at(&lab, position))
    };
    let end_of = |needle: &str| find(&typing, needle, 0, needle.len() as u32);
    let hosts = labels(&complete(&mut client, end_of("vm cache 102 on p")));
    assert_eq!(hosts, ["pve"]);
    let pools = labels(&complete(&mut client, end_of("disk = 8GiB on l")));
    assert_eq!(pools, ["local-lvm"]);
    let networks = labels(&complete(&mut client, end_of("  nic l")));
    assert_eq!(networks, ["lan"]);
    let units = complete(&mut client, end_of("memory = 512M"));
    let unit_labels = labels(&units);
    assert!(
        unit_labels.contains(&"512MiB".to_string()),
        "{unit_labels:?}"
    );
    assert!(
        unit_labels.contains(&"512GiB".to_string()),
        "{unit_labels:?}"
    );
    let images = labels(&complete(&mut client, end_of("os = os.deb")));
    assert!(images.contains(&"debian-12-vm".to_string()), "{images:?}");
    client.shutdown();
}

/// The semantic tokens as `(line, column, length, type)`, decoded with the legend.
fn decoded(legend: &Value, data: &Value) -> Vec<(u32, u32, u32, String)> {
    let types: Vec<String> = legend["tokenTypes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let numbers: Vec<u32> = data
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_u64().map(|n| n as u32))
                .collect()
        })
        .unwrap_or_default();
    let (mut line, mut column) = (0, 0);
    numbers
        .chunks(5)
        .map(|c| {
            if c[0] > 0 {
                column = 0;
            }
            line += c[0];
            column += c[1];
            (line, column, c[2], types[c[3] as usize].clone())
        })
        .collect()
}

#[test]
fn semantic_tokens_and_inlay_hints() {
    let lab = lab_folder("tokens");
    let mut client = Client::start();
    client.open(&lab, LAB);
    client.next_publication(&lab);
    let tokens = client.ask(
        SemanticTokensFullRequest::METHOD,
        json!({"textDocument": {"uri": common::uri(&lab)}}),
    );
    let legend = client.capabilities["semanticTokensProvider"]["legend"].clone();
    let tokens = decoded(&legend, &tokens["data"]);
    let token_at = |needle: &str, nth: usize| {
        let p = find(LAB, needle, nth, 0);
        tokens
            .iter()
            .find(|t| t.0 == p.line && t.1 == p.character)
            .map(|t| t.3.clone())
            .unwrap_or_else(|| panic!("no token at {needle}: {tokens:?}"))
    };
    assert_eq!(token_at("import", 0), "keyword");
    assert_eq!(token_at("\"./nets.infra\"", 0), "string");
    assert_eq!(token_at("## The only", 0), "comment");
    assert_eq!(token_at("host pve", 0), "keyword");
    assert_eq!(token_at("pve {", 0), "class");
    assert_eq!(token_at("dell.r730", 0), "namespace");
    assert_eq!(token_at("platform", 0), "property");
    assert_eq!(token_at("10G", 0), "number");
    assert_eq!(token_at("host(", 0), "function");
    assert_eq!(token_at("lan {", 0), "enum");

    let labels = inlay_hints(&mut client, &lab, 0, 99);
    let line = |needle: &str| u64::from(find(LAB, needle, 0, 0).line);
    let computed = line("host(lan.ipv4, 61)");
    assert!(
        labels.contains(&(computed, "= 192.168.10.61".into())),
        "{labels:?}"
    );
    // Literals get no hint.
    assert!(
        !labels.iter().any(|(l, _)| *l == line("192.168.10.62")),
        "{labels:?}"
    );
    // A range gets the hints that end inside it and no others: an editor asks for the
    // lines it shows.
    let on_its_line = inlay_hints(&mut client, &lab, computed as u32, computed as u32 + 1);
    assert_eq!(on_its_line, [(computed, "= 192.168.10.61".into())]);
    let before = inlay_hints(&mut client, &lab, 0, computed as u32);
    assert!(
        before.iter().all(|(l, _)| *l < computed) && before.len() < labels.len(),
        "{before:?}"
    );
    client.shutdown();
}

/// The integers of a `data` array.
fn integers(data: &Value) -> Vec<u64> {
    data.as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

#[test]
fn semantic_tokens_after_an_edit_come_as_the_edit_to_the_last_ones() {
    let lab = lab_folder("token-deltas");
    let mut client = Client::start();
    assert_eq!(
        client.capabilities["semanticTokensProvider"]["full"]["delta"],
        true
    );
    client.open(&lab, LAB);
    client.next_publication(&lab);
    let document = json!({"textDocument": {"uri": common::uri(&lab)}});
    let first = client.ask(SemanticTokensFullRequest::METHOD, document.clone());
    let first_id = first["resultId"].as_str().unwrap_or_default().to_string();
    assert!(!first_id.is_empty(), "{first}");

    // A guest typed in the middle of the lab.
    let at = find(LAB, "vm ", 0, 0);
    let typed = "vm extra 150 on pve {\n  cores = 1\n}\n\n";
    client.change(
        &lab,
        2,
        vec![lsp_types::TextDocumentContentChangeEvent {
            range: Some(lsp_types::Range::new(at, at)),
            range_length: None,
            text: typed.into(),
        }],
    );
    client.next_publication(&lab);
    let mut params = document.clone();
    params["previousResultId"] = json!(first_id);
    let delta = client.ask(SemanticTokensFullDeltaRequest::METHOD, params);
    let edits = delta["edits"]
        .as_array()
        .unwrap_or_else(|| panic!("not a delta: {delta}"));
    assert_eq!(edits.len(), 1, "{delta}");
    let (start, deleted) = (
        edits[0]["start"].as_u64().unwrap_or(0) as usize,
        edits[0]["deleteCount"].as_u64().unwrap_or(0) as usize,
    );
    let inserted = integers(&edits[0]["data"]);
    let mut applied = integers(&first["data"]);
    assert!(
        inserted.len() < applied.len() / 2,
        "the edit is small: {delta}"
    );
    applied.splice(start..start + deleted, inserted);

    // What the edit makes of the first answer is what a full request gives now.
    let now = client.ask(SemanticTokensFullRequest::METHOD, document.clone());
    assert_eq!(applied, integers(&now["data"]));

    // Asked with an answer that is not the last one, the server sends all the tokens.
    let mut stale = document.clone();
    stale["previousResultId"] = json!(first_id);
    let again = client.ask(SemanticTokensFullDeltaRequest::METHOD, stale);
    assert!(again.get("edits").is_none(), "{again}");
    assert_eq!(integers(&again["data"]), integers(&now["data"]));
    assert_ne!(again["resultId"], now["resultId"]);
    client.shutdown();
}

/// The inlay hints from the start of line `first` to the start of line `end`, as (line,
/// label).
fn inlay_hints(client: &mut Client, lab: &Path, first: u32, end: u32) -> Vec<(u64, String)> {
    let hints = client.ask(
        InlayHintRequest::METHOD,
        json!({"textDocument": {"uri": common::uri(lab)},
               "range": {"start": {"line": first, "character": 0}, "end": {"line": end, "character": 0}}}),
    );
    hints
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| {
                    (
                        h["position"]["line"].as_u64().unwrap_or(0),
                        h["label"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
