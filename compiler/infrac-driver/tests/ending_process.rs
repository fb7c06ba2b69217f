//! A command-line run leaves the analysis's working tables to the end of the process
//! (`FsLoader::ending_process`) instead of freeing them. What the analysis reports must
//! be the same either way, and the tables must really be left: this file is a test binary
//! of its own, with one test, so the allocator's count is this test's alone.

use infrac_diagnostics::{render_human, RenderOptions};
use infrac_driver::{check_with, FsLoader};
use infrac_testkit::{examples, infra_files, root};

#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// The diagnostics and the model of `relative`, analysed through `loader`, as text; the
/// analysis itself is dropped.
fn report(relative: &str, loader: &FsLoader) -> String {
    let source = std::fs::read_to_string(root().join(relative)).expect("lab source");
    let analysis = check_with(relative, &source, loader);
    let diagnostics = render_human(
        &analysis.sources,
        &analysis.diagnostics,
        RenderOptions { color: false },
    );
    format!("{diagnostics}\n{:?}", analysis.model)
}

/// Bytes still allocated after `f` ran and dropped what it made.
fn left_by(f: impl FnOnce()) -> usize {
    let before = ALLOCATOR.allocated();
    f();
    ALLOCATOR.allocated().saturating_sub(before)
}

#[test]
fn an_analysis_ending_the_process_reports_the_same_and_leaves_its_tables() {
    let mut labs = examples();
    labs.extend(infra_files("tests/fixtures/sema"));
    labs.extend(infra_files("tests/fixtures/check"));
    let mut with_errors = 0;
    for lab in &labs {
        let freeing = report(lab, &FsLoader::new(root()));
        let ending = report(lab, &FsLoader::new(root()).ending_process());
        assert_eq!(freeing, ending, "{lab}: the reports differ");
        with_errors += usize::from(freeing.contains("] Error: "));
    }
    assert!(
        with_errors > 50,
        "the fixtures report errors: {with_errors}"
    );

    // Caches filled once per process (compiled patterns, schemas) are filled first.
    let orion = "examples/orion.infra";
    report(orion, &FsLoader::new(root()));
    let freed = left_by(|| drop(report(orion, &FsLoader::new(root()))));
    let left = left_by(|| drop(report(orion, &FsLoader::new(root()).ending_process())));
    assert!(
        freed < 1024 && left > 64 * 1024,
        "an analysis that frees leaves {freed} bytes, one that ends the process {left}"
    );
}
