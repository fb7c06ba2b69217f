//! The disk images VMs boot from instead of an installer: the cloud images Debian and
//! Ubuntu publish (imported into the boot disk and configured by cloud-init), and, for a
//! NixOS VM, an image built from the VM's own generated configuration.
//!
//! Cloud image addresses and their checksum lists, checked in December 2026:
//! - Debian: `https://cloud.debian.org/images/cloud/<codename>/latest/` holds
//!   `debian-<N>-genericcloud-amd64.qcow2` and `SHA512SUMS` (cloud.debian.org's layout,
//!   as used by public provisioning scripts for bookworm and trixie).
//! - Ubuntu: `https://cloud-images.ubuntu.com/<codename>/current/` holds
//!   `<codename>-server-cloudimg-amd64.img` and `SHA256SUMS`, whose lines name the file
//!   with a leading `*` (documentation.ubuntu.com/public-images, "Ubuntu cloud image
//!   artefacts"); 24.04 is `noble`, 26.04 `resolute`.
//!
//! NixOS 25.05 and later build images with `nixos-rebuild build-image --image-variant
//! VARIANT` (nixos-generators' README: "Starting with NixOS 25.05, most of
//! nixos-generators has been upstreamed into nixpkgs"); the `qemu` variant is a qcow2
//! disk with GRUB, `qemu-efi` the same for UEFI, both with the root file system labelled
//! `nixos` that the image module declares.

use crate::quote::shell_quote;
use infrac_model::layout::nixos_configuration;
use infrac_model::{Firmware, Guest, Image, Machine, OsFamily};

/// Where disk images wait on a node to be imported: the `import` folder of the `local`
/// directory storage, which Proxmox VE 8.2 and later use for importable disk images.
pub(crate) const IMPORT_DIR: &str = "/var/lib/vz/import";

/// A published cloud image.
struct CloudImage {
    family: OsFamily,
    version: &'static str,
    url: &'static str,
    sums_url: &'static str,
    /// The file name as the checksum list names it.
    file: &'static str,
    /// The tool that computes the list's checksums.
    hash: &'static str,
}

const CLOUD_IMAGES: [CloudImage; 4] = [
    CloudImage {
        family: OsFamily::Debian,
        version: "12",
        url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2",
        sums_url: "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS",
        file: "debian-12-genericcloud-amd64.qcow2",
        hash: "sha512sum",
    },
    CloudImage {
        family: OsFamily::Debian,
        version: "13",
        url: "https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2",
        sums_url: "https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS",
        file: "debian-13-genericcloud-amd64.qcow2",
        hash: "sha512sum",
    },
    CloudImage {
        family: OsFamily::Ubuntu,
        version: "24.04",
        url: "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img",
        sums_url: "https://cloud-images.ubuntu.com/noble/current/SHA256SUMS",
        file: "noble-server-cloudimg-amd64.img",
        hash: "sha256sum",
    },
    CloudImage {
        family: OsFamily::Ubuntu,
        version: "26.04",
        url: "https://cloud-images.ubuntu.com/resolute/current/resolute-server-cloudimg-amd64.img",
        sums_url: "https://cloud-images.ubuntu.com/resolute/current/SHA256SUMS",
        file: "resolute-server-cloudimg-amd64.img",
        hash: "sha256sum",
    },
];

/// The image a VM's boot disk is imported from, as the guest's script shows it.
#[derive(Debug)]
pub(crate) struct DiskImage {
    /// The folder on the node, quoted.
    pub dir: String,
    /// The image's path on the node, quoted.
    pub path: String,
    /// The unquoted path, for `import-from`.
    pub raw_path: String,
    /// One sentence on where the image comes from, comment-safe.
    pub what: String,
    /// For a published image: where the script downloads it from.
    pub download: Option<Download>,
    /// For an image built elsewhere: how to build it and bring it here, quoted.
    pub build_hint: Option<String>,
}

/// A published image's download, checked against its publisher's checksum list.
#[derive(Debug)]
pub(crate) struct Download {
    /// The image's address, quoted.
    pub url: String,
    /// Its checksum list's address, quoted.
    pub sums_url: String,
    /// The file name the checksum list gives it, quoted.
    pub file: String,
    /// `sha512sum` or `sha256sum`.
    pub hash: &'static str,
}

