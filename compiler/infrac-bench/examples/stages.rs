//! Times each stage of `infrac check` on one lab file: `cargo run --release -p infrac-bench
//! --example stages -- FILE [RUNS]`. Prints the median of RUNS runs per stage.
//!
//! `stages FILE peak STAGE` runs one stage once and prints the most memory it had in use
//! at once: live bytes asked of the allocator, which the resident size of the process
//! exceeds by the allocator's own keeping, the program and its threads.

// The allocator the CLI uses, so the figures are the CLI's, counting what is in use.
#[global_allocator]
static ALLOCATOR: cap::Cap<infrac_alloc::Mimalloc> =
    cap::Cap::new(infrac_alloc::Mimalloc, usize::MAX);

use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a lab file");
    let runs = args.next();
    let text = std::fs::read_to_string(&path).expect("readable");
    if runs.as_deref() == Some("peak") {
        let stage = args.next().expect("a stage: lex, parse, analyze or check");
        peak(&path, &text, &stage);
        return;
    }
    let runs: usize = runs.and_then(|r| r.parse().ok()).unwrap_or(5);
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
    let lex = time(&mut || drop(infrac_syntax::lexer::lexemes(&text, file)));
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

/// Prints the most bytes in use at once while `stage` ran, above what was in use before.
fn peak(path: &str, text: &str, stage: &str) {
    let before = ALLOCATOR.allocated();
    let file = infrac_diagnostics::FileId(0);
    let loader = infrac_driver::FsLoader::new(".");
    // Kept until the figure is read, as the CLI keeps them until it exits.
    let kept: Box<dyn std::any::Any> = match stage {
        "lex" => Box::new(infrac_syntax::lexer::lexemes(text, file)),
        "parse" => Box::new(infrac_syntax::parse(text, file)),
        "analyze" => Box::new(infrac_sema::analyze(path, text, &loader)),
        "check" => Box::new(infrac_driver::check_source(path, text)),
        _ => panic!("no stage `{stage}`: lex, parse, analyze or check"),
    };
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{stage}: at most {:.1} MiB in use, {:.1} MiB kept",
        mib(ALLOCATOR.max_allocated() - before),
        mib(ALLOCATOR.allocated() - before)
    );
    drop(kept);
}
