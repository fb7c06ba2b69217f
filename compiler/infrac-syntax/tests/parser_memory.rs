//! Parsing a broken file keeps no memory once its result is dropped. The recovering parser
//! is built for every such parse (the language server runs it on each keystroke that
//! leaves the file broken), so anything its construction leaks grows without bound over
//! an editing session.

use infrac_diagnostics::FileId;

/// The system allocator, counting the bytes in use.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Broken in the ways an editor sees while someone types: an unclosed block, a value
/// missing, a string left open, a nested block cut short.
const BROKEN: &str = r#"
network lan {
  ipv4 = 10.0.0.0/24
  gateway =
}

vm web 100 on pve1 {
  cores = 2 +
  disk = 32GiB on local-lvm
  nic lan { ip = host(lan.ipv4, 10) }
  description = "unfinished {1 +
"#;

// Run without the test harness (`harness = false` in Cargo.toml): the count is
// process-wide, and the harness's own thread allocates while a test runs.
fn main() {
    let parse = || {
        let parsed = infrac_syntax::parse(BROKEN, FileId(0));
        assert!(
            !parsed.diagnostics.is_empty(),
            "the text must be broken, so the recovering parser runs"
        );
    };
    // The first parse may set up what lasts (the lexer's tables, thread-locals).
    parse();
    let before = ALLOCATOR.allocated();
    for _ in 0..50 {
        parse();
    }
    let after = ALLOCATOR.allocated();
    assert_eq!(
        after, before,
        "50 parses of a broken file changed the bytes in use from {before} to {after}"
    );
    println!("parser_memory: 50 broken parses kept no memory");
}
