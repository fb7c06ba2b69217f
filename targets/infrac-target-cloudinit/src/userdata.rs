//! A machine's cloud-config: its name, the packages its roles and memberships need
//! (with Tailscale's apt repository), and the NFS exports its storage pools mount. The
//! files other targets generate for it (BIRD, nftables, WireGuard) are named in the
//! header with where they go; they are not copied in, so there is one source for each.

use crate::text;
use indexmap::IndexMap;
use infrac_model::interfaces::interface_name;
use infrac_model::layout::{self, secret_file, segment};
use infrac_model::{roles, Machine, MachineId, Model, OsFamily, Overlay};
use serde::Serialize;
use std::collections::BTreeSet;

/// The cloud-config document (`#cloud-config`), in the order cloud-init applies it.
#[derive(Debug, Serialize)]
pub(crate) struct CloudConfig {
    pub hostname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    /// Log-ins are by key only.
    pub ssh_pwauth: bool,
    /// The image's default user first, then the lab's users.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apt: Option<Apt>,
    /// Commands run early at every boot, before apt is configured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bootcmd: Vec<Vec<String>>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub packages: BTreeSet<&'static str>,
    /// `/etc/fstab` lines: spec, mount point, type, options, dump, pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<[String; 6]>,
    /// Files written before the packages are installed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub write_files: Vec<WriteFile>,
    /// Commands run once, at the end of the first boot, after the packages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runcmd: Vec<Vec<String>>,
}

/// One entry of cloud-init's `users`: the word `default`, or an account.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum UserEntry {
    Default(&'static str),
    Account(Account),
}

/// A lab user as cloud-init creates it (cc_users_groups).
#[derive(Debug, Serialize)]
pub(crate) struct Account {
    pub name: String,
    pub shell: &'static str,
    /// No password: the account is reached by key only.
    pub lock_passwd: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sudo: Option<&'static str>,
    /// Supplementary groups; cloud-init creates one the image lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    pub ssh_authorized_keys: Vec<String>,
}

/// One file of cloud-init's `write_files`.
#[derive(Debug, Serialize)]
pub(crate) struct WriteFile {
    pub path: String,
    pub permissions: &'static str,
    pub content: String,
    /// Written in the final stage, after the packages are installed (cloud-init's
    /// `write_files_deferred` runs after `package_update_upgrade_install` and before
    /// `scripts_user`, cloud-init `config/cloud.cfg.tmpl`): for a file a package ships
    /// as a conffile, which dpkg would otherwise ask about.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub defer: bool,
}

/// Extra apt repositories.
#[derive(Debug, Serialize)]
pub(crate) struct Apt {
    /// By file name under `/etc/apt/sources.list.d/`.
    pub sources: IndexMap<&'static str, AptSource>,
}

/// One apt repository line. cloud-init replaces `$RELEASE` with the running release's
/// code name (`bookworm`, `noble`).
#[derive(Debug, Serialize)]
pub(crate) struct AptSource {
    pub source: String,
}

// Package names, the same in Debian 12 and Ubuntu 24.04 (packages.debian.org, bookworm:
// bird2 2.0.12, nftables 1.0.6, nfs-common 2.6.2, wireguard-tools 1.0.20210914;
// packages.ubuntu.com, noble: bird2 2.14 in universe, the others in main).
const BIRD: &str = "bird2";
const NFTABLES: &str = "nftables";
const NFS_CLIENT: &str = "nfs-common";
const NFS_SERVER: &str = "nfs-kernel-server";
/// nfs-kernel-server reads `/etc/exports` and every `/etc/exports.d/*.exports`
/// (exports(5)), so the lab's exports live in a file of their own.
const EXPORTS_FILE: &str = "/etc/exports.d/infrac.exports";
const WIREGUARD_TOOLS: &str = "wireguard-tools";
/// From Tailscale's repository; the keyring package keeps its key current (both are what
/// Tailscale's installer installs).
const TAILSCALE: [&str; 2] = ["tailscale", "tailscale-archive-keyring"];

