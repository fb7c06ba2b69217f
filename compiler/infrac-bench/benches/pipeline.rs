//! Benchmarks of each pipeline stage on synthetic labs of growing size.
//!
//! Run with `cargo bench -p infrac-bench`. Sizes are total guests.

use infrac_bench::{generate, LabSize};

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [100, 1_000, 10_000];

fn lab(guests: usize) -> String {
    let guests_per_host = 250.min(guests);
    generate(LabSize {
        hosts: guests.div_ceil(guests_per_host),
        guests_per_host,
    })
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn parse(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| infrac_syntax::parse(divan::black_box(&text), infrac_diagnostics::FileId(0)));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn check(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    bencher.bench(|| infrac_driver::check_source("synth.infra", divan::black_box(&text)));
}

#[divan::bench(args = SIZES, sample_count = 10)]
fn build(bencher: divan::Bencher, guests: usize) {
    let text = lab(guests);
    let analysis = infrac_driver::check_source("synth.infra", &text);
    bencher.bench(|| infrac_driver::build_artifacts(divan::black_box(&analysis), &[]));
}
