//! Compose stacks and Caddy on a Debian or Ubuntu machine, whichever target provisions it
//! (the cloud-init target on bare metal and cloud machines, the Proxmox target's
//! user-data snippet in a cloud-image VM and its `pct exec` script in a container): the
//! packages that bring the engine and Caddy, the files placed under
//! `/etc/infrac/compose/<stack>` and at `/etc/caddy/Caddyfile`, the systemd unit per
//! stack that brings it up, and the commands that start them. One derivation, so every
//! platform agrees.

use infrac_model::{MachineId, Model, OsFamily, StackUnit};

/// The engine, from the distribution's own archive (Docker Inc.'s repository is not
/// needed): `docker.io` in Debian main and Ubuntu universe.
pub const ENGINE: &str = "docker.io";
/// NFS volumes are mounted by the engine's local driver with the kernel's NFS client;
/// `nfs-common` brings the helpers (`mount.nfs`, `rpc.statd` for NFSv3 locking).
pub const NFS_CLIENT: &str = "nfs-common";

/// Compose from the distribution, and how to call it.
///
/// - Debian: `docker-compose` in main; bookworm has Compose 1.29.2 (the Python
///   implementation), trixie Compose v2, whose package installs both
///   `/usr/bin/docker-compose` and the `docker compose` plugin
///   (packages.debian.org/trixie/docker-compose/filelist). `/usr/bin/docker-compose`
///   works on both.
/// - Ubuntu 24.04 and 26.04: `docker-compose-v2` in universe (2.24.6 on noble, 2.40.3 on
///   resolute; packages.ubuntu.com/noble/docker-compose-v2), the `docker compose` plugin
///   at `/usr/libexec/docker/cli-plugins/docker-compose`, depending on `docker.io`.
pub fn compose_package(family: OsFamily) -> (&'static str, &'static str) {
    match family {
        OsFamily::Ubuntu => ("docker-compose-v2", "/usr/bin/docker compose"),
        _ => ("docker-compose", "/usr/bin/docker-compose"),
    }
}

/// Debian's and Ubuntu's Caddy (`caddy` in Debian main since bookworm and Ubuntu
/// universe); its `caddy.service` reads [`crate::caddy::CADDYFILE_ON_MACHINE`].
pub const CADDY: &str = "caddy";

/// Everything a Debian or Ubuntu machine needs to run its stacks and its Caddy.
#[derive(Debug, Clone)]
pub struct Provision<'a> {
    /// Packages to install, in install order.
    pub packages: Vec<&'static str>,
    /// How the units call Compose.
    pub command: &'static str,
    /// Files to write, in order: each stack's `compose.yaml`, `.env` and unit, then the
    /// Caddyfile.
    pub files: Vec<MachineFile>,
    /// The stacks' units to enable and start.
    pub units: Vec<StackUnit<'a>>,
    /// Whether the machine runs Caddy for the lab's reverse proxies.
    pub caddy: bool,
}

/// A file placed on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineFile {
    pub path: String,
    pub mode: &'static str,
    pub content: String,
    /// A package installs this path as a conffile, so the file is written after the
    /// packages (else dpkg would ask whether to keep it).
    pub after_packages: bool,
}

/// What machine `id` (running `family`) needs for its stacks and Caddy, or `None` when it
/// runs neither. `by` names what writes the files, for the unit's header (`cloud-init`).
pub fn provision<'a>(
    model: &'a Model,
    id: MachineId,
    family: OsFamily,
    by: &str,
) -> Option<Provision<'a>> {
    let units = model.stack_units(id);
    let caddyfile = crate::caddy::caddyfile(model, id);
    if units.is_empty() && caddyfile.is_none() {
        return None;
    }
    let (package, command) = compose_package(family);
    let mut packages = Vec::new();
    if !units.is_empty() {
        packages.extend([ENGINE, package]);
    }
    if units.iter().any(|u| u.nfs) {
        packages.push(NFS_CLIENT);
    }
    if caddyfile.is_some() {
        packages.push(CADDY);
    }
    let mut files = Vec::new();
    for unit in &units {
        let (compose_yaml, env) = crate::render_stack(model, unit.stack);
        files.push(MachineFile {
            path: format!("{}/compose.yaml", unit.folder),
            mode: "0644",
            content: compose_yaml,
            after_packages: false,
        });
        // It names secret files, never their contents.
        files.push(MachineFile {
            path: format!("{}/.env", unit.folder),
            mode: "0644",
            content: env,
            after_packages: false,
        });
        files.push(MachineFile {
            path: format!("/etc/systemd/system/{}.service", unit.unit),
            mode: "0644",
            content: unit_file(unit, command, by),
            after_packages: false,
        });
    }
    let caddy = caddyfile.is_some();
    if let Some(text) = caddyfile {
        files.push(MachineFile {
            path: crate::caddy::CADDYFILE_ON_MACHINE.to_string(),
            mode: "0644",
            content: text,
            after_packages: true,
        });
    }
    Some(Provision {
        packages,
        command,
        files,
        units,
        caddy,
    })
}