/// Where Tailscale's repository key goes. From Tailscale's installer
/// (tailscale/tailscale `scripts/installer.sh`, "keyring" method for Debian 11+ and
/// Ubuntu 20.04+): the key is `https://pkgs.tailscale.com/stable/<os>/<codename>.noarmor.gpg`
/// stored as this file, and the repository line is
/// `deb [signed-by=<this file>] https://pkgs.tailscale.com/stable/<os> <codename> main`
/// (tailscale/tailscale `clientupdate/clientupdate_test.go`).
const TAILSCALE_KEYRING: &str = "/usr/share/keyrings/tailscale-archive-keyring.gpg";

/// The user data of machine `id` (running `family`), with the notes for its header.
pub(crate) fn cloud_config(
    model: &Model,
    id: MachineId,
    family: OsFamily,
) -> (CloudConfig, Vec<String>) {
    let machine = model.machine(id);
    let hostname = text::hostname(&machine.name);
    let fqdn = model
        .site_of(id)
        .domain
        .as_deref()
        .and_then(text::domain)
        .map(|domain| format!("{hostname}.{domain}"));
    let mut config = CloudConfig {
        hostname,
        fqdn,
        ssh_pwauth: false,
        users: users(model),
        apt: None,
        bootcmd: Vec::new(),
        packages: BTreeSet::new(),
        mounts: Vec::new(),
        write_files: Vec::new(),
        runcmd: Vec::new(),
    };
    let mut notes = Vec::new();
    roles_and_files(model, id, &mut config, &mut notes);
    overlays(model, machine, family, &mut config, &mut notes);
    nfs_mounts(model, id, machine, &mut config, &mut notes);
    nfs_exports(model, machine, &mut config);
    crate::stacks::stacks(model, id, family, &mut config, &mut notes);
    let left = left_to_operator(model, id);
    if !left.is_empty() {
        notes.push(format!(
            "Left to the operator: declared, but this file neither installs nor configures \
             them: {}.",
            left.join(", ")
        ));
    }
    (config, notes)
}

/// The declared services this file does nothing for, as `name (ports)`: everything but
/// SSH (the cloud images run it), NFS for a machine with exports, and the daemons of the
/// machine's BGP, overlay and cluster roles, which the notes above cover.
fn left_to_operator(model: &Model, id: MachineId) -> Vec<String> {
    let machine = model.machine(id);
    let overlay = |kind: Overlay| {
        machine
            .attached()
            .any(|(_, _, n)| model.network(n).overlay == Some(kind))
    };
    let covered = |name: &str| match name {
        "ssh" => true,
        "nfs" => !machine.exports.is_empty(),
        "bird" => roles::bgp_of(model, id).is_some(),
        "wireguard" => overlay(Overlay::Wireguard),
        "tailscale" => overlay(Overlay::Tailscale),
        "k3s-api" | "kubelet" | "k3s-etcd" | "flannel-vxlan" => {
            roles::cluster_of(model, id).is_some()
        }
        _ => false,
    };
    machine
        .services
        .iter()
        .filter(|s| !covered(&s.name))
        .map(|s| {
            let ports: Vec<String> = s.ports.iter().map(ToString::to_string).collect();
            if ports.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, ports.join(", "))
            }
        })
        .collect()
}

/// BIRD, nftables and k3s: their packages, and where the other targets' files go.
fn roles_and_files(
    model: &Model,
    id: MachineId,
    config: &mut CloudConfig,
    notes: &mut Vec<String>,
) {
    let machine = model.machine(id);
    if roles::bgp_of(model, id).is_some() {
        config.packages.insert(BIRD);
        notes.push(format!(
            "BGP: install {} from this build as /etc/bird/bird.conf, then run `systemctl \
             reload bird`.",
            layout::bird_conf(machine)
        ));
    }
    if let Some((cluster, server)) = roles::cluster_of(model, id) {
        notes.push(format!(
            "Kubernetes: a k3s {} of cluster {}. Run this node's install.sh from the k3s \
             target's files in this build; it installs the pinned k3s and the node's \
             config.yaml.",
            if server { "server" } else { "agent" },
            model.cluster(cluster).name
        ));
    }
    if roles::firewall_of(model, id).is_some() {
        config.packages.insert(NFTABLES);
        notes.push(format!(
            "Firewall: install {} from this build as /etc/nftables.conf, then run \
             `systemctl enable --now nftables`.",
            layout::nftables_ruleset(machine)
        ));
    }
}

