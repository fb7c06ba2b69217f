//! What the language server's checker does on a keystroke, without the protocol: the
//! check of a synthetic lab after one character typed at its end (or, with `middle`, in
//! a guest's value in the middle), with the file reparsed from the previous analysis's
//! tree and its declaration checks reused as `Loader::parse` and `Loader::reuse` let the
//! checker do.
//!
//! `cargo run --release -p infrac-bench --example keystroke -- [GUESTS] [KEYS] [middle|new] [pause=MS]`
//! (`new`: a new guest typed at the end, most keystrokes leaving a syntax error;
//! `pause=MS`: that long between keystrokes, as someone typing leaves, for the allocator
//! to return what the last analysis freed) prints each keystroke's check time. Under `valgrind --tool=callgrind`, the difference between KEYS
//! of 0 and of 5, divided by 5, is the instructions of one keystroke (the first check and
//! the generation of the lab cancel out; dropping the previous analysis is counted, which
//! the language server does on another thread).

// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: infrac_alloc::Mimalloc = infrac_alloc::Mimalloc;

use infrac_sema::{Beside, LoadError, Loader};
use std::path::{Path, PathBuf};

const NAME: &str = "big.infra";

/// The lab's one file, from memory.
struct Memory<'a> {
    text: &'a str,
}

impl Loader for Memory<'_> {
    fn read(&self, _path: &Path) -> Result<String, LoadError> {
        Ok(self.text.to_string())
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        Some(path.to_path_buf())
    }
}

fn main() {
    // As `infrac lsp` keeps it.
    infrac_alloc::keep_freed_memory_between_keystrokes();
    let mut args = std::env::args().skip(1);
    let guests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let keys: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut text = infrac_bench::generate(infrac_bench::LabSize::standard(guests));
    let editor = Beside {
        files: Memory { text: &text },
        previous: None,
    };
    let mut previous = infrac_driver::check_with(NAME, &text, &editor);
    // `middle`: a digit typed after the core count of the guest in the middle of the lab
    // and deleted again, so every declaration after it moves; else a comment typed at
    // the end.
    let rest: Vec<String> = args.collect();
    let mode = rest
        .iter()
        .find(|a| !a.starts_with("pause="))
        .cloned()
        .unwrap_or_default();
    let pause = rest
        .iter()
        .find_map(|a| a.strip_prefix("pause="))
        .and_then(|ms| ms.parse().ok())
        .map(std::time::Duration::from_millis);
    let middle = mode == "middle";
    // `new`: a new guest typed at the end, one character at a time; most keystrokes
    // leave a syntax error until its block is closed.
    const NEW_GUEST: &str = "\nvm typed 99999 on pve0 {\n  cores = 2\n}\n";
    let new = mode == "new";
    let cores = text[text.len() / 2..]
        .find("cores")
        .and_then(|at| {
            let at = text.len() / 2 + at;
            text[at..].find('\n').map(|end| at + end)
        })
        .unwrap_or(text.len());
    if !middle && !new {
        text.push('#');
    }
    for key in 0..keys {
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
        if new {
            text.push_str(&NEW_GUEST[key % NEW_GUEST.len()..][..1]);
        } else if !middle {
            text.push('x');
        } else if key % 2 == 0 {
            text.insert(cores, '1');
        } else {
            text.remove(cores);
        }
        let started = std::time::Instant::now();
        let editor = Beside {
            files: Memory { text: &text },
            previous: Some(&previous),
        };
        let analysis = infrac_driver::check_with(NAME, &text, &editor);
        println!("{:?}", started.elapsed());
        previous = analysis;
    }
}
