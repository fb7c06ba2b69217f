//! The checked model of a homelab: machines, networks, routing, firewall, clusters.
//!
//! Everything here is resolved and typed: addresses are `IpAddr`, prefixes `IpNet`,
//! sizes `Bytes`, references are index handles. Each entity keeps the span it came from
//! so checks can point at it; targets never need spans.

pub mod budget;
pub mod dns;
mod entities;
mod free_text;
pub mod graph;
pub mod interfaces;
pub mod kube;
pub mod layout;
pub mod policy;
pub mod roles;
mod target;
mod units;

pub use entities::*;
pub use free_text::FreeText;
pub use target::{Artifact, Target};
pub use units::*;