/// Tailscale from its own repository, WireGuard's tools and `wg-quick` file; ZeroTier
/// is only noted (its repository has no stable key location to name).
fn overlays(
    model: &Model,
    machine: &Machine,
    family: OsFamily,
    config: &mut CloudConfig,
    notes: &mut Vec<String>,
) {
    for (index, nic, network) in machine.attached() {
        let net = model.network(network);
        let Some(overlay) = net.overlay else { continue };
        let interface = interface_name(model, machine, index);
        match overlay {
            Overlay::Tailscale => {
                tailscale_repository(family, config);
                config.packages.extend(TAILSCALE);
                notes.push(match &net.auth_key {
                    Some(secret) => format!(
                        "Tailscale ({}): the package comes from Tailscale's repository. Join \
                         with `tailscale up --auth-key=file:{}` once the secret store has put \
                         the auth key there.",
                        net.name,
                        secret_file(secret)
                    ),
                    None => format!(
                        "Tailscale ({}): the package comes from Tailscale's repository. The lab \
                         names no auth key (`auth_key = secret(\"…\")` on the network): join \
                         once by hand with `tailscale up`.",
                        net.name
                    ),
                });
            }
            Overlay::Wireguard => {
                config.packages.insert(WIREGUARD_TOOLS);
                if nic.wireguard.is_some() {
                    notes.push(format!(
                        "WireGuard ({}): install {} from this build as \
                         /etc/wireguard/{interface}.conf, then run `systemctl enable --now \
                         wg-quick@{interface}`.",
                        net.name,
                        layout::wireguard_conf(machine, &interface)
                    ));
                } else {
                    notes.push(format!(
                        "WireGuard ({}): the lab gives this member no `public_key`, so there \
                         is no wg-quick file for {interface}.",
                        net.name
                    ));
                }
            }
            Overlay::Zerotier => notes.push(format!(
                "ZeroTier ({}): install ZeroTier One from ZeroTier's repository and join the \
                 network with `zerotier-cli join ID`; the lab does not record the network ID.",
                net.name
            )),
        }
    }
}

/// Tailscale's apt repository and the boot command that fetches its key.
///
/// cloud-init's apt module takes a key inline or from a key server, not from a URL, so
/// the key is fetched by `bootcmd`, which runs before apt is configured and packages are
/// installed. It uses Python because cloud-init itself runs on it, while curl and wget
/// are missing from minimal installs; the file appears whole or not at all.
fn tailscale_repository(family: OsFamily, config: &mut CloudConfig) {
    let os = match family {
        OsFamily::Ubuntu => "ubuntu",
        _ => "debian",
    };
    let sources = &mut config
        .apt
        .get_or_insert_with(|| Apt {
            sources: IndexMap::new(),
        })
        .sources;
    if sources.contains_key("tailscale.list") {
        return;
    }
    sources.insert(
        "tailscale.list",
        AptSource {
            source: format!(
                "deb [signed-by={TAILSCALE_KEYRING}] https://pkgs.tailscale.com/stable/{os} $RELEASE main"
            ),
        },
    );
    let fetch = format!(
        "[ -s {TAILSCALE_KEYRING} ] || {{ . /etc/os-release && python3 -c \"import sys, \
         urllib.request; urllib.request.urlretrieve(*sys.argv[1:])\" \
         \"https://pkgs.tailscale.com/stable/{os}/$VERSION_CODENAME.noarmor.gpg\" \
         {TAILSCALE_KEYRING}.part && mv {TAILSCALE_KEYRING}.part {TAILSCALE_KEYRING}; }}"
    );
    config.bootcmd.push(vec!["sh".into(), "-c".into(), fetch]);
}

