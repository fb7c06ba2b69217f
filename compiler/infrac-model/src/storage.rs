//! What Proxmox VE's storage plugins accept, as the checks and the Proxmox target's
//! `storage.cfg` both need it: the `storage.cfg` type of each pool kind, the content
//! types it can hold and holds by default, and the storage ID format.
//!
//! Source: proxmox/pve-storage at commit 0c56bad8 (2026-07-24), `src/PVE/Storage/*Plugin.pm`:
//! each plugin's `type`, and `plugindata.content`, whose first element is the set of
//! content types the plugin supports and whose second the default set:
//!
//! | kind | type | supported | default |
//! | --- | --- | --- | --- |
//! | dir | `dir` | images rootdir vztmpl iso backup snippets import (and `none`) | images rootdir |
//! | lvm | `lvm` | images rootdir | images |
//! | lvmthin | `lvmthin` | images rootdir | images rootdir |
//! | zfs | `zfspool` | images rootdir | images rootdir |
//! | nfs | `nfs` | images rootdir vztmpl iso backup snippets import | images |
//! | cifs | `cifs` | images rootdir vztmpl iso backup snippets import | images |
//! | rbd | `rbd` | images rootdir | images |
//! | cephfs | `cephfs` | vztmpl iso backup snippets import | backup |
//!
//! The storage ID format is pve-common's `parse_storage_id`:
//! `^[a-z][a-z0-9\-\_\.]*[a-z0-9]$`, case-insensitive.

use crate::StorageKind;
use serde::Serialize;

/// A content type of a Proxmox storage (`content` in `storage.cfg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Content {
    /// VM disk images.
    Images,
    /// Container root and mount-point volumes.
    Rootdir,
    /// Container templates.
    Vztmpl,
    /// ISO images.
    Iso,
    /// vzdump backups.
    Backup,
    /// Snippets (cloud-init user data, hook scripts).
    Snippets,
    /// Disk images waiting to be imported (`import-from`).
    Import,
}

impl Content {
    /// Every content type with its `storage.cfg` word.
    pub const ALL: [(&'static str, Content); 7] = [
        ("images", Content::Images),
        ("rootdir", Content::Rootdir),
        ("vztmpl", Content::Vztmpl),
        ("iso", Content::Iso),
        ("backup", Content::Backup),
        ("snippets", Content::Snippets),
        ("import", Content::Import),
    ];
    /// The `storage.cfg` word.
    pub fn as_str(self) -> &'static str {
        Content::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("", |(w, _)| w)
    }
}

/// What the `local` storage holds unless declared otherwise: everything a `dir` storage
/// can, since labs put guest disks there as well as the templates, ISO images, snippets
/// and images to import the Proxmox target keeps there.
pub const LOCAL_CONTENT: &[Content] = FILES;

const FILES: &[Content] = &[
    Content::Images,
    Content::Rootdir,
    Content::Vztmpl,
    Content::Iso,
    Content::Backup,
    Content::Snippets,
    Content::Import,
];

impl StorageKind {
    /// The plugin type in `storage.cfg`.
    pub fn storage_type(self) -> &'static str {
        match self {
            StorageKind::Lvmthin => "lvmthin",
            StorageKind::Lvm => "lvm",
            StorageKind::Zfs => "zfspool",
            StorageKind::Dir => "dir",
            StorageKind::Nfs => "nfs",
            StorageKind::Cifs => "cifs",
            StorageKind::Rbd => "rbd",
            StorageKind::Cephfs => "cephfs",
        }
    }
    /// The content types the plugin supports.
    pub fn supported_content(self) -> &'static [Content] {
        match self {
            StorageKind::Dir | StorageKind::Nfs | StorageKind::Cifs => FILES,
            StorageKind::Lvm | StorageKind::Lvmthin | StorageKind::Zfs | StorageKind::Rbd => {
                &[Content::Images, Content::Rootdir]
            }
            StorageKind::Cephfs => &[
                Content::Vztmpl,
                Content::Iso,
                Content::Backup,
                Content::Snippets,
                Content::Import,
            ],
        }
    }
    /// The content types a pool holds when its declaration names none: the plugin's
    /// default, except that disk pools hold container volumes too (a guest of either kind
    /// may use the pool the lab gives it).
    pub fn default_content(self) -> &'static [Content] {
        match self {
            StorageKind::Cephfs => &[Content::Backup],
            StorageKind::Nfs | StorageKind::Cifs => &[Content::Images, Content::Rootdir],
            _ => &[Content::Images, Content::Rootdir],
        }
    }
}

/// The `storage.cfg` settings of a pool beyond its kind, sharing and server; `None` and
/// empty mean the default of its kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PoolSettings {
    /// Content types (`content = [images, iso]`); empty: the kind's default.
    pub content: Vec<Content>,
    /// Directory (`dir`), export path on the server (`nfs`, when no export is named) or
    /// CephFS subdirectory (`cephfs`).
    pub path: Option<String>,
    /// LVM volume group (`lvm`, `lvmthin`).
    pub vg: Option<String>,
    /// LVM thin pool (`lvmthin`).
    pub thinpool: Option<String>,
    /// ZFS dataset (`zfs`) or Ceph pool (`rbd`).
    pub pool: Option<String>,
    /// SMB share (`cifs`).
    pub share: Option<String>,
    /// Whether RBD images are mapped by the kernel driver (`rbd`: `krbd`).
    pub krbd: Option<bool>,
    /// The CephFS file system (`cephfs`: `fs-name`).
    pub fs_name: Option<String>,
}

impl crate::StoragePool {
    /// The content types the pool holds: declared, else its kind's default.
    pub fn content(&self) -> Vec<Content> {
        if self.proxmox.content.is_empty() {
            if self.name == "local" && self.kind == StorageKind::Dir {
                return LOCAL_CONTENT.to_vec();
            }
            self.kind.default_content().to_vec()
        } else {
            self.proxmox.content.clone()
        }
    }
}

/// Whether Proxmox accepts `id` as a storage ID (pve-common `parse_storage_id`).
pub fn valid_storage_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    bytes.len() >= 2
        && first.is_ascii_alphabetic()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_ids_follow_pve_common() {
        for id in ["local-lvm", "ceph", "nas.media", "a1", "tank_vm"] {
            assert!(valid_storage_id(id), "{id}");
        }
        for id in ["", "a", "1pool", "pool-", "po ol", "pööl", "-x"] {
            assert!(!valid_storage_id(id), "{id}");
        }
    }

    #[test]
    fn defaults_are_supported() {
        for (_, kind) in StorageKind::ALL {
            for content in kind.default_content() {
                assert!(kind.supported_content().contains(content), "{kind:?}");
            }
        }
    }
}
