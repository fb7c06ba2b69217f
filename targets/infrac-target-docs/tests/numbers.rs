//! Numbers in the docs: sizes rounded to one decimal, and a cluster reserve of a fraction
//! of a core kept in millicores in the capacity budget.

use infrac_model::{MilliCpu, Target};
use infrac_target_docs::DocsTarget;

/// ORION's source with its cluster reserving half a core per node instead of one core.
fn orion_with_half_core_reserve() -> String {
    let root = infrac_testkit::root();
    let text = std::fs::read_to_string(root.join("examples/orion.infra"))
        .unwrap_or_else(|e| panic!("cannot read orion: {e}"));
    let from = "reserve  { cores = 1, memory = 2GiB }";
    assert!(text.contains(from), "orion's cluster reserve moved");
    text.replace(from, "reserve  { cpu = 500m, memory = 2GiB }")
}

#[test]
fn a_half_core_reserve_stays_half_a_core() {
    let analysis =
        infrac_testkit::analyse_source("examples/orion.infra", &orion_with_half_core_reserve());
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let cluster = &analysis.model.clusters[0];
    assert_eq!(cluster.reserve.cpu, MilliCpu(500));
    let docs = DocsTarget
        .emit(&analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let capacity = docs
        .iter()
        .find(|a| a.path.ends_with("capacity.md"))
        .map(|a| a.contents.clone())
        .unwrap_or_default();
    assert!(
        capacity.contains("each minus 500m CPU and 2 GiB reserved"),
        "{capacity}"
    );
    let inventory = docs
        .iter()
        .find(|a| a.path.ends_with("inventory.md"))
        .map(|a| a.contents.clone())
        .unwrap_or_default();
    assert!(inventory.contains("500m CPU, 2 GiB"), "{inventory}");
}
