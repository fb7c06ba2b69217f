//! The cloud-init target: the first-boot configuration of every Debian and Ubuntu machine
//! that is not a Proxmox guest (those get theirs from the Proxmox target's cloud-init
//! drive), that is bare-metal machines and cloud machines whose `os` is Debian or Ubuntu.
//!
//! For each: `cloud-init/<machine>/user-data` (a cloud-config: host name, packages,
//! Tailscale's repository, NFS mounts), `cloud-init/<machine>/network-config` (network
//! config version 2) and, on bare metal, `cloud-init/<machine>/meta-data` to complete a
//! NoCloud seed. Ubuntu bare metal also gets `netplan/<machine>/50-infrac.yaml`, the same
//! network description as a netplan file for an install without cloud-init.
//!
//! Like the Proxmox target's cloud-init drive, the user data creates no login: the lab
//! records no users or SSH keys. The files other targets write for the machine (BIRD,
//! nftables, WireGuard, k3s) are named in the header with where they go, never copied.

mod network;
mod stacks;
mod text;
mod userdata;

use infrac_diagnostics::Diagnostic;
use infrac_model::layout::segment;
use infrac_model::{Artifact, Machine, MachineId, Model, OsFamily, Platform, Target};
use serde::Serialize;

/// Emits `cloud-init/<machine>/…` for Debian and Ubuntu machines outside Proxmox, and
/// `netplan/<machine>/50-infrac.yaml` for Ubuntu bare metal.
pub struct CloudInitTarget;

impl Target for CloudInitTarget {
    fn name(&self) -> &'static str {
        "cloud-init"
    }

    fn description(&self) -> &'static str {
        "cloud-init/<machine>/: user data, network config and seed metadata of Debian and \
         Ubuntu machines outside Proxmox; netplan/<machine>/ for Ubuntu bare metal"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        for (id, machine) in model.machines() {
            if let Some(family) = family(model, id) {
                artifacts.extend(machine_files(model, id, machine, family));
            }
        }
        Ok(artifacts)
    }
}

/// The OS family of a machine this target configures: a bare-metal or cloud machine
/// (never a guest, whose hypervisor configures it) running Debian or Ubuntu.
fn family(model: &Model, id: MachineId) -> Option<OsFamily> {
    let machine = model.machine(id);
    if machine.guest.is_some() || !matches!(machine.platform, Platform::Baremetal | Platform::Cloud)
    {
        return None;
    }
    infrac_model::roles::os_family(model, id)
        .filter(|f| matches!(f, OsFamily::Debian | OsFamily::Ubuntu))
}

/// What the machine is, for the headers: `Ubuntu 24.04 on bare metal`.
fn summary(model: &Model, machine: &Machine, family: OsFamily) -> String {
    let os = match family {
        OsFamily::Ubuntu => "Ubuntu",
        _ => "Debian",
    };
    let version = machine
        .os
        .map(|i| model.image(i).version.as_str())
        .unwrap_or_default();
    let place = match (&machine.platform, &machine.cloud) {
        (Platform::Cloud, Some(cloud)) => match &cloud.region {
            Some(region) => format!("a cloud machine at {} ({region})", cloud.provider),
            None => format!("a cloud machine at {}", cloud.provider),
        },
        (Platform::Cloud, None) => "a cloud machine".to_string(),
        _ => "bare metal".to_string(),
    };
    format!("{os} {version} on {place}")
}

/// The NoCloud seed's metadata: the instance ID that makes cloud-init treat a seed as a
/// new instance, and the host name.
#[derive(Serialize)]
struct MetaData {
    #[serde(rename = "instance-id")]
    instance_id: String,
    #[serde(rename = "local-hostname")]
    local_hostname: String,
}

/// The files of one machine.
fn machine_files(
    model: &Model,
    id: MachineId,
    machine: &Machine,
    family: OsFamily,
) -> Vec<Artifact> {
    let dir = format!("cloud-init/{}", segment(&machine.name));
    let bare_metal = machine.platform == Platform::Baremetal;
    let summary = summary(model, machine, family);
    let description = network::describe(model, id);
    let (config, role_notes) = userdata::cloud_config(model, id, family);

    let mut usage = if bare_metal {
        format!(
            "Seed: boot the installed image with a NoCloud seed, a volume labelled CIDATA \
             holding this file, meta-data and network-config from {dir}."
        )
    } else {
        "Seed: pass this file as the instance's user data.".to_string()
    };
    if description.is_empty() {
        usage.push_str(
            " There is no network-config: the lab puts no NIC of this machine on a network, \
             so the image keeps its own network setup.",
        );
    } else if !bare_metal {
        usage.push_str(
            " The provider configures the network from its own metadata; network-config \
             describes the same addresses for a seed that carries one.",
        );
    }
    let login = if model.users.is_empty() {
        "Log-in: the lab records no users or SSH keys, so this file creates none and \
         allows no passwords. The image's default user gets the SSH keys the data source \
         provides: the provider's key pair, or `public-keys` in the seed's meta-data."
    } else {
        "Log-in: the lab's users, by SSH key only (no passwords); the image's default user \
         stays as the data source sets it up."
    };
    let mut notes = vec![usage, login.to_string()];
    notes.extend(role_notes);
    let header = format!(
        "#cloud-config\n{}",
        text::header(
            &format!("cloud-init user data of {}: {summary}.", machine.name),
            &model.source,
            &notes,
        )
    );
    let mut artifacts = vec![Artifact::new(
        format!("{dir}/user-data"),
        text::yaml(&header, &config),
    )];

    if bare_metal {
        let header = text::header(
            &format!("NoCloud seed metadata of {}.", machine.name),
            &model.source,
            &[
                "cloud-init runs its once-per-instance steps again only for a new \
               instance-id: change it to apply a changed user-data to an installed machine."
                    .to_string(),
            ],
        );
        let meta = MetaData {
            instance_id: config.hostname.clone(),
            local_hostname: config.hostname.clone(),
        };
        artifacts.push(Artifact::new(
            format!("{dir}/meta-data"),
            text::yaml(&header, &meta),
        ));
    }

    if !description.is_empty() {
        let header = text::header(
            &format!(
                "Network configuration (version 2) of {}: {summary}.",
                machine.name
            ),
            &model.source,
            &description.notes,
        );
        artifacts.push(Artifact::new(
            format!("{dir}/network-config"),
            text::yaml(&header, &description.file),
        ));
        if bare_metal && family == OsFamily::Ubuntu {
            let mut notes = vec![
                "Install as /etc/netplan/50-infrac.yaml with mode 600, then \
                 run `netplan apply`. It is the network-config of the cloud-init seed: use one \
                 or the other, or turn off cloud-init's network configuration (`network: \
                 {config: disabled}` in /etc/cloud/cloud.cfg.d/)."
                    .to_string(),
            ];
            notes.extend(description.notes.iter().cloned());
            let header = text::header(
                &format!("Netplan configuration of {}: {summary}.", machine.name),
                &model.source,
                &notes,
            );
            artifacts.push(Artifact::new(
                format!("netplan/{}/50-infrac.yaml", segment(&machine.name)),
                text::yaml(&header, &description.file),
            ));
        }
    }
    artifacts
}
