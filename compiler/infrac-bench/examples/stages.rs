//! Times each stage of `infrac check` on one lab file: `cargo run --release -p infrac-bench
//! --example stages -- FILE [RUNS]`. Prints the median of RUNS runs per stage.

// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a lab file");
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&path).expect("readable");
    let time = |f: &mut dyn FnMut()| {
        median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    let file = infrac_diagnostics::FileId(0);
    let lex = time(&mut || drop(infrac_syntax::lexer::lex(&text, file)));
    let parse = time(&mut || drop(infrac_syntax::parse(&text, file)));
    let loader = infrac_driver::FsLoader::new(".");
    let analyze = time(&mut || drop(infrac_sema::analyze(&path, &text, &loader)));
    let analysis = infrac_sema::analyze(&path, &text, &loader);
    let checks = time(&mut || drop(infrac_checks::check(&analysis.model)));
    let whole = time(&mut || drop(infrac_driver::check_source(&path, &text)));
    println!("lex      {lex:>10.2?}");
    println!("parse    {parse:>10.2?} (lex included)");
    println!("analyze  {analyze:>10.2?} (parse included)");
    println!("checks   {checks:>10.2?}");
    println!("check    {whole:>10.2?} (everything)");
}
