//! Compose stacks on a NixOS machine: Docker, the stacks' files from this build placed
//! under `/etc/infrac/compose/<stack>`, and a systemd unit per stack that brings it up.

use crate::machine::MachineView;
use crate::nix::Nix;
use crate::services::Assignments;
use infrac_model::layout::from_nixos;
use infrac_model::{ComposeGpu, StackUnit};

/// Docker, the files and the units, or nothing when the machine runs no stack.
pub(crate) fn stacks(view: &MachineView) -> Assignments {
    let units = view.model.stack_units(view.id);
    if units.is_empty() {
        return Vec::new();
    }
    let mut files: Vec<(Vec<String>, Nix)> = Vec::new();
    let mut services: Vec<(Vec<String>, Nix)> = Vec::new();
    for unit in &units {
        for (build, name) in [
            (&unit.compose_file, "compose.yaml"),
            (&unit.env_file, ".env"),
        ] {
            // `environment.etc` paths are relative to /etc.
            let target = format!("{}/{name}", unit.folder.trim_start_matches("/etc/"));
            files.push((vec![target, "source".into()], Nix::Expr(from_nixos(build))));
        }
        services.push((vec![unit.unit.clone()], service(unit)));
    }
    vec![
        ("virtualisation.docker.enable", Nix::Bool(true)),
        ("environment.etc", Nix::Attrs(files)),
        ("systemd.services", Nix::Attrs(services)),
    ]
}

/// The command line of `docker-compose` (nixpkgs' `docker-compose` is Compose v2 with its
/// standalone `docker-compose` binary, which talks to the daemon `virtualisation.docker`
/// runs) with the stack's `.env`, run in the stack's folder.
fn compose(arguments: &str) -> Nix {
    Nix::Expr(format!(
        "\"${{pkgs.docker-compose}}/bin/docker-compose --env-file .env {arguments}\""
    ))
}

/// One stack's unit: a oneshot that stays active while the stack is up. A changed
/// compose file or `.env` reloads it on `nixos-rebuild switch`, which recreates only the
/// containers whose definition changed; stopping it takes the stack down.
fn service(unit: &StackUnit) -> Nix {
    // network-online: the engine mounts the stack's NFS volumes itself when a container
    // starts, and images are pulled from registries.
    let after = ["docker.service", "network-online.target"];
    let files = Nix::List(vec![
        Nix::Expr(from_nixos(&unit.compose_file)),
        Nix::Expr(from_nixos(&unit.env_file)),
    ]);
    let mut settings = vec![
        (
            "description",
            Nix::str(format!("Compose stack {}", unit.stack.name)),
        ),
        ("wantedBy", Nix::strs(["multi-user.target"])),
        ("requires", Nix::strs(["docker.service"])),
        ("after", Nix::strs(after)),
        ("wants", Nix::strs(["network-online.target"])),
        ("reloadTriggers", files),
    ];
    let mounts = unit.requires_mounts_for();
    if !mounts.is_empty() {
        settings.push(("unitConfig.RequiresMountsFor", Nix::strs(mounts)));
    }
    settings.extend([
        ("serviceConfig.Type", Nix::str("oneshot")),
        ("serviceConfig.RemainAfterExit", Nix::Bool(true)),
        ("serviceConfig.WorkingDirectory", Nix::str(&unit.folder)),
        ("serviceConfig.ExecStart", compose("up -d --remove-orphans")),
        (
            "serviceConfig.ExecReload",
            compose("up -d --remove-orphans"),
        ),
        ("serviceConfig.ExecStop", compose("down")),
    ]);
    Nix::attrs(settings)
}

/// The files the machine's stacks read secrets from (their `.env` names them).
pub(crate) fn secrets(view: &MachineView) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for stack in view.model.stacks_on(view.id) {
        for (_, secret) in stack.services.iter().flat_map(|s| &s.secret_env) {
            let file = infrac_model::layout::secret_file(secret);
            if !out.contains(&file) {
                out.push(file);
            }
        }
    }
    out
}

/// What the stacks need that this file does not set up.
pub(crate) fn notes(view: &MachineView) -> Vec<String> {
    let units = view.model.stack_units(view.id);
    let mut notes = Vec::new();
    if units.is_empty() {
        return notes;
    }
    let names: Vec<String> = units
        .iter()
        .map(|u| format!("{} ({}.service, from {})", u.stack.name, u.unit, u.folder))
        .collect();
    notes.push(format!(
        "Compose stacks run by Docker: {}. Each unit runs `docker-compose up -d \
         --remove-orphans` with the stack's files from this build.",
        names.join(", ")
    ));
    let nvidia: Vec<&str> = units
        .iter()
        .filter(|u| {
            u.stack
                .services
                .iter()
                .any(|s| s.gpu == Some(ComposeGpu::Nvidia))
        })
        .map(|u| u.stack.name.as_str())
        .collect();
    if !nvidia.is_empty() {
        notes.push(format!(
            "Left to the operator: an NVIDIA GPU for the stacks {}, which needs the \
             NVIDIA driver (hardware.nvidia) and hardware.nvidia-container-toolkit.enable; \
             this file configures neither, since the driver depends on the card.",
            nvidia.join(", ")
        ));
    }
    notes
}
