//! The shared test helpers (`infrac-testkit`), the strict UCI reader, fw4's semantics
//! read from the UCI text, and dnsmasq's view of the dhcp file.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

pub mod dnsmasq;
pub mod fw4;
pub mod uci;

pub use infrac_testkit::{load, model_of, root};

/// The ORION example and every `tests/fixtures/build/openwrt-*.infra`, by short name.
pub fn labs() -> Vec<(String, String)> {
    infrac_testkit::labs(&["openwrt-"])
}

/// A lab's OpenWrt files as `(path, contents)`, or its rendered diagnostics.
pub fn files(relative: &str) -> Result<Vec<(String, String)>, String> {
    infrac_testkit::lab_files(&infrac_target_openwrt::OpenwrtTarget, relative)
}

/// The contents of `openwrt/<machine>/etc/config/<name>` among `files`.
pub fn config<'a>(files: &'a [(String, String)], machine: &str, name: &str) -> Option<&'a str> {
    let path = format!("openwrt/{machine}/etc/config/{name}");
    files
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, c)| c.as_str())
}