/// The published cloud image of an image entry, if infrac knows one.
fn cloud_image(image: &Image) -> Option<&'static CloudImage> {
    let family = image.os_family();
    CLOUD_IMAGES
        .iter()
        .find(|c| c.family == family && c.version == image.version)
}

/// The cloud image a cloud-init VM boots, or `None` when its image is not one infrac
/// knows the address of.
pub(crate) fn cloud_disk(image: &Image) -> Option<DiskImage> {
    let cloud = cloud_image(image)?;
    let path = format!("{IMPORT_DIR}/{}", cloud.file);
    Some(DiskImage {
        dir: shell_quote(IMPORT_DIR),
        path: shell_quote(&path),
        raw_path: path,
        what: format!(
            "It is the cloud image its publisher keeps at {}, checked against {}.",
            cloud.url, cloud.sums_url
        ),
        download: Some(Download {
            url: shell_quote(cloud.url),
            sums_url: shell_quote(cloud.sums_url),
            file: shell_quote(cloud.file),
            hash: cloud.hash,
        }),
        build_hint: None,
    })
}

/// The image of a NixOS VM, built from its generated configuration on a machine with
/// Nix and copied to the node; the script stops with these instructions while it is
/// missing.
pub(crate) fn nixos_disk(machine: &Machine, guest: &Guest, image: &Image, node: &str) -> DiskImage {
    let file = format!(
        "nixos-{}.qcow2",
        infrac_model::layout::segment(&machine.name)
    );
    let path = format!("{IMPORT_DIR}/{file}");
    let variant = if guest.bios == Some(Firmware::Ovmf) {
        "qemu-efi"
    } else {
        "qemu"
    };
    let hint = format!(
        "build it from this build's folder on a machine with Nix: NIXOS_CONFIG=$PWD/{} \
         nixos-rebuild build-image --image-variant {variant} -I \
         nixpkgs=channel:nixos-{}, then copy the .qcow2 file under result/ to {node}:{path}",
        nixos_configuration(machine),
        image.version
    );
    DiskImage {
        dir: shell_quote(IMPORT_DIR),
        path: shell_quote(&path),
        raw_path: path,
        what: format!(
            "It is built from {} (`nixos-rebuild build-image --image-variant {variant}`), so \
             the VM boots that configuration.",
            nixos_configuration(machine)
        ),
        download: None,
        build_hint: Some(shell_quote(&hint)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(family: &str, version: &str) -> Image {
        Image {
            name: "x".into(),
            family: family.into(),
            version: version.into(),
            kind: infrac_model::GuestKind::Vm,
            ostype: "l26".into(),
            template: None,
            state_version: None,
            cloud_init: true,
            eol: None,
        }
    }

    #[test]
    fn every_supported_cloud_release_has_an_image_and_a_checksum_list() {
        for (family, version, file) in [
            ("debian", "12", "debian-12-genericcloud-amd64.qcow2"),
            ("debian", "13", "debian-13-genericcloud-amd64.qcow2"),
            ("ubuntu", "24.04", "noble-server-cloudimg-amd64.img"),
            ("ubuntu", "26.04", "resolute-server-cloudimg-amd64.img"),
        ] {
            let disk =
                cloud_disk(&image(family, version)).unwrap_or_else(|| panic!("{family} {version}"));
            assert_eq!(disk.raw_path, format!("{IMPORT_DIR}/{file}"));
            let download = disk
                .download
                .unwrap_or_else(|| panic!("{family} {version}"));
            let (url, sums) = (download.url, download.sums_url);
            assert!(url.ends_with(file), "{url}");
            assert_eq!(
                url.rsplit_once('/').map(|p| p.0),
                sums.rsplit_once('/').map(|p| p.0)
            );
        }
        assert!(cloud_disk(&image("ubuntu", "22.04")).is_none());
        assert!(cloud_disk(&image("nixos", "26.05")).is_none());
    }
}