impl Provision<'_> {
    /// The commands, once the packages and files are there, that start the stacks (the
    /// units are new to systemd) and make Caddy load its Caddyfile (the package started
    /// it with its own).
    pub fn start(&self) -> Vec<Vec<String>> {
        let mut commands: Vec<Vec<String>> = Vec::new();
        if !self.units.is_empty() {
            commands.push(vec!["systemctl".into(), "daemon-reload".into()]);
            let mut enable: Vec<String> = vec!["systemctl".into(), "enable".into(), "--now".into()];
            enable.extend(self.units.iter().map(|u| format!("{}.service", u.unit)));
            commands.push(enable);
        }
        if self.caddy {
            commands.push(vec![
                "systemctl".into(),
                "reload-or-restart".into(),
                "caddy.service".into(),
            ]);
        }
        commands
    }

    /// The header notes: the stacks and their units, Caddy.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.units.is_empty() {
            notes.push(self.stacks_note());
        }
        if self.caddy {
            notes.push(format!(
                "Reverse proxy: Caddy from the distribution, with the Caddyfile of this build \
                 at {}.",
                crate::caddy::CADDYFILE_ON_MACHINE
            ));
        }
        notes
    }

    /// The note naming the stacks and their units.
    fn stacks_note(&self) -> String {
        let names: Vec<String> = self
            .units
            .iter()
            .map(|u| format!("{} ({}.service, from {})", u.stack.name, u.unit, u.folder))
            .collect();
        format!(
            "Compose stacks run by Docker: {}. Each unit runs `{} up -d --remove-orphans` in \
             its folder; `systemctl reload` applies a changed compose.yaml.",
            names.join(", "),
            self.command
        )
    }

    /// The files the stacks read secrets from (their `.env` names them), each once.
    pub fn secret_files(&self) -> Vec<String> {
        let mut secrets: Vec<String> = Vec::new();
        for unit in &self.units {
            for (_, secret) in unit.stack.services.iter().flat_map(|s| &s.secret_env) {
                let file = infrac_model::layout::secret_file(secret);
                if !secrets.contains(&file) {
                    secrets.push(file);
                }
            }
        }
        secrets
    }

    /// The stacks with a service that asks for an NVIDIA GPU, whose driver and container
    /// toolkit come from NVIDIA's repository and are left to the operator.
    pub fn nvidia_stacks(&self) -> Vec<&str> {
        self.units
            .iter()
            .filter(|u| {
                u.stack
                    .services
                    .iter()
                    .any(|s| s.gpu == Some(infrac_model::ComposeGpu::Nvidia))
            })
            .map(|u| u.stack.name.as_str())
            .collect()
    }
}

/// The systemd unit of one stack: a oneshot that stays active while the stack is up,
/// after Docker, the network and the file systems its bind mounts live on.
pub fn unit_file(unit: &StackUnit, command: &str, by: &str) -> String {
    // network-online: the engine mounts the stack's NFS volumes itself when a container
    // starts, and images are pulled from registries.
    let after = ["docker.service", "network-online.target"];
    let mut text = format!(
        "# Compose stack {name}, written by {by} from infrac's build.\n\
         [Unit]\n\
         Description=Compose stack {name}\n\
         Requires=docker.service\n\
         After={after}\n\
         Wants=network-online.target\n",
        name = unit.stack.name,
        after = after.join(" "),
    );
    for path in unit.requires_mounts_for() {
        text.push_str(&format!("RequiresMountsFor={path}\n"));
    }
    text.push_str(&format!(
        "\n[Service]\n\
         Type=oneshot\n\
         RemainAfterExit=yes\n\
         WorkingDirectory={folder}\n\
         ExecStart={command} --env-file .env up -d --remove-orphans\n\
         ExecReload={command} --env-file .env up -d --remove-orphans\n\
         ExecStop={command} --env-file .env down\n\
         \n[Install]\n\
         WantedBy=multi-user.target\n",
        folder = unit.folder,
    ));
    text
}
