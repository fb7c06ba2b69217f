//! The checked model of a homelab: machines, networks, routing, firewall, clusters.
//!
//! Everything here is resolved and typed: addresses are `IpAddr`, prefixes `IpNet`,
//! sizes `Bytes`, references are index handles. Each entity keeps the span it came from
//! so checks can point at it; targets never need spans.

pub mod address_text;
pub mod bgp;
pub mod budget;
pub mod ceph;
pub mod charts;
mod compose;
pub mod decimal;
mod derived;
pub mod dns;
mod entities;
pub mod expect;
mod free_text;
pub mod graph;
pub mod image_ref;
pub mod interfaces;
pub mod ipv6;
pub mod kube;
pub mod layout;
pub mod listeners;
mod name_index;
pub mod names;
pub mod nfs;
pub mod parallel;
pub mod plan;
pub mod policy;
pub mod prefix_index;
pub mod proxy;
pub mod pve;
pub mod roles;
pub mod storage;
mod target;
mod tunnel;
mod units;
pub mod workloads;

pub use charts::{HelmChart, HelmValue, Monitoring};
pub use compose::*;
pub use entities::*;
pub use free_text::FreeText;
pub use image_ref::ImageRef;
pub use target::{Artifact, Target};
pub use tunnel::*;
pub use units::*;
pub use workloads::AppWorkload;