/// A field of `/etc/fstab`: blanks and backslashes in the octal escapes `getmntent`
/// decodes, so a path with a space stays one field.
fn fstab_field(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' ' => out.push_str("\\040"),
            '\t' => out.push_str("\\011"),
            '\n' => out.push_str("\\012"),
            '\\' => out.push_str("\\134"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The lab's users after the image's default one; a sudo user may use it without a
/// password, since the account has none.
fn users(model: &Model) -> Vec<UserEntry> {
    if model.users.is_empty() {
        return Vec::new();
    }
    let mut out = vec![UserEntry::Default("default")];
    out.extend(model.users.iter().map(|user| {
        UserEntry::Account(Account {
            name: user.name.clone(),
            shell: "/bin/bash",
            lock_passwd: true,
            sudo: user.sudo.then_some("ALL=(ALL) NOPASSWD:ALL"),
            groups: user
                .sudo
                .then(|| "sudo".to_string())
                .into_iter()
                .chain(user.groups.iter().map(|g| g.value.clone()))
                .fold(Vec::new(), |mut all, g| {
                    if !all.contains(&g) {
                        all.push(g);
                    }
                    all
                }),
            ssh_authorized_keys: user.keys.iter().map(|k| k.value.clone()).collect(),
        })
    }));
    out
}

/// The machine's NFS exports, each to the prefixes of its client networks (or of the
/// networks the machine is on, when the export names none).
fn nfs_exports(model: &Model, machine: &Machine, config: &mut CloudConfig) {
    if machine.exports.is_empty() {
        return;
    }
    config.packages.insert(NFS_SERVER);
    let mut lines =
        vec!["# The lab's NFS exports, written by cloud-init from infrac's build.".to_string()];
    lines.extend(
        machine
            .exports
            .iter()
            .filter_map(|export| roles::exports_line(model, machine, export)),
    );
    config.write_files.push(WriteFile {
        path: EXPORTS_FILE.into(),
        permissions: "0644",
        content: lines.join("\n") + "\n",
        defer: false,
    });
    config.runcmd.push(vec!["exportfs".into(), "-ra".into()]);
}

/// NFS mounts of the storage pools that mount an export, at `/mnt/<pool>`.
fn nfs_mounts(
    model: &Model,
    id: MachineId,
    machine: &Machine,
    config: &mut CloudConfig,
    notes: &mut Vec<String>,
) {
    for pool in &machine.storage {
        let Some(export_ref) = &pool.export else {
            continue;
        };
        config.packages.insert(NFS_CLIENT);
        let mount_point = format!("/mnt/{}", segment(&pool.name));
        let Some(source) = roles::nfs_source(model, id, pool) else {
            notes.push(format!(
                "Storage {}: mount {}'s export {} at {mount_point} yourself; the lab gives no \
                 address of it that this machine reaches (set the pool's `server`).",
                pool.name,
                model.machine(export_ref.machine).name,
                export_ref.export
            ));
            continue;
        };
        let options = if source.read_only {
            "ro,_netdev,nofail"
        } else {
            "rw,_netdev,nofail"
        };
        config.mounts.push([
            fstab_field(&source.device()),
            mount_point,
            "nfs".into(),
            options.into(),
            "0".into(),
            "0".into(),
        ]);
    }
    if !config.mounts.is_empty() {
        // The mounts module runs before the packages are installed, when `mount.nfs` is
        // still missing; mount them once it is there.
        config
            .runcmd
            .push(vec!["mount".into(), "-a".into(), "-t".into(), "nfs".into()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fstab_fields_stay_one_field() {
        assert_eq!(fstab_field("10.0.0.5:/srv/media"), "10.0.0.5:/srv/media");
        assert_eq!(fstab_field("h:/a b\\c\td"), "h:/a\\040b\\134c\\011d");
        assert_eq!(fstab_field("h:/a\nb"), "h:/a\\012b");
    }
}
