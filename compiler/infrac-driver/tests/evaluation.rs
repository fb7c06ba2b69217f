//! An attribute's value is the same however often it is evaluated. A command-line
//! analysis keeps no records, so a declaration's own check does not memoise its values;
//! a declaration that reads one later evaluates it again. These labs tell the two
//! apart where the memo used to decide: the first of two attributes of one name failing,
//! and an error in a value another declaration reads. `tests/reuse.rs` compares the
//! analysis that keeps records (and memoises) with this one on every example and fixture.

use infrac_diagnostics::Code;
use infrac_driver::{check_source, Analysis};

fn analysis(text: &str) -> Analysis {
    check_source("lab.infra", text)
}

fn network<'a>(analysis: &'a Analysis, name: &str) -> &'a infrac_model::Network {
    analysis
        .model
        .networks
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("network {name} in the model"))
}

/// The first `ipv6` fails, so the network has none: the second is not taken in its
/// place, as it was not when the memo held the first one's failure, and it is reported
/// as set twice, as it would be after a first that held.
#[test]
fn a_failed_attribute_is_not_replaced_by_a_second_of_its_name() {
    let lab = analysis(
        "network lan {\n  bridge = vmbr0\n  ipv6   = 10.0.1.0/24\n  ipv6   = 2001:db8:1::/64\n}\n",
    );
    let errors: Vec<_> = lab.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[1].code, Code::DUPLICATE_ATTRIBUTE, "{errors:#?}");
    assert!(network(&lab, "lan").ipv6.is_none());
}

/// A network's gateway is written with a prefix length, which is reported where the
/// value is checked (and the value is kept). Two other networks read it after the
/// network's own check, evaluating it again: the error is reported once.
#[test]
fn an_error_in_a_value_read_again_is_reported_once() {
    let lab = analysis(
        "network lan {\n  bridge  = vmbr0\n  ipv4    = 10.0.0.0/24\n  gateway = 10.0.0.1/24\n}\n\
         network dmz {\n  bridge  = vmbr0\n  vlan    = 2\n  ipv4    = 10.0.1.0/24\n  dns     = [lan.gateway]\n}\n\
         network lab {\n  bridge  = vmbr0\n  vlan    = 3\n  ipv4    = 10.0.2.0/24\n  dns     = [lan.gateway]\n}\n",
    );
    let errors: Vec<_> = lab.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("prefix length"), "{errors:#?}");
    assert_eq!(network(&lab, "dmz").dns, network(&lab, "lab").dns);
}

/// A value read by a later declaration is the one its own check found.
#[test]
fn a_value_read_after_its_own_check_is_the_same() {
    let lab = analysis(
        "network lan {\n  bridge  = vmbr0\n  ipv4    = 10.0.0.0/24\n  gateway = host(lan.ipv4, 1)\n}\n\
         network dmz {\n  bridge  = vmbr0\n  vlan    = 2\n  ipv4    = 10.0.1.0/24\n  gateway = host(dmz.ipv4, 1)\n  dns     = [lan.gateway]\n}\n",
    );
    assert!(
        lab.diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        lab.diagnostics
    );
    let gateway = network(&lab, "lan").gateway.as_ref().map(|g| g.value);
    assert_eq!(gateway, Some("10.0.0.1".parse().expect("an address")));
    assert_eq!(
        network(&lab, "dmz").dns.first().copied(),
        gateway.map(Into::into)
    );
}
