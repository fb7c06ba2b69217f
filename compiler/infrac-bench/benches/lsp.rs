//! The language server under an editor's load: a keystroke to its published
//! diagnostics, hover and completion, in ORION and in a 5,000-guest synthetic lab open at
//! the same time (as in an editor with both files open).
//!
//! Run with `cargo bench -p infrac-bench --bench lsp`. Each sample is one round trip over
//! an in-memory connection to `infrac_lsp::run`, the same server `infrac lsp` runs.

// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: infrac_alloc::Mimalloc = infrac_alloc::Mimalloc;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn main() {
    // As `infrac lsp` keeps it.
    infrac_alloc::keep_freed_memory_between_keystrokes();
    divan::main();
}

/// A server with ORION and the 5,000-guest lab open and checked.
struct Session {
    connection: Connection,
    thread: Option<std::thread::JoinHandle<()>>,
    next_id: i32,
    orion: Lab,
    big: Lab,
}

struct Lab {
    path: PathBuf,
    text: String,
    version: i32,
    /// Characters typed so far on the last line.
    typed: u32,
}

fn uri(path: &Path) -> String {
    infrac_lsp::path_to_uri(path)
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

impl Session {
    fn start() -> Session {
        let (server, connection) = Connection::memory();
        let thread = std::thread::spawn(move || {
            let _ = infrac_lsp::run(&server);
        });
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let orion_path = examples.join("orion.infra");
        let orion_text = std::fs::read_to_string(&orion_path).unwrap_or_default();
        let big_path = std::env::temp_dir()
            .join(format!("infrac-bench-lsp-{}", std::process::id()))
            .join("big.infra");
        let big_text = infrac_bench::generate(infrac_bench::LabSize::standard(5_000));
        let mut session = Session {
            connection,
            thread: Some(thread),
            next_id: 1,
            orion: Lab {
                path: orion_path,
                text: orion_text,
                version: 1,
                typed: 0,
            },
            big: Lab {
                path: big_path,
                text: big_text,
                version: 1,
                typed: 0,
            },
        };
        session.ask("initialize", json!({"capabilities": {}}));
        session.notify("initialized", json!({}));
        for lab in [&session.orion, &session.big] {
            session.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri(&lab.path), "languageId": "infra",
                       "version": 1, "text": lab.text}}),
            );
        }
        session.published(&[
            (session.orion.path.clone(), 1),
            (session.big.path.clone(), 1),
        ]);
        // Requests are answered from the index the checker builds after publishing; the
        // first ones wait for it.
        session.hover(true);
        session.hover(false);
        session
    }

    fn notify(&self, method: &str, params: Value) {
        let _ = self
            .connection
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )));
    }

    fn ask(&mut self, method: &str, params: Value) -> Value {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        let _ = self.connection.sender.send(Message::Request(Request::new(
            id.clone(),
            method.into(),
            params,
        )));
        loop {
            match self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(60))
            {
                Ok(Message::Response(r)) if r.id == id => {
                    return r.response_result.unwrap_or_default();
                }
                Ok(_) => {}
                Err(e) => panic!("no answer to {method}: {e}"),
            }
        }
    }

    /// Waits for the publication of each `(path, version)`, in any order.
    fn published(&self, wanted: &[(PathBuf, i32)]) {
        let mut missing: Vec<(String, i32)> = wanted.iter().map(|(p, v)| (uri(p), *v)).collect();
        while !missing.is_empty() {
            match self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(120))
            {
                Ok(Message::Notification(n)) if n.method == "textDocument/publishDiagnostics" => {
                    missing.retain(|(u, v)| {
                        !(n.params["uri"] == u.as_str() && n.params["version"] == *v)
                    });
                }
                Ok(_) => {}
                Err(e) => panic!("no diagnostics for {missing:?}: {e}"),
            }
        }
    }

    /// Types one character at the end of a lab (in a comment, so the lab stays clean)
    /// and waits for its diagnostics.
    fn keystroke(&mut self, orion: bool) {
        let lab = if orion {
            &mut self.orion
        } else {
            &mut self.big
        };
        lab.version += 1;
        let line = lab.text.lines().count();
        let text = if lab.typed == 0 { "#" } else { "x" };
        let params = json!({
            "textDocument": {"uri": uri(&lab.path), "version": lab.version},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": lab.typed},
                          "end": {"line": line, "character": lab.typed}},
                "text": text,
            }],
        });
        lab.typed += 1;
        let (path, version) = (lab.path.clone(), lab.version);
        self.notify("textDocument/didChange", params);
        self.published(&[(path, version)]);
    }

    fn hover(&mut self, orion: bool) -> Value {
        // On the name of a hypervisor: the hover with the most facts (budgets, pools).
        let (lab, needle) = if orion {
            (&self.orion, "on pve {")
        } else {
            (&self.big, "on pve7 {")
        };
        let position = position_of(&lab.text, needle, 3);
        let params = json!({"textDocument": {"uri": uri(&lab.path)}, "position": position});
        self.ask("textDocument/hover", params)
    }

    fn completion(&mut self, orion: bool) -> Value {
        // Inside a guest's block: its attributes by schema.
        let (lab, needle) = if orion {
            (&self.orion, "  cores       = 12")
        } else {
            (&self.big, "  cores  = 2")
        };
        let position = position_of(&lab.text, needle, 2);
        let params = json!({"textDocument": {"uri": uri(&lab.path)}, "position": position});
        self.ask("textDocument/completion", params)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.ask("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn position_of(text: &str, needle: &str, shift: usize) -> Value {
    let offset = text.find(needle).unwrap_or(0) + shift;
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": column})
}

#[divan::bench(sample_count = 50, sample_size = 1)]
fn keystroke_to_diagnostics_orion(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.keystroke(true));
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn keystroke_to_diagnostics_5000_guests(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.keystroke(false));
}

#[divan::bench(sample_count = 50, sample_size = 1)]
fn hover_orion(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.hover(true));
}

#[divan::bench(sample_count = 50, sample_size = 1)]
fn hover_5000_guests(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.hover(false));
}

#[divan::bench(sample_count = 50, sample_size = 1)]
fn completion_orion(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.completion(true));
}

#[divan::bench(sample_count = 50, sample_size = 1)]
fn completion_5000_guests(bencher: divan::Bencher) {
    let mut session = Session::start();
    bencher.bench_local(|| session.completion(false));
}
