//! Benchmarks of each pipeline stage, and of the whole check and build, on synthetic labs
//! of growing size (`LabSize::standard`: one host per 50 guests, one network per four
//! hosts), plus ORION.
//!
//! Run with `cargo bench -p infrac-bench --bench pipeline`; `scripts/bench-table.sh`
//! prints the figures that docs/performance.md records. Sizes are total guests.

use infrac_bench::{generate, LabSize};
use std::path::Path;

// The allocator the CLI uses, so the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: infrac_alloc::Mimalloc = infrac_alloc::Mimalloc;

fn main() {
    divan::main();
}

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn lab(guests: usize) -> String {
    generate(LabSize::standard(guests))
}

fn file() -> infrac_diagnostics::FileId {
    infrac_diagnostics::FileId(0)
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn lex(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| infrac_syntax::lexer::lexemes(divan::black_box(&text), file()));
}

#[divan::bench(args = SIZES, sample_count = 5)]
fn parse(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| infrac_syntax::parse(divan::black_box(&text), file()));
}

/// Loading, collecting, checking fields and building the model (parsing included).
#[divan::bench(args = SIZES, sample_count = 5)]
fn analyze(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    let loader = infrac_driver::FsLoader::new(".");
    bencher.bench(|| infrac_sema::analyze("synth.infra", divan::black_box(&text), &loader));
}

/// The check families alone, on a built model.
#[divan::bench(args = SIZES, sample_count = 5)]
fn check_families(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    let analysis = infrac_driver::check_source("synth.infra", &text);
    bencher.bench(|| infrac_checks::check(divan::black_box(&analysis.model)));
}

/// What `infrac check` does, short of reading the file and printing.
#[divan::bench(args = SIZES, sample_count = 5)]
fn check(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

/// The check of a lab with two misspelt attributes in every guest: its cost per
/// diagnostic, which must stay flat as they grow in number.
#[divan::bench(args = [1_000, 10_000], sample_count = 5)]
fn check_misspelt(bencher: divan::Bencher, guests: usize) {
    let text = infrac_bench::misspelt(&lab(guests));
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

/// The check of a lab whose hosts were all renamed: one unresolved host per guest, each
/// with a suggestion among every machine. Its cost per diagnostic must stay flat too.
#[divan::bench(args = [1_000, 10_000], sample_count = 5)]
fn check_renamed_hosts(bencher: divan::Bencher, guests: usize) {
    let text = infrac_bench::renamed_hosts(&lab(guests));
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

/// The check of a lab whose `expect` lines name a guest with a typo, one line for every
/// fourth guest: each suggestion is looked for among every machine.
#[divan::bench(args = [1_000, 10_000], sample_count = 5)]
fn check_misnamed_endpoints(bencher: divan::Bencher, guests: usize) {
    let text = infrac_bench::misnamed_endpoints(&lab(guests), guests);
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

/// The check of the 1,000-guest lab with more firewall rules, then more port forwards:
/// the cost per rule, which must stay flat as they grow in number.
#[divan::bench(args = [1_000, 4_000], sample_count = 5)]
fn check_rules(bencher: divan::Bencher, rules: usize) {
    let text = infrac_bench::with_rules(&lab(1_000), rules);
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

#[divan::bench(args = [1_000, 4_000], sample_count = 5)]
fn check_forwards(bencher: divan::Bencher, forwards: usize) {
    let text = infrac_bench::with_forwards(&lab(1_000), forwards);
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

/// Every target, in memory, from a fresh analysis each time: the model keeps what the
/// targets derive from it on first use (the diagrams, the zones' access), which a build
/// from the command line always pays for.
#[divan::bench(args = SIZES, sample_count = 5)]
fn build(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher
        .with_inputs(|| infrac_driver::check_source("synth.infra", &text))
        .bench_refs(|analysis| infrac_driver::build_artifacts(divan::black_box(analysis), &[]));
}

/// Every target of a lab of many networks behind one router that serves them all: the
/// cost per network, which must stay flat as they grow in number.
#[divan::bench(args = [1_000, 4_000], sample_count = 5)]
fn build_routed(bencher: divan::Bencher, networks: usize) {
    let text = infrac_bench::routed(networks);
    bencher
        .with_inputs(|| infrac_driver::check_source("routed.infra", &text))
        .bench_refs(|analysis| infrac_driver::build_artifacts(divan::black_box(analysis), &[]));
}

/// Every target of the 1,000-guest lab with many more BGP peers: the cost per session,
/// which must stay flat as they grow in number.
#[divan::bench(args = [1_000, 4_000], sample_count = 5)]
fn build_peers(bencher: divan::Bencher, peers: usize) {
    let text = infrac_bench::with_peers(&lab(1_000), peers);
    bencher
        .with_inputs(|| infrac_driver::check_source("synth.infra", &text))
        .bench_refs(|analysis| infrac_driver::build_artifacts(divan::black_box(analysis), &[]));
}

/// Every target of a lab of many small sites, each with its own domain, network and
/// router: the cost per site, which must stay flat as they grow in number.
#[divan::bench(args = [1_000, 4_000], sample_count = 5)]
fn build_sites(bencher: divan::Bencher, sites: usize) {
    let text = infrac_bench::sites(sites);
    bencher
        .with_inputs(|| infrac_driver::check_source("sites.infra", &text))
        .bench_refs(|analysis| infrac_driver::build_artifacts(divan::black_box(analysis), &[]));
}

fn orion() -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/orion.infra");
    let text = std::fs::read_to_string(&path).expect("examples/orion.infra");
    (path.display().to_string(), text)
}

/// ORION, checked.
#[divan::bench(sample_count = 50)]
fn orion_check(bencher: divan::Bencher) {
    let (path, text) = orion();
    let loader = infrac_driver::FsLoader::new(".");
    bencher.bench(|| infrac_driver::check_with(&path, divan::black_box(&text), &loader));
}

/// ORION, checked, every target built and the output folder written, as `infrac build`.
#[divan::bench(sample_count = 20)]
fn orion_build_written(bencher: divan::Bencher) {
    let (path, text) = orion();
    let loader = infrac_driver::FsLoader::new(".");
    let out = tempfile::tempdir().expect("a temporary folder");
    bencher.bench(|| {
        let analysis = infrac_driver::check_with(&path, &text, &loader);
        let artifacts = infrac_driver::build_artifacts(&analysis, &[]).expect("ORION builds");
        infrac_driver::write_output(&out.path().join("out"), &artifacts).expect("written")
    });
}
