//! Which expectations a firewall rule decides (`expectations_decided_by`, what the
//! language server shows on a rule), on the fixture whose expectations all hold.

use infrac_model::expect::{expectations_decided_by, Intent};
use infrac_model::Model;

fn lab() -> Model {
    infrac_testkit::load("tests/fixtures/check/expect-holds.infra")
}

/// The expectations' source lines, for readable assertions.
fn texts(model: &Model, indices: &[usize]) -> Vec<String> {
    indices
        .iter()
        .map(|&i| {
            let text = model.sources.snippet(model.expectations[i].span);
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn rule_span(model: &Model, text: &str) -> infrac_model::Span {
    let firewall = &model.firewalls[0];
    firewall
        .rules
        .iter()
        .map(|r| r.span)
        .chain(firewall.forwards.iter().map(|f| f.span))
        .find(|span| model.sources.snippet(*span).starts_with(text))
        .unwrap_or_else(|| panic!("no rule `{text}`"))
}

#[test]
fn a_rule_decides_the_expectations_whose_flows_it_matches() {
    let model = lab();
    let span = rule_span(&model, "allow dmz -> lan tcp/8080");
    assert_eq!(
        texts(&model, &expectations_decided_by(&model, span)),
        ["expect proxy -> web app allowed"]
    );
}

#[test]
fn a_port_forward_decides_the_proxy_and_exposure_expectations() {
    let model = lab();
    let span = rule_span(&model, "forward wan tcp/443");
    assert_eq!(
        texts(&model, &expectations_decided_by(&model, span)),
        [
            "expect wan -> proxy tcp/443 allowed",
            "expect wan -> web only through edge"
        ]
    );
}

#[test]
fn overlay_expectations_depend_on_no_rule() {
    let model = lab();
    let overlay: Vec<usize> = (0..model.expectations.len())
        .filter(|&i| matches!(model.expectations[i].intent, Intent::Overlay { .. }))
        .collect();
    assert_eq!(overlay.len(), 3);
    let firewall = &model.firewalls[0];
    assert!(
        !firewall.rules.is_empty(),
        "the lab's firewall has no rules"
    );
    for span in firewall.rules.iter().map(|r| r.span) {
        let decided = expectations_decided_by(&model, span);
        assert!(overlay.iter().all(|i| !decided.contains(i)));
    }
}
