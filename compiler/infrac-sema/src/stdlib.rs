//! The standard library, embedded at build time so the binary needs no install tree.

/// `(import path, file under stdlib/, text)` for every stdlib module.
pub static MODULES: &[(&str, &str, &str)] = &[
    (
        "std/hardware/dell",
        "hardware/dell.infra",
        include_str!("../../../stdlib/hardware/dell.infra"),
    ),
    (
        "std/hardware/intel",
        "hardware/intel.infra",
        include_str!("../../../stdlib/hardware/intel.infra"),
    ),
    (
        "std/hardware/memory",
        "hardware/memory.infra",
        include_str!("../../../stdlib/hardware/memory.infra"),
    ),
    (
        "std/os",
        "os.infra",
        include_str!("../../../stdlib/os.infra"),
    ),
    (
        "std/services",
        "services.infra",
        include_str!("../../../stdlib/services.infra"),
    ),
];

/// Modules every file can use without importing them, with their namespace.
pub static PRELUDE: &[(&str, &str)] = &[("std/os", "os"), ("std/services", "services")];

/// The text and display name of a stdlib module.
pub fn module(path: &str) -> Option<(String, &'static str)> {
    MODULES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, file, text)| (format!("<stdlib/{file}>"), *text))
}
